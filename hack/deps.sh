#!/usr/bin/env bash
# Installs what `make bench` and `make test` need when it is missing, from
# Debian's packages. Exits 3 with a clear message when it cannot.
set -euo pipefail

purpose=${1:-bench}
# Programs the harness and its tests use, and the Debian package of each.
declare -A need=(
	[ip]=iproute2
	[haproxy]=haproxy # the sidecar proxy where no envoy binary exists
	[nft]=nftables    # tests read the sidecar capture rules back with nft
	[iperf3]=iperf3   # meshbench crosscheck: the stream reference
	[wrk]=wrk         # meshbench crosscheck: the HTTP reference
)

die() { echo "meshbench: $*" >&2; exit 3; }

command -v go >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ] ||
	die "Go is not installed: install Go 1.26 or newer (https://go.dev/doc/install) and put it on PATH"

if [ "$purpose" = generate ]; then
	need=([clang]=clang [llvm-strip]=llvm)
fi

if [ "$purpose" = kind ]; then
	# make kind-image and the kind tests: the Docker engine (a docker
	# client alone is not enough), debootstrap for the root filesystems, gcc
	# for pause, jq and capsh for hack/runc-bounding-caps.sh.
	need=([dockerd]=docker.io [debootstrap]=debootstrap [gcc]=gcc [jq]=jq [capsh]=libcap2-bin)
	[ "$(id -u)" -eq 0 ] || die "make kind-image runs debootstrap: run it as root (sudo make kind-image)"
fi

missing=()
for cmd in "${!need[@]}"; do
	command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}")
done
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" -eq 0 ] || die "missing packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}"
	command -v apt-get >/dev/null 2>&1 || die "missing packages: ${missing[*]} and no apt-get to install them"
	echo "installing ${missing[*]} for make $purpose" >&2
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "$purpose" = bench ] && [ "$(id -u)" -ne 0 ]; then
	die "make bench builds network namespaces and cgroups: run it as root (sudo make bench)"
fi

#!/usr/bin/env bash
# Lets Docker 20.10 (Debian bookworm's docker.io) start privileged containers,
# which kind nodes are, on a host where dockerd itself runs without some
# capability (in a sandbox, for instance, without CAP_SYS_RESOURCE).
#
# Docker 20.10 asks for every capability the kernel knows for a --privileged
# container or a `docker exec --privileged`, and runc then fails with "unable
# to apply caps: operation not permitted" (moby#42906; moby >= 23 asks only for
# the capabilities in its bounding set, moby#42933). This installs a runc
# wrapper in /usr/local/sbin, ahead of /usr/sbin/runc on dockerd's PATH, that
# removes from the container or exec process spec the capabilities outside the
# bounding set, then runs the real runc. A spec that asks only for capabilities
# the host has (every container that starts today) passes unchanged. No
# daemon restart is needed: the runtime shim finds runc on PATH at each start.
#
#   hack/runc-bounding-caps.sh check      exit 0 if privileged containers start
#   hack/runc-bounding-caps.sh install    install the wrapper if they do not
#   hack/runc-bounding-caps.sh uninstall  remove the wrapper (only ours)
set -euo pipefail

wrapper=/usr/local/sbin/runc
real=/usr/sbin/runc
marker="meshbench runc-bounding-caps"

die() { echo "runc-bounding-caps: $*" >&2; exit 3; }

bounding_complete() {
	local last bnd
	last=$(cat /proc/sys/kernel/cap_last_cap)
	bnd=$(awk '/^CapBnd/ {print $2}' /proc/self/status)
	[[ $((16#$bnd)) -eq $(((1 << (last + 1)) - 1)) ]]
}

case "${1:-check}" in
check)
	if bounding_complete; then
		echo "runc-bounding-caps: this host has every capability; privileged containers need no wrapper"
		exit 0
	fi
	if [[ -f $wrapper ]] && grep -q "$marker" "$wrapper"; then
		echo "runc-bounding-caps: the wrapper is installed at $wrapper"
		exit 0
	fi
	echo "runc-bounding-caps: capabilities are missing from the bounding set and no wrapper is installed: run $0 install" >&2
	exit 1
	;;
install)
	[[ $(id -u) -eq 0 ]] || die "installing $wrapper needs root"
	[[ -x $real ]] || die "no runc at $real: apt-get install runc"
	command -v jq >/dev/null || die "the wrapper needs jq: apt-get install jq"
	command -v capsh >/dev/null || die "the wrapper needs capsh: apt-get install libcap2-bin"
	if [[ -e $wrapper ]] && ! grep -q "$marker" "$wrapper"; then
		die "$wrapper exists and is not ours; leaving it alone"
	fi
	cat >"$wrapper.tmp" <<EOF
#!/bin/sh
# $marker: installed by meshbench's hack/runc-bounding-caps.sh.
# Removes capabilities outside this host's bounding set from the spec of a
# container (--bundle DIR/config.json) or exec process (--process FILE), then
# runs $real. Remove with hack/runc-bounding-caps.sh uninstall.
spec=; prev=
for a in "\$@"; do
	case \$prev in --bundle|-b) spec=\$a/config.json ;; --process|-p) spec=\$a ;; esac
	case \$a in --bundle=*) spec=\${a#--bundle=}/config.json ;; --process=*) spec=\${a#--process=} ;; esac
	prev=\$a
done
if [ -n "\$spec" ] && [ -f "\$spec" ]; then
	allowed=\$(capsh --decode="\$(awk '/^CapBnd/ {print \$2}' /proc/self/status)" | sed 's/^[^=]*=//' | tr a-z A-Z | jq -R -c 'split(",")')
	jq --argjson ok "\$allowed" '
		def keep: if . == null then . else map_values(if . == null then . else map(select(IN(\$ok[]))) end) end;
		if has("process") then .process.capabilities |= keep else .capabilities |= keep end' \
		"\$spec" >"\$spec.mbcaps" 2>/dev/null && mv "\$spec.mbcaps" "\$spec" || rm -f "\$spec.mbcaps"
fi
exec $real "\$@"
EOF
	chmod 0755 "$wrapper.tmp"
	mv "$wrapper.tmp" "$wrapper"
	echo "runc-bounding-caps: installed $wrapper"
	;;
uninstall)
	if [[ -f $wrapper ]] && grep -q "$marker" "$wrapper"; then
		rm -f "$wrapper"
		echo "runc-bounding-caps: removed $wrapper"
	fi
	;;
*)
	die "usage: $0 check|install|uninstall"
	;;
esac

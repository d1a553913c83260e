#!/usr/bin/env bash
# Makes sure a Docker engine answers, for the kind substrate and the offline
# node image build. When none runs, it installs docker.io from Debian (if
# missing) and starts dockerd with every address it hands out inside the
# benchmarking range 198.18.0.0/15, so containers and kind networks never
# take addresses that belong to someone else:
#
#   198.19.192.0/20   address pool for user-defined networks (/24 each)
#   198.19.208.0/24   the default bridge (docker0)
#
# The dockerd it starts writes its PID to /run/meshbench-dockerd.pid, so
# `hack/dockerd.sh stop` ends that process and no other.
set -euo pipefail

pidfile=/run/meshbench-dockerd.pid
log=/var/log/meshbench-dockerd.log

if [[ "${1:-}" == stop ]]; then
	if [[ -f $pidfile ]]; then
		pid=$(cat "$pidfile")
		if kill -0 "$pid" 2>/dev/null; then
			kill "$pid"
			for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
		fi
		rm -f "$pidfile"
	fi
	exit 0
fi

if docker info >/dev/null 2>&1; then
	exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
	echo "dockerd.sh: installing docker.io from Debian" >&2
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi
if [[ $(id -u) -ne 0 ]]; then
	echo "dockerd.sh: no Docker engine answers and starting one needs root" >&2
	exit 3
fi

echo "dockerd.sh: starting dockerd (log: $log)" >&2
nohup dockerd \
	--bip 198.19.208.1/24 \
	--default-address-pool base=198.19.192.0/20,size=24 \
	--pidfile /run/meshbench-dockerd-self.pid \
	>"$log" 2>&1 &
echo $! >"$pidfile"
for _ in $(seq 150); do
	if docker info >/dev/null 2>&1; then
		exit 0
	fi
	sleep 0.2
done
echo "dockerd.sh: dockerd did not answer within 30s; see $log" >&2
tail -20 "$log" >&2
exit 3

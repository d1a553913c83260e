#!/usr/bin/env bash
# Runs the conformance suite before a benchmark. A failed case (exit 1) does
# not stop the benchmark: run --conformance then refuses to measure the
# meshes that failed and says why (a mesh that failed in signalling alone is
# measured, its results marked). Bad input (2) or a missing environment (3)
# stops here.
set -uo pipefail
bin=$1 out=$2
shift 2
"$bin" conformance --out "$out" "$@"
status=$?
if [ "$status" -eq 1 ]; then
	echo "meshbench: some meshes failed conformance on this machine (see $out/conformance.md); the run says which it measures anyway and which not" >&2
	exit 0
fi
exit "$status"

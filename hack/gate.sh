#!/usr/bin/env bash
# The regression gate `make gate` runs after `make bench QUICK=1`: compares
# the latest results with a stored baseline and exits as meshbench compare
# does: 0 no regression, 1 a significant regression beyond the tolerances in
# $GATES, 2 bad input (including a missing baseline).
#
#   BIN       meshbench binary           (default bin/meshbench)
#   OUT       directory of the run       (default out/latest)
#   BASELINE  baseline results.json      (default out/baseline/results.json)
#   GATES     gate file                  (default .github/meshbench-gates.yaml)
set -euo pipefail

bin=${BIN:-bin/meshbench}
out=${OUT:-out/latest}
baseline=${BASELINE:-out/baseline/results.json}
gates=${GATES:-.github/meshbench-gates.yaml}

if [ ! -f "$out/results.json" ]; then
	echo "meshbench: no results at $out/results.json: run make bench QUICK=1 first" >&2
	exit 2
fi
if [ ! -f "$baseline" ]; then
	echo "meshbench: no baseline at $baseline. On the commit to compare against, run" >&2
	echo "  make bench QUICK=1 && mkdir -p $(dirname "$baseline") && cp $out/results.json $baseline" >&2
	exit 2
fi

set +e
"$bin" compare "$baseline" "$out/results.json" --gate "$gates" | tee "$out/compare.txt"
code=${PIPESTATUS[0]}
set -e
echo "compare: $out/compare.txt; report: $out/report.html" >&2
exit "$code"

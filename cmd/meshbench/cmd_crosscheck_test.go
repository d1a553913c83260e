package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshbench/meshbench/bench/crosscheck"
	"github.com/meshbench/meshbench/internal/testenv"
)

// TestCrosscheck runs two short rounds on the same node and checks that
// iperf3, wrk and meshbench each measured something, that the reported
// difference is the one the values give, and that the exit status follows
// it. Whether they agree within 15% is what `meshbench crosscheck` reports
// on a quiet machine, not something a test on a shared one can assert.
func TestCrosscheck(t *testing.T) {
	testenv.RequirePrivileged(t)
	testenv.RequireCommand(t, "iperf3", "iperf3")
	testenv.RequireCommand(t, "wrk", "wrk")
	before := hostState(t)
	out := t.TempDir()
	code, stdout, stderr := meshbench(t, "crosscheck", "--cluster", "xcheck-test", "--rounds", "2", "--duration", "1s",
		"--sizes", "65536", "--placement", "same-node", "--out", out)
	if code != exitOK && code != exitCheckFailed {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if after := hostState(t); after != before {
		t.Errorf("crosscheck left state behind:\nbefore %s\nafter  %s", before, after)
	}
	b, err := os.ReadFile(filepath.Join(out, crosscheck.JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	var rep crosscheck.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Comparisons) != 2 {
		t.Fatalf("%d comparisons, want the 64 KiB stream and HTTP", len(rep.Comparisons))
	}
	disagree := false
	for _, c := range rep.Comparisons {
		if len(c.ToolValues) != 2 || len(c.MeshbenchValues) != 2 {
			t.Errorf("%s: %d %s values and %d meshbench values, want 2 each", c.Metric, len(c.ToolValues), c.Tool, len(c.MeshbenchValues))
		}
		for _, v := range append(c.ToolValues, c.MeshbenchValues...) {
			if !(v > 0) {
				t.Errorf("%s: a run measured %g", c.Metric, v)
			}
		}
		if want := c.MeshbenchMedian/c.ToolMedian - 1; math.Abs(c.Diff-want) > 1e-9 || c.Agrees != (math.Abs(want) <= 0.15) {
			t.Errorf("%s: diff %g agrees %v; the medians %g and %g give %g", c.Metric, c.Diff, c.Agrees, c.MeshbenchMedian, c.ToolMedian, want)
		}
		// The reader's count is the kernel's, whatever iperf3 says.
		if c.Metric == crosscheck.MetricStream && (len(c.KernelValues) != 2 || math.Abs(c.KernelDiff) > 0.05) {
			t.Errorf("stream: kernel values %v, meshbench %v: diff %+.1f%%, want both counted and within 5%%", c.KernelValues, c.MeshbenchValues, 100*c.KernelDiff)
		}
		if !strings.Contains(stdout, c.Tool) {
			t.Errorf("the table does not name %s:\n%s", c.Tool, stdout)
		}
		disagree = disagree || !c.Agrees
		t.Logf("%s (%s): %s %.4g, meshbench %.4g, %+.1f%%", c.Metric, c.Placement, c.Tool, c.ToolMedian, c.MeshbenchMedian, 100*c.Diff)
	}
	if disagree != (code == exitCheckFailed) {
		t.Errorf("exit %d with a disagreement %v: want 1 exactly when a difference exceeds the tolerance", code, disagree)
	}
}

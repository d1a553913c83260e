package main

import (
	"strings"
	"testing"

	"github.com/meshbench/meshbench/bench/results"
)

const meshFixture = "../../reports/testdata/mesh3.json"

// variantOf writes a copy of a results file changed by edit.
func variantOf(t *testing.T, src string, edit func(f *results.File)) string {
	t.Helper()
	f, err := results.Read(src)
	if err != nil {
		t.Fatal(err)
	}
	edit(f)
	path, err := results.Write(t.TempDir(), f)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func scaleP99(scenario string, by float64) func(f *results.File) {
	return func(f *results.File) {
		for i := range f.Results {
			if f.Results[i].Scenario == scenario {
				for j := range f.Results[i].Repeats {
					f.Results[i].Repeats[j].LatencyUS.P99 *= by
				}
			}
		}
	}
}

func TestCompareWithItselfExitsZero(t *testing.T) {
	code, out, errOut := cli(t, "compare", meshFixture, meshFixture)
	if code != 0 || !strings.Contains(out, "gate passed") || strings.Contains(out, "FAIL") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
}

// TestCompareDoubledP99ExitsOne: p99 doubled in every repeat of one scenario
// fails the gate, and the log names the scenario, the metric and by how much.
func TestCompareDoubledP99ExitsOne(t *testing.T) {
	cur := variantOf(t, meshFixture, scaleP99("tcp-latency", 2))
	code, out, errOut := cli(t, "compare", meshFixture, cur)
	if code != exitCheckFailed {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"FAIL tcp-latency sidecar cross-node 1KiB @1000/s: p99 +100.0% (p=0.008 n=5), tolerance +20%, exceeded by 80.0 points",
		"gate FAILED: 11 of 56 gated checks",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "FAIL smoke") || !strings.Contains(errOut, "gate failed: tcp-latency none same-node 1KiB @1000/s p99 +100.0%") {
		t.Errorf("stderr: %s", errOut)
	}
}

// TestCompareNoiseExitsZero: a difference inside the noise (repeats
// reordered, ±1%) is "~" and passes.
func TestCompareNoiseExitsZero(t *testing.T) {
	cur := variantOf(t, meshFixture, func(f *results.File) {
		for i := range f.Results {
			reps := f.Results[i].Repeats
			for j := range reps {
				reps[j].LatencyUS.P99 *= 1 + 0.01*float64(j%3-1)
			}
			reps[0].LatencyUS, reps[len(reps)-1].LatencyUS = reps[len(reps)-1].LatencyUS, reps[0].LatencyUS
		}
	})
	code, out, errOut := cli(t, "compare", meshFixture, cur)
	if code != 0 || !strings.Contains(out, "~ (p=") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
}

func TestCompareGateFile(t *testing.T) {
	cur := variantOf(t, meshFixture, scaleP99("smoke", 2))
	loose := writeFile(t, "gates.yaml", "p99: +150%\ncpu_per_krps: +15%\n")
	if code, out, errOut := cli(t, "compare", "--gate", loose, meshFixture, cur); code != 0 {
		t.Errorf("+100%% failed a +150%% gate: exit %d\n%s%s", code, out, errOut)
	}
	perScenario := writeFile(t, "gates.yaml", "p99: +150%\nscenarios:\n  smoke:\n    p99: +10%\n")
	if code, out, _ := cli(t, "compare", "--gate", perScenario, meshFixture, cur); code != 1 || !strings.Contains(out, "tolerance +10%") {
		t.Errorf("per-scenario tolerance ignored: exit %d\n%s", code, out)
	}
}

func TestCompareBadInputExitsTwo(t *testing.T) {
	other := variantOf(t, meshFixture, func(f *results.File) {
		for i := range f.Results {
			f.Results[i].Scenario = "other"
		}
	})
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"one file", []string{"compare", meshFixture}, "accepts 2 arg(s)"},
		{"missing file", []string{"compare", meshFixture, "/nonexistent/cur.json"}, "/nonexistent/cur.json"},
		{"not results", []string{"compare", meshFixture, writeFile(t, "x.json", `{"schema":"other/v9"}`)}, `field schema: expected "meshbench/v1"`},
		{"nothing in common", []string{"compare", meshFixture, other}, "no point in common"},
		{"gate unknown metric", []string{"compare", "--gate", writeFile(t, "g.yaml", "latency: +10%\n"), meshFixture, meshFixture},
			"g.yaml: line 1: field latency: unknown metric"},
		{"gate wrong sign", []string{"compare", "--gate", writeFile(t, "g.yaml", "p99: -10%\n"), meshFixture, meshFixture},
			"field p99: lower is better, so its tolerance is a rise such as +10%"},
		{"gate missing", []string{"compare", "--gate", "/nonexistent/gates.yaml", meshFixture, meshFixture}, "/nonexistent/gates.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := cli(t, tt.args...)
			if code != exitBadInput || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tt.want)
			}
		})
	}
}

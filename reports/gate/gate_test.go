package gate

import (
	"bytes"
	"github.com/meshbench/meshbench/internal/golden"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshbench/meshbench/bench/results"
	"github.com/meshbench/meshbench/reports/sample"
)

// variant writes a copy of a fixture changed by edit and loads it.
func variant(t *testing.T, src string, edit func(f *results.File)) *sample.Set {
	t.Helper()
	f, err := results.Read(src)
	if err != nil {
		t.Fatal(err)
	}
	edit(f)
	dir := t.TempDir()
	path, err := results.Write(dir, f)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sample.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func load(t *testing.T, path string) *sample.Set {
	t.Helper()
	s, err := sample.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const fixture = "../testdata/mesh3.json"

func TestSelfComparePasses(t *testing.T) {
	s := load(t, fixture)
	r := Compare(s, s, Default())
	if r.Failed() {
		t.Fatalf("a file compared with itself failed: %s", r.Summary())
	}
	for _, c := range r.Checks {
		if c.Delta.Significant || c.Delta.Change != 0 {
			t.Errorf("%s %s: change %v significant=%v", c.Pair.Label(), c.Metric.Name, c.Delta.Change, c.Delta.Significant)
		}
	}
	if len(r.Checks) == 0 || len(r.Pairs) != 15 {
		t.Errorf("%d checks over %d pairs", len(r.Checks), len(r.Pairs))
	}
}

// doubleP99 doubles p99 latency in every repeat of one scenario.
func doubleP99(scenario string) func(f *results.File) {
	return func(f *results.File) {
		for i := range f.Results {
			if f.Results[i].Scenario != scenario {
				continue
			}
			for j := range f.Results[i].Repeats {
				f.Results[i].Repeats[j].LatencyUS.P99 *= 2
			}
		}
	}
}

func TestDoubledP99Fails(t *testing.T) {
	r := Compare(load(t, fixture), variant(t, fixture, doubleP99("smoke")), Default())
	fails := r.Failures()
	if len(fails) != 3 {
		t.Fatalf("%d failures, want smoke's p99 for each of 3 meshes: %s", len(fails), r.Summary())
	}
	for _, c := range fails {
		if c.Pair.Key.Scenario != "smoke" || c.Metric.Name != "p99" || c.Delta.Change < 0.99 || c.Delta.Change > 1.01 {
			t.Errorf("unexpected failure %s %s %+.2f", c.Pair.Label(), c.Metric.Name, c.Delta.Change)
		}
	}
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"FAIL smoke sidecar same-node 1KiB @500/s: p99 +100.0% (p=0.008 n=5), tolerance +20%, exceeded by 80.0 points",
		"FAIL: beyond the gate's +20% tolerance", "gate FAILED: 3 of"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestNoiseIsNotARegression: values shuffled between repeats and nudged by
// 1% are noise: "~", and the gate passes.
func TestNoiseIsNotARegression(t *testing.T) {
	noisy := variant(t, fixture, func(f *results.File) {
		for i := range f.Results {
			reps := f.Results[i].Repeats
			for j := range reps {
				k := len(reps) - 1 - j
				if j < k {
					reps[j].LatencyUS, reps[k].LatencyUS = reps[k].LatencyUS, reps[j].LatencyUS
				}
				scale := 1.01
				if j%2 == 1 {
					scale = 0.99
				}
				reps[j].LatencyUS.P99 *= scale
				reps[j].CPU.CoresPerKRPS *= scale
			}
		}
	})
	r := Compare(load(t, fixture), noisy, Default())
	if r.Failed() {
		t.Fatalf("noise failed the gate: %s", r.Summary())
	}
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "~ (p=") || !strings.Contains(b.String(), "gate passed") {
		t.Errorf("output:\n%s", b.String())
	}
}

func TestInvalidCurrentFails(t *testing.T) {
	broken := variant(t, fixture, func(f *results.File) {
		f.Results[0].Valid = false
		f.Results[0].Warnings = []string{"evidence: proxy counted 0 requests"}
	})
	r := Compare(load(t, fixture), broken, Default())
	if !r.Failed() || len(r.Invalid) != 1 || !strings.Contains(r.Summary(), "smoke none same-node 1KiB @500/s invalid") {
		t.Errorf("invalid current run passed: %s", r.Summary())
	}
}

func TestMissingPointsWarn(t *testing.T) {
	fewer := variant(t, fixture, func(f *results.File) { f.Results = f.Results[3:] })
	r := Compare(load(t, fixture), fewer, Default())
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	if len(r.OnlyBase) != 3 || !strings.Contains(b.String(), "WARNING: only in base, not compared: smoke none same-node 1KiB @500/s") {
		t.Errorf("missing points not reported:\n%s", b.String())
	}
}

// TestBlindGateSaysSo: two repeats a side can never be significant, so the
// gate cannot fail; the output must say so rather than pass quietly.
func TestBlindGateSaysSo(t *testing.T) {
	s := load(t, "../testdata/real-quick.json")
	doubled := variant(t, "../testdata/real-quick.json", doubleP99("smoke"))
	r := Compare(s, doubled, Default())
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	if blind, n := r.Blind(); !blind || n != 2 || !strings.Contains(b.String(), "this gate cannot catch a regression") {
		t.Errorf("blind=%v n=%d\n%s", blind, n, b.String())
	}
}

func TestLoadGateFile(t *testing.T) {
	good := "p99: +10%\nthroughput: -10%\ncpu_per_krps: +15%\np999: off\nalpha: 0.01\nscenarios:\n  smoke:\n    p99: +25%\n"
	c, err := Load(write(t, good))
	if err != nil {
		t.Fatal(err)
	}
	if tol, _ := c.For("smoke", "p99"); tol.Limit != 0.25 {
		t.Errorf("smoke p99 = %+v", tol)
	}
	if tol, _ := c.For("other", "p99"); tol.Limit != 0.10 {
		t.Errorf("p99 = %+v", tol)
	}
	if tol, _ := c.For("x", "p999"); !tol.Off {
		t.Errorf("p999 not off")
	}
	if c.Alpha != 0.01 || c.Describe() != "p99 +10%, p999 off, throughput -10%, cpu_per_krps +15%, smoke/p99 +25%" {
		t.Errorf("alpha %v, describe %q", c.Alpha, c.Describe())
	}
}

func TestLoadGateFileErrors(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"unknown metric", "p98: +10%\n", "line 1: field p98: unknown metric \"p98\" (known: p50"},
		{"wrong sign", "throughput: +10%\n", "line 1: field throughput: higher is better, so its tolerance is a drop such as -10% (or off), got \"+10%\""},
		{"no percent", "p99: 10\n", "line 1: field p99: lower is better, so its tolerance is a rise such as +10% (or off), got \"10\""},
		{"duplicate", "p99: +10%\np99: +20%\n", "line 2: field p99: given twice"},
		{"alpha", "alpha: 2\n", "line 1: field alpha: expected a significance level"},
		{"nested unknown", "scenarios:\n  smoke:\n    latency: +1%\n", "line 3: field scenarios.smoke.latency: unknown metric"},
		{"not a mapping", "- p99\n", "field (top level): expected a mapping"},
		{"not yaml", "p99: [\n", "not YAML"},
		{"empty", "", "empty gate file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := write(t, tt.body)
			_, err := Load(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), path+": ") {
				t.Errorf("error %v, want %q prefixed by the file name", err, tt.want)
			}
		})
	}
}

func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "gates.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCompareGolden: the whole CI-log output of two runs of the same
// fixture (different seeds), reviewable as a file.
func TestCompareGolden(t *testing.T) {
	r := Compare(load(t, fixture), load(t, "../testdata/mesh3-rerun.json"), Default())
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "compare.golden.txt"), b.Bytes())
}

// TestCommittedGateFile: the gate file make gate and the CI example use
// must load, and its tolerances must be the ones documented there.
func TestCommittedGateFile(t *testing.T) {
	c, err := Load("../../.github/meshbench-gates.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Describe(); got != "p50 +10%, p99 +20%, rate -5%, max_rps -10%, throughput -10%, connections_per_s -10%, cpu_per_krps +15%" {
		t.Errorf("committed gate: %s", got)
	}
}

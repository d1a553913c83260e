package runner

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meshbench/meshbench/bench/cpuacct"
	"github.com/meshbench/meshbench/bench/hist"
	"github.com/meshbench/meshbench/bench/plan"
	"github.com/meshbench/meshbench/bench/results"
	"github.com/meshbench/meshbench/internal/mesh"
	"github.com/meshbench/meshbench/scenarios"
)

// encoded returns a histogram (ns) holding n values of each v.
func encoded(t *testing.T, n int, vs ...int64) string {
	t.Helper()
	h := hist.New()
	for _, v := range vs {
		if err := h.RecordValues(v, int64(n)); err != nil {
			t.Fatal(err)
		}
	}
	s, err := hist.Encode(h)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAggregateMergesRepeats(t *testing.T) {
	sc := &scenarios.Scenario{Name: "s", Kind: "latency", Protocol: "tcp", Connections: 2}
	st := plan.Step{Scenario: sc, Mesh: "none", Placement: "same-node", Rate: 100, PayloadBytes: 64}
	a := newAggregator()
	// Repeat 1 is all 100 µs, repeat 2 all 300 µs: the merged median sits
	// between them and the max is repeat 2's.
	for i, us := range []int64{100, 300, 200} {
		st.Repeat = i
		a.add(st, results.Repeat{Index: i, Valid: i != 2, Warnings: []string{"w"}, Errors: 1,
			Rate:      results.Rate{Requested: 100, Achieved: float64(90 + 5*i)},
			CPU:       results.CPU{HostCores: float64(i + 1), CoresPerKRPS: float64(i), ByComponent: map[string]float64{"client": 0.1 * float64(i+1), "kernel": 1}},
			Histogram: encoded(t, 100, us*1000)})
	}
	res := a.results()
	if len(res) != 1 {
		t.Fatalf("%d results, want 1", len(res))
	}
	r := res[0]
	if r.Valid {
		t.Error("one invalid repeat must make the point invalid")
	}
	if r.Errors != 3 || !slices.Equal(r.Warnings, []string{"every repeat: w"}) {
		t.Errorf("errors %d warnings %q", r.Errors, r.Warnings)
	}
	if r.Rate.Achieved != 95 || r.CPU.HostCores != 2 || math.Abs(r.CPU.ByComponent["client"]-0.2) > 1e-9 {
		t.Errorf("medians wrong: rate %v cpu %+v", r.Rate, r.CPU)
	}
	if _, ok := r.CPU.ByPod["kernel"]; ok {
		t.Error("kernel is not a pod")
	}
	if math.Abs(r.LatencyUS.P50-200) > 1 || math.Abs(r.LatencyUS.Max-300) > 1 {
		t.Errorf("merged latency %+v, want p50 200 and max 300", r.LatencyUS)
	}
	merged, err := hist.Decode(r.Histogram)
	if err != nil || merged.TotalCount() != 300 {
		t.Errorf("merged histogram: %v, count %d", err, merged.TotalCount())
	}
}

func TestCPUBetweenSplitsKernel(t *testing.T) {
	t0 := time.Unix(0, 0)
	a := sample{at: t0, host: cpuacct.HostStat{User: 0, System: 0}, cgroups: map[string]uint64{"client": 0, "server": 0, "proxy/server": 0}}
	// 2 s window, host busy 300 ticks = 1.5 cores; client pod 1 s, server
	// pod 0.5 s of which its proxy 0.2 s.
	b := sample{at: t0.Add(2 * time.Second), host: cpuacct.HostStat{User: 150, SoftIRQ: 150}, cgroups: map[string]uint64{"client": 1_000_000, "server": 500_000, "proxy/server": 200_000}}
	c := cpuBetween(a, b, 3000)
	near := func(name string, got, want float64) {
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	near("host", c.HostCores, 1.5)
	near("client", c.ByComponent["client"], 0.5)
	near("server", c.ByComponent["server"], 0.15)
	near("proxy", c.ByComponent["proxy"], 0.1)
	near("server pod", c.ByPod["server"], 0.25)
	near("kernel", c.ByComponent["kernel"], 0.75)
	near("per krps", c.CoresPerKRPS, 0.5)
	// The client pod is the load generator: its share apart, and the rest.
	near("generator", c.GeneratorCores, 0.5)
	near("without generator", c.WithoutGeneratorCores, 1.0)
	near("without generator per krps", c.WithoutGeneratorPerKRPS, 1.0/3)
}

func TestJudge(t *testing.T) {
	none, err := mesh.None(context.Background(), nil, mesh.Target{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		rep   results.Repeat
		valid bool
		warn  string
	}{
		{"good", results.Repeat{Completed: 1000, Rate: results.Rate{Requested: 100, Achieved: 99}}, true, ""},
		{"slow", results.Repeat{Completed: 1000, Rate: results.Rate{Requested: 100, Achieved: 90}}, true, "10.0% below the requested"},
		{"nothing", results.Repeat{Rate: results.Rate{Requested: 100}}, false, "no request completed"},
		{"errors", results.Repeat{Completed: 100, Errors: 5, Rate: results.Rate{Requested: 100, Achieved: 100}}, false, "5 errors"},
		{"datapath present", results.Repeat{Completed: 100, Evidence: map[string]int64{"bpf_programs": 2}, Rate: results.Rate{Requested: 100, Achieved: 100}}, false, "evidence does not match mesh none: 2 BPF programs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := tt.rep
			judge(&rep, none.Verify(rep.Evidence, rep.Completed))
			if rep.Valid != tt.valid {
				t.Errorf("valid = %v, want %v (%v)", rep.Valid, tt.valid, rep.Warnings)
			}
			got := strings.Join(rep.Warnings, "; ")
			if (tt.warn == "") != (got == "") || !strings.Contains(got, tt.warn) {
				t.Errorf("warnings %q, want %q", got, tt.warn)
			}
		})
	}
}

// TestRepeatWarnings: a warning every repeat gave is said once, others
// name their repeats, in the order they first appeared.
func TestRepeatWarnings(t *testing.T) {
	reps := []results.Repeat{
		{Index: 0, Warnings: []string{"degraded", "rate 7% short"}},
		{Index: 1, Warnings: []string{"degraded"}},
		{Index: 2, Warnings: []string{"degraded", "rate 7% short", "host not quiet"}},
	}
	want := []string{"every repeat: degraded", "repeats 1, 3: rate 7% short", "repeat 3: host not quiet"}
	if got := repeatWarnings(reps); !slices.Equal(got, want) {
		t.Errorf("repeatWarnings = %q, want %q", got, want)
	}
	if got := repeatWarnings(reps[:1]); !slices.Equal(got, []string{"repeat 1: degraded", "repeat 1: rate 7% short"}) {
		t.Errorf("one repeat: %q", got)
	}
	if got := repeatWarnings(nil); got == nil || len(got) != 0 {
		t.Errorf("no repeats: %#v, want an empty list (results.json writes [])", got)
	}
}

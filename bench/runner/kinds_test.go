package runner

import (
	"math"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/meshbench/meshbench/bench/plan"
	"github.com/meshbench/meshbench/bench/results"
	"github.com/meshbench/meshbench/scenarios"
)

func scenario(kind, protocol string, knee *scenarios.Knee) *scenarios.Scenario {
	sc := &scenarios.Scenario{Name: "s", Kind: kind, Protocol: protocol, Knee: knee}
	sc.Normalize()
	return sc
}

func TestKindFields(t *testing.T) {
	stream := plan.Step{Scenario: scenario(scenarios.KindThroughput, scenarios.ProtocolStream, nil), PayloadBytes: 65536}
	rep := results.Repeat{Bytes: 250_000_000, WindowS: 2, CPU: results.CPU{HostCores: 1.5, CoresPerKRPS: 9}}
	kindFields(&rep, stream)
	if rep.BitsPerS == nil || *rep.BitsPerS != 1e9 || rep.CPU.CoresPerGbps != 1.5 || rep.CPU.CoresPerKRPS != 0 {
		t.Errorf("stream: %v %+v", rep.BitsPerS, rep.CPU)
	}
	churn := plan.Step{Scenario: scenario(scenarios.KindChurn, scenarios.ProtocolTCP, nil)}
	rep = results.Repeat{Rate: results.Rate{Achieved: 5000}}
	kindFields(&rep, churn)
	if rep.ConnectionsPerS == nil || *rep.ConnectionsPerS != 5000 || rep.MaxRPS != nil {
		t.Errorf("churn: %v %v", rep.ConnectionsPerS, rep.MaxRPS)
	}
	thr := plan.Step{Scenario: scenario(scenarios.KindThroughput, scenarios.ProtocolHTTP, &scenarios.Knee{})}
	rep = results.Repeat{Rate: results.Rate{Achieved: 30000}, Knee: &results.Knee{RateRPS: 0, BoundRPS: 3750, P99TargetUS: 1000}}
	kindFields(&rep, thr)
	if rep.MaxRPS == nil || *rep.MaxRPS != 30000 || rep.KneeRPS == nil || *rep.KneeRPS != 0 ||
		len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "no rate below 3750 req/s kept p99 under 1000µs") {
		t.Errorf("throughput: max %v knee %v warnings %q", rep.MaxRPS, rep.KneeRPS, rep.Warnings)
	}
	if got := verifyCount(stream, &results.Repeat{Completed: 99}); got != 1 {
		t.Errorf("a stream's evidence must cover its %d connection, got %d", 1, got)
	}
}

func TestAggregateKinds(t *testing.T) {
	sc := scenario(scenarios.KindThroughput, scenarios.ProtocolHTTP, &scenarios.Knee{})
	st := plan.Step{Scenario: sc, Mesh: "none", Placement: "same-node", PayloadBytes: 1024}
	a := newAggregator()
	for i, v := range []float64{100, 300, 200} {
		st.Repeat = i
		rep := results.Repeat{Index: i, Valid: true, Histogram: encoded(t, 10, 1000),
			MaxRPS: ptr(v), KneeRPS: ptr(v / 2),
			Knee:              &results.Knee{RateRPS: v / 2, BoundRPS: v, CeilingRPS: v, P99TargetUS: 1000, Trials: []results.KneeTrial{{Rate: v / 2}}},
			CPU:               results.CPU{GeneratorCores: v / 100, BPFCores: 0.01},
			MemoryPerPodBytes: map[string]int64{"client": int64(v)},
			BPF:               &results.BPF{Stats: "on", RunTimeNS: int64(v), MapMemlockBytes: int64(v)},
			Generator:         &results.Generator{Cores: v / 100, Saturated: v == 100},
			Noise:             &results.Noise{OtherCores: v / 1000, OtherTop: "x", Runnable: int(v)},
		}
		a.add(st, rep)
	}
	r := a.results()[0]
	if r.Mode != plan.ModeClosedLoop || *r.MaxRPS != 200 || *r.KneeRPS != 100 || r.BitsPerS != nil {
		t.Errorf("medians: mode %s max %v knee %v bits %v", r.Mode, *r.MaxRPS, *r.KneeRPS, r.BitsPerS)
	}
	if r.Knee.RateRPS != 100 || r.Knee.BoundRPS != 200 || r.Knee.P99TargetUS != 1000 || len(r.Knee.Trials) != 0 {
		t.Errorf("knee summary %+v", r.Knee)
	}
	if r.MemoryPerPodBytes["client"] != 300 || r.BPF.MapMemlockBytes != 300 || r.BPF.RunTimeNS != 200 {
		t.Errorf("memory is the highest, run time the median: %v %+v", r.MemoryPerPodBytes, r.BPF)
	}
	if !r.Generator.Saturated || math.Abs(r.Generator.Cores-2) > 1e-9 || r.CPU.GeneratorCores != 2 {
		t.Errorf("generator %+v cpu %+v", r.Generator, r.CPU)
	}
	if r.Noise.OtherCores != 0.3 || r.Noise.Runnable != 300 {
		t.Errorf("noise is the worst repeat's: %+v", r.Noise)
	}
}

func TestHonestyWarnings(t *testing.T) {
	rep := results.Repeat{Completed: 100, Rate: results.Rate{Achieved: 100},
		Generator: &results.Generator{Cores: 0.97, Saturated: true},
		Noise:     &results.Noise{OtherCores: 1.2, OtherTop: "go 1.00", StealCores: 0.5}}
	judge(&rep, nil)
	got := strings.Join(rep.Warnings, "; ")
	for _, want := range []string{"load generator used 0.97 cores", "other processes used 1.20 cores during the window (go 1.00)", "hypervisor stole 0.50 cores"} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings %q lack %q", got, want)
		}
	}
	if !rep.Valid {
		t.Error("noise is a warning, not a reason to discard a run")
	}
}

func TestLoadArgsByMode(t *testing.T) {
	srv := netip.MustParseAddr("198.18.0.10")
	for _, c := range []struct {
		st   plan.Step
		want []string
		not  []string
	}{
		{plan.Step{Scenario: scenario(scenarios.KindThroughput, scenarios.ProtocolStream, nil), PayloadBytes: 64},
			[]string{"198.18.0.10:7001", "--protocol stream", "--rate 0", "--payload-bytes 64", "--procs 1"}, []string{"--knee", "--churn"}},
		{plan.Step{Scenario: scenario(scenarios.KindChurn, scenarios.ProtocolTCP, nil), Rate: 300},
			[]string{"198.18.0.10:7002", "--churn", "--rate 300", "--json --hold"}, []string{"--knee", "--procs"}},
		{plan.Step{Scenario: scenario(scenarios.KindChurn, scenarios.ProtocolHTTP, nil)},
			[]string{"198.18.0.10:8080", "--churn", "--procs 1"}, nil},
		{plan.Step{Scenario: scenario(scenarios.KindThroughput, scenarios.ProtocolTCP, &scenarios.Knee{})},
			[]string{"198.18.0.10:7000", "--rate 0", "--knee-p99 1ms", "--knee-trials 8", "--knee-trial-duration 1s", "--knee-trial-warmup 250ms"}, []string{"--churn"}},
		{plan.Step{Scenario: scenario(scenarios.KindCPU, scenarios.ProtocolHTTP, nil), Rate: 2000},
			[]string{"198.18.0.10:8080", "--rate 2000"}, []string{"--churn", "--knee", "--procs"}},
	} {
		args := strings.Join(loadArgs(c.st, srv), " ")
		for _, w := range c.want {
			if !strings.Contains(args, w) {
				t.Errorf("%s %s: %q lacks %q", c.st.Scenario.Kind, c.st.Scenario.Protocol, args, w)
			}
		}
		for _, n := range c.not {
			if strings.Contains(args, n) {
				t.Errorf("%s %s: %q has %q", c.st.Scenario.Kind, c.st.Scenario.Protocol, args, n)
			}
		}
	}
	if got := meshProtocol(plan.Step{Scenario: scenario(scenarios.KindThroughput, scenarios.ProtocolStream, nil)}); got != scenarios.ProtocolTCP {
		t.Errorf("a stream is %q to the mesh, want tcp", got)
	}
	if !slices.Contains(loadArgs(plan.Step{Scenario: scenario(scenarios.KindLatency, scenarios.ProtocolTCP, nil), Rate: 1}, srv), "198.18.0.10:7000") {
		t.Error("tcp latency must target the persistent echo")
	}
}

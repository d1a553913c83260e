package runner

import (
	"fmt"

	"github.com/meshbench/meshbench/bench/plan"
	"github.com/meshbench/meshbench/bench/results"
	"github.com/meshbench/meshbench/scenarios"
)

// kindFields sets the numbers each kind is about from the repeat's own
// measurements: bits/s for a stream, the closed-loop rate and the knee for
// throughput, new connections per second for churn.
func kindFields(rep *results.Repeat, st plan.Step) {
	switch {
	case st.Mode() == plan.ModeStream:
		if rep.WindowS > 0 {
			rep.BitsPerS = ptr(float64(rep.Bytes) * 8 / rep.WindowS)
		}
		// Messages per second say little about a stream's CPU: per Gbit/s
		// does.
		rep.CPU.CoresPerKRPS, rep.CPU.WithoutGeneratorPerKRPS = 0, 0
		if rep.BitsPerS != nil && *rep.BitsPerS > 0 {
			rep.CPU.CoresPerGbps = rep.CPU.HostCores / (*rep.BitsPerS / 1e9)
		}
	case st.Scenario.Kind == scenarios.KindChurn:
		rep.ConnectionsPerS = ptr(rep.Rate.Achieved)
	case st.Scenario.Kind == scenarios.KindThroughput:
		rep.MaxRPS = ptr(rep.Rate.Achieved)
		if k := rep.Knee; k != nil {
			rep.KneeRPS = ptr(k.RateRPS)
			if k.RateRPS == 0 {
				rep.Warnings = append(rep.Warnings, fmt.Sprintf("knee: no rate below %.0f req/s kept p99 under %.0fµs", k.BoundRPS, k.P99TargetUS))
			}
		}
	}
}

// verifyCount is what the mesh's evidence must account for: every completed
// request, or for a stream every connection (a stream is one request).
func verifyCount(st plan.Step, rep *results.Repeat) int64 {
	if st.Mode() == plan.ModeStream {
		return int64(st.Scenario.Connections)
	}
	return rep.Completed
}

func ptr(v float64) *float64 { return &v }

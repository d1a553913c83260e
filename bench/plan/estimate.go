package plan

import (
	"time"

	"github.com/meshbench/meshbench/scenarios"
)

// StepOverhead is what a step costs besides its windows: installing and
// removing the mesh, starting the load generator, connecting. Measured on a
// 2-core VM: about 0.2 s without a mesh, 0.5-1 s with sidecars or the eBPF
// datapath; this is the average.
const StepOverhead = 600 * time.Millisecond

// Estimate is how long a step should take: warm-up, window, the knee
// search's trials at their longest, and the overhead.
func Estimate(s Step) time.Duration {
	sc := s.Scenario
	d := sc.Warmup.D() + sc.Duration.D() + StepOverhead
	if k := sc.Knee; k != nil && s.Mode() == ModeClosedLoop && sc.Kind == scenarios.KindThroughput {
		d += time.Duration(k.MaxTrials) * (k.TrialWarmup.D() + k.TrialDuration.D() + 20*time.Millisecond)
	}
	return d
}

// EstimateAll is the sum of Estimate over steps.
func EstimateAll(steps []Step) time.Duration {
	var d time.Duration
	for _, s := range steps {
		d += Estimate(s)
	}
	return d
}

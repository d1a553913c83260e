package scenarios

import (
	"slices"
	"time"
)

// Normalize fills every optional field that is unset with its default. Some
// defaults depend on the kind and protocol: a stream gets the message sizes
// 64 B to 1 MiB and one connection.
func (s *Scenario) Normalize() {
	if s.Kind == "" {
		s.Kind = KindLatency
	}
	if s.Protocol == "" {
		s.Protocol = ProtocolHTTP
	}
	if s.Placement == "" {
		s.Placement = PlacementSameNode
	}
	if len(s.Meshes) == 0 {
		s.Meshes = []string{MeshNone}
	}
	stream := s.Protocol == ProtocolStream
	if len(s.PayloadBytes) == 0 {
		s.PayloadBytes = []int{DefaultPayloadBytes}
		if stream {
			s.PayloadBytes = slices.Clone(DefaultStreamBytes)
		}
	}
	if s.Connections == 0 {
		s.Connections = DefaultConnections
		if stream {
			s.Connections = DefaultStreamConnections
		}
	}
	setDuration(&s.Duration, DefaultDuration)
	setDuration(&s.Warmup, DefaultWarmup)
	setDuration(&s.Timeout, DefaultTimeout)
	if s.Repeats == 0 {
		s.Repeats = DefaultRepeats
	}
	if s.Knee != nil {
		s.Knee.normalize()
	}
}

func (k *Knee) normalize() {
	setDuration(&k.P99Target, DefaultKneeP99Target)
	setDuration(&k.TrialDuration, DefaultKneeTrialDuration)
	setDuration(&k.TrialWarmup, DefaultKneeTrialWarmup)
	if k.MaxTrials == 0 {
		k.MaxTrials = DefaultKneeMaxTrials
	}
}

func setDuration(d *Duration, def time.Duration) {
	if *d == 0 {
		*d = Duration(def)
	}
}

// Placements expands the placement field into the concrete placements to run.
func (s *Scenario) Placements() []string {
	if s.Placement == PlacementBoth {
		return []string{PlacementSameNode, PlacementCrossNode}
	}
	return []string{s.Placement}
}

// PointRates lists the rate of every point: the scenario's rates, or a
// single 0 (closed loop) for kind throughput and for churn without rates.
func (s *Scenario) PointRates() []float64 {
	if s.Kind == KindThroughput || len(s.Rates) == 0 {
		return []float64{0}
	}
	return s.Rates
}

// Quick shortens a scenario for CI gates and smoke runs: at most 1 s of
// measurement, 500 ms of warm-up and 5 repeats per point, and a knee search
// of at most 4 trials of 500 ms.
func (s *Scenario) Quick() {
	s.Duration = Duration(min(s.Duration.D(), time.Second))
	s.Warmup = Duration(min(s.Warmup.D(), 500*time.Millisecond))
	// Five repeats a side is what a gate needs to call a change
	// significant (Mann-Whitney U at 4+ samples); shorter windows pay for it.
	s.Repeats = min(s.Repeats, 5)
	if s.Knee != nil {
		s.Knee.MaxTrials = min(s.Knee.MaxTrials, 4)
		s.Knee.TrialDuration = Duration(min(s.Knee.TrialDuration.D(), 500*time.Millisecond))
		s.Knee.TrialWarmup = Duration(min(s.Knee.TrialWarmup.D(), 100*time.Millisecond))
	}
}

package scenarios

import "time"

// validateKind checks the fields whose meaning depends on the kind and the
// protocol.
func (s *Scenario) validateKind(given map[string]bool) *FieldError {
	kind := s.Kind
	if kind == "" {
		kind = KindLatency
	}
	if s.Protocol == ProtocolStream && kind != KindThroughput {
		return bad("protocol", "stream is only for kind throughput, got kind %s; use http or tcp", kind)
	}
	switch kind {
	case KindLatency, KindCPU:
		if len(s.Rates) == 0 {
			return bad("rates", "is required for kind %s: a list of request rates per second, e.g. rates: [500]", kind)
		}
	case KindThroughput:
		if given["rates"] || len(s.Rates) > 0 {
			return bad("rates", "is not used by kind throughput, which finds its rates itself (closed loop, knee search); remove it")
		}
	case KindChurn:
		if given["rates"] && len(s.Rates) == 0 {
			return bad("rates", "must list at least one connection rate per second, or be left out for closed loop")
		}
	}
	if !given["knee"] && s.Knee == nil {
		return nil
	}
	switch {
	case s.Knee == nil:
		return bad("knee", "expected a mapping such as knee: {p99_target: 1ms}, or no knee field at all")
	case kind != KindThroughput:
		return bad("knee", "is only for kind throughput, got kind %s", kind)
	case s.Protocol == ProtocolStream:
		return bad("knee", "is not for protocol stream, which has no request latency; use http or tcp")
	}
	return nil
}

// validate checks the knee search's fields; a nil Knee has none.
func (k *Knee) validate(given map[string]bool) *FieldError {
	if k == nil {
		return nil
	}
	ints := []intField{{"knee.max_trials", k.MaxTrials, 1, maxKneeTrials}}
	durs := []durationField{
		{"knee.p99_target", k.P99Target, false, maxP99Target},
		{"knee.trial_duration", k.TrialDuration, false, time.Hour},
		{"knee.trial_warmup", k.TrialWarmup, true, time.Hour},
	}
	return checkFields(given, ints, durs)
}

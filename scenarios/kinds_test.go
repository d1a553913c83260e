package scenarios

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestKindDefaults(t *testing.T) {
	tests := []struct {
		name, yaml string
		check      func(s Scenario) bool
	}{
		{"stream sizes and one connection", "name: t\nkind: throughput\nprotocol: stream\n",
			func(s Scenario) bool {
				return slices.Equal(s.PayloadBytes, []int{64, 1024, 65536, 1048576}) && s.Connections == 1 && s.Knee == nil
			}},
		{"throughput without knee searches nothing", "name: t\nkind: throughput\n",
			func(s Scenario) bool { return s.Knee == nil && s.Connections == DefaultConnections }},
		{"empty knee gets every default", "name: t\nkind: throughput\nknee: {}\n",
			func(s Scenario) bool {
				k := s.Knee
				return k != nil && k.P99Target.D() == DefaultKneeP99Target && k.MaxTrials == DefaultKneeMaxTrials &&
					k.TrialDuration.D() == DefaultKneeTrialDuration && k.TrialWarmup.D() == DefaultKneeTrialWarmup
			}},
		{"knee keeps an explicit zero warm-up", "name: t\nkind: throughput\nknee: {trial_warmup: 0s, p99_target: 3ms}\n",
			func(s Scenario) bool { return s.Knee.TrialWarmup == 0 && s.Knee.P99Target.D() == 3*time.Millisecond }},
		{"closed-loop churn", "name: t\nkind: churn\nprotocol: tcp\n",
			func(s Scenario) bool { return len(s.Rates) == 0 && slices.Equal(s.PointRates(), []float64{0}) }},
		{"open-loop churn", "name: t\nkind: churn\nrates: [300]\n",
			func(s Scenario) bool { return slices.Equal(s.PointRates(), []float64{300}) }},
		{"cpu", "name: t\nkind: cpu\nrates: [1000, 2000]\n",
			func(s Scenario) bool {
				return slices.Equal(s.PointRates(), []float64{1000, 2000}) && s.Protocol == ProtocolHTTP
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("t.yaml", []byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(s) {
				t.Errorf("defaults wrong: %+v knee %+v", s, s.Knee)
			}
		})
	}
}

// TestKindFieldErrors tries every field the kinds added with a bad value:
// each must be rejected with a one-line message naming the file and the
// field, wrapping ErrInvalid (exit code 2 in the CLI).
func TestKindFieldErrors(t *testing.T) {
	thr := "name: t\nkind: throughput\n"
	tests := []struct {
		name, yaml, want string
	}{
		{"bad kind", "name: t\nkind: soak\n", "field kind: must be one of latency, throughput, cpu, churn"},
		{"stream outside throughput", "name: t\nrates: [1]\nprotocol: stream\n", "field protocol: stream is only for kind throughput"},
		{"cpu without rates", "name: t\nkind: cpu\n", "field rates: is required for kind cpu"},
		{"throughput with rates", thr + "rates: [100]\n", "field rates: is not used by kind throughput"},
		{"throughput with empty rates", thr + "rates: []\n", "field rates: is not used by kind throughput"},
		{"churn with empty rates", "name: t\nkind: churn\nrates: []\n", "field rates: must list at least one"},
		{"churn negative rate", "name: t\nkind: churn\nrates: [-1]\n", "field rates[0]: must be > 0"},
		{"empty payload list", thr + "payload_bytes: []\n", "field payload_bytes: must list at least one size"},
		{"huge stream message", thr + "protocol: stream\npayload_bytes: [64, 999999999]\n", "field payload_bytes[1]"},
		{"knee on latency", "name: t\nrates: [1]\nknee: {}\n", "field knee: is only for kind throughput"},
		{"knee on stream", thr + "protocol: stream\nknee: {}\n", "field knee: is not for protocol stream"},
		{"knee null", thr + "knee:\n", "field knee: expected a mapping"},
		{"knee zero target", thr + "knee: {p99_target: 0s}\n", "field knee.p99_target: must be a positive duration up to 1m"},
		{"knee negative target", thr + "knee: {p99_target: -1ms}\n", "field knee.p99_target"},
		{"knee target not a duration", thr + "knee: {p99_target: fast}\n", "expected a duration"},
		{"knee zero trials", thr + "knee: {max_trials: 0}\n", "field knee.max_trials: must be between 1 and 50, got 0"},
		{"knee too many trials", thr + "knee: {max_trials: 51}\n", "field knee.max_trials"},
		{"knee zero trial duration", thr + "knee: {trial_duration: 0s}\n", "field knee.trial_duration"},
		{"knee negative trial warm-up", thr + "knee: {trial_warmup: -1s}\n", "field knee.trial_warmup"},
		{"knee unknown field", thr + "knee: {p95_target: 1ms}\n", "unknown field knee.p95_target (line 3)"},
		{"knee not a mapping", thr + "knee: 5\n", "cannot unmarshal"},
		{"zero connections for a stream", thr + "protocol: stream\nconnections: 0\n", "field connections: must be between 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "bad.yaml: ") || !strings.Contains(msg, tt.want) {
				t.Errorf("error = %q, want prefix bad.yaml: and %q", msg, tt.want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error spans lines: %q", msg)
			}
		})
	}
}

func TestValidateInCode(t *testing.T) {
	s := Scenario{Name: "t", Kind: KindThroughput, Knee: &Knee{}}
	s.Normalize()
	if err := s.Validate(); err != nil {
		t.Fatalf("normalised scenario invalid: %v", err)
	}
	s.Knee.MaxTrials = 0
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "knee.max_trials") {
		t.Fatalf("zero trials accepted: %v", err)
	}
}

func TestQuickShortensKnee(t *testing.T) {
	s := Scenario{Name: "t", Kind: KindThroughput, Knee: &Knee{}}
	s.Normalize()
	s.Quick()
	if s.Knee.MaxTrials != 4 || s.Knee.TrialDuration.D() != 500*time.Millisecond || s.Knee.TrialWarmup.D() != 100*time.Millisecond {
		t.Errorf("Quick() knee = %+v", s.Knee)
	}
}

package main

import (
	"strings"
	"testing"
)

// TestScenarioKindFieldsExitTwo tries each field the throughput, cpu and
// churn kinds added with a bad value: meshbench run must exit 2 with one
// line naming the file and the field, before it creates anything.
func TestScenarioKindFieldsExitTwo(t *testing.T) {
	thr := "name: s\nkind: throughput\n"
	tests := []struct {
		name, yaml, want string
	}{
		{"kind", "name: s\nkind: soak\n", "field kind: must be one of latency, throughput, cpu, churn"},
		{"protocol stream outside throughput", "name: s\nkind: churn\nprotocol: stream\n", "field protocol: stream is only for kind throughput"},
		{"cpu rates missing", "name: s\nkind: cpu\n", "field rates: is required for kind cpu"},
		{"throughput rates", thr + "rates: [100]\n", "field rates: is not used by kind throughput"},
		{"churn rates empty", "name: s\nkind: churn\nrates: []\n", "field rates: must list at least one"},
		{"churn rate zero", "name: s\nkind: churn\nrates: [0]\n", "field rates[0]"},
		{"stream message size", thr + "protocol: stream\npayload_bytes: [0]\n", "field payload_bytes[0]"},
		{"payload list empty", thr + "payload_bytes: []\n", "field payload_bytes: must list at least one size"},
		{"knee on cpu", "name: s\nkind: cpu\nrates: [1]\nknee: {}\n", "field knee: is only for kind throughput"},
		{"knee on stream", thr + "protocol: stream\nknee: {}\n", "field knee: is not for protocol stream"},
		{"knee empty", thr + "knee:\n", "field knee: expected a mapping"},
		{"knee p99_target", thr + "knee: {p99_target: 0s}\n", "field knee.p99_target"},
		{"knee max_trials", thr + "knee: {max_trials: 0}\n", "field knee.max_trials"},
		{"knee trial_duration", thr + "knee: {trial_duration: -1s}\n", "field knee.trial_duration"},
		{"knee trial_warmup", thr + "knee: {trial_warmup: 2h}\n", "field knee.trial_warmup"},
		{"knee unknown field", thr + "knee: {target: 1ms}\n", "unknown field knee.target"},
		{"stream connections", thr + "protocol: stream\nconnections: -1\n", "field connections"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "bad.yaml", tt.yaml)
			code, _, stderr := cli(t, "run", path)
			if code != exitBadInput {
				t.Errorf("exit code %d, want 2; stderr: %s", code, stderr)
			}
			if !strings.Contains(stderr, path+": ") || !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q does not name the file and %q", stderr, tt.want)
			}
			if n := strings.Count(strings.TrimSpace(stderr), "\n"); n > 0 {
				t.Errorf("message spans %d lines: %q", n+1, stderr)
			}
		})
	}
}

// TestLoadFlagsExitTwo: the load generator's own flags for the new shapes
// are bad input too.
func TestLoadFlagsExitTwo(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"load", "--target", "127.0.0.1:1", "--rate", "100", "--knee-p99", "1ms"}, "--knee-p99: the search follows a closed-loop run"},
		// No --rate: a stream does not inherit the request rate's default,
		// so the first thing wrong is the knee flag.
		{[]string{"load", "--target", "127.0.0.1:1", "--protocol", "stream", "--knee-p99", "1ms"}, "--knee-p99: only for request/response"},
		{[]string{"load", "--target", "127.0.0.1:1", "--rate", "0", "--knee-p99", "1ms", "--knee-trials", "0"}, "--knee-trials: must be >= 1"},
		{[]string{"load", "--target", "127.0.0.1:1", "--protocol", "stream", "--rate", "5"}, "rate: must be 0 for a stream"},
	} {
		code, _, stderr := cli(t, c.args...)
		if code != exitBadInput || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}

func TestReproduceNamesTheSeed(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "a.yaml"}, "meshbench run a.yaml --seed 7"},
		{[]string{"run", "--seed", "3", "a.yaml"}, "meshbench run a.yaml --seed 7"},
		{[]string{"run", "--seed=3", "a.yaml", "--quick"}, "meshbench run a.yaml --quick --seed 7"},
	} {
		if got := reproduce(c.args, 7); got != c.want {
			t.Errorf("reproduce(%q) = %q, want %q", c.args, got, c.want)
		}
	}
}

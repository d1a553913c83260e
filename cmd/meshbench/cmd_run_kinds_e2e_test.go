package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshbench/meshbench/bench/results"
	"github.com/meshbench/meshbench/internal/testenv"
)

// kindScenarios are one short scenario of each kind beyond latency.
var kindScenarios = map[string]string{
	"thr.yaml": `name: thr
kind: throughput
meshes: [none]
duration: 500ms
warmup: 200ms
repeats: 1
knee: {p99_target: 50ms, max_trials: 3, trial_duration: 300ms, trial_warmup: 0s}
`,
	"stream.yaml": `name: stream
kind: throughput
protocol: stream
meshes: [none, sidecar]
payload_bytes: [65536]
duration: 500ms
warmup: 200ms
repeats: 1
`,
	"churn.yaml": `name: churn
kind: churn
protocol: tcp
meshes: [none, sidecar]
payload_bytes: [64]
duration: 500ms
warmup: 200ms
repeats: 1
`,
	"churn-http.yaml": `name: churn-http
kind: churn
meshes: [none]
rates: [200]
duration: 500ms
warmup: 200ms
repeats: 1
`,
	"cpu.yaml": `name: cpu
kind: cpu
meshes: [none]
rates: [500]
duration: 1s
warmup: 200ms
repeats: 1
`,
}

// TestRunKinds runs every kind on real pods and checks each reports its own
// numbers, validly, with the honesty data beside them.
func TestRunKinds(t *testing.T) {
	testenv.RequirePrivileged(t)
	name := uniqueCluster(t)
	var args []string
	for file, body := range kindScenarios {
		args = append(args, writeFile(t, file, body))
	}
	out := t.TempDir()
	code, stdout, stderr := meshbench(t, append([]string{"run", "--cluster", name, "--out", out}, args...)...)
	if code != 0 {
		t.Fatalf("run: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	f, err := results.Read(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Env.Seed == 0 || !strings.Contains(f.Command, "--seed ") || f.Env.Proxy == "" {
		t.Errorf("fingerprint: seed %d, command %q, proxy %q", f.Env.Seed, f.Command, f.Env.Proxy)
	}
	seen := map[string]bool{}
	for _, r := range f.Results {
		id := r.Scenario + "/" + r.Mesh
		seen[id] = true
		if !r.Valid || r.Errors != 0 {
			t.Errorf("%s: valid %v errors %d: %v", id, r.Valid, r.Errors, r.Warnings)
		}
		if r.Noise == nil || r.Generator == nil || r.CPU.HostCores <= 0 {
			t.Errorf("%s: honesty data missing: noise %v generator %v cpu %+v", id, r.Noise, r.Generator, r.CPU)
		}
		switch r.Scenario {
		case "thr":
			if r.Mode != "closed-loop" || r.MaxRPS == nil || *r.MaxRPS <= 0 || r.KneeRPS == nil || r.Knee == nil ||
				*r.KneeRPS > *r.MaxRPS || len(r.Repeats[0].Knee.Trials) == 0 {
				t.Errorf("%s: throughput fields %+v max %v knee %v", id, r.Knee, r.MaxRPS, r.KneeRPS)
			}
		case "stream":
			if r.Mode != "stream" || r.BitsPerS == nil || *r.BitsPerS < 1e6 || r.CPU.CoresPerGbps <= 0 || r.Repeats[0].Bytes == 0 {
				t.Errorf("%s: stream fields %v %+v", id, r.BitsPerS, r.CPU)
			}
		case "churn", "churn-http":
			if r.ConnectionsPerS == nil || *r.ConnectionsPerS < 50 {
				t.Errorf("%s: connections/s %v", id, r.ConnectionsPerS)
			}
		case "cpu":
			if r.MemoryPerPodBytes["client"] <= 0 || r.MemoryPerPodBytes["server"] <= 0 || r.CPU.CoresPerKRPS <= 0 || r.CPU.GeneratorCores <= 0 {
				t.Errorf("%s: cpu fields %+v memory %v", id, r.CPU, r.MemoryPerPodBytes)
			}
		}
	}
	for _, want := range []string{"thr/none", "stream/none", "stream/sidecar", "churn/none", "churn/sidecar", "churn-http/none", "cpu/none"} {
		if !seen[want] {
			t.Errorf("no result for %s", want)
		}
	}
}

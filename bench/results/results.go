// Package results defines results.json, the versioned contract between a run
// and everything that reads it (reports, compare, gates, exports). Changing a
// field's meaning is a schema version change.
package results

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/meshbench/meshbench/bench/fingerprint"
	"github.com/meshbench/meshbench/scenarios"
)

// Schema names the version of the results format this package writes.
const Schema = "meshbench/v1"

// File is the whole of results.json.
type File struct {
	Schema    string           `json:"schema"`
	Env       fingerprint.Env  `json:"env"`
	Command   string           `json:"command"`
	Scenarios []ScenarioRecord `json:"scenarios"`
	Results   []Result         `json:"results"`
	Warnings  []string         `json:"warnings"`
}

// ScenarioRecord is a scenario as it was run (normalised) and the hash of the
// file it came from.
type ScenarioRecord struct {
	File     string             `json:"file"`
	SHA256   string             `json:"sha256"`
	Scenario scenarios.Scenario `json:"scenario"`
}

// Result is one (scenario, mesh, placement, rate, payload) point, aggregated
// over its repeats. Latency comes from the merged histogram of all repeats;
// rates and CPU are medians over the repeats.
type Result struct {
	Scenario     string           `json:"scenario"`
	Kind         string           `json:"kind"`
	Protocol     string           `json:"protocol"`
	Mesh         string           `json:"mesh"`
	Placement    string           `json:"placement"`
	PayloadBytes int              `json:"payload_bytes"`
	Connections  int              `json:"connections"`
	Valid        bool             `json:"valid"`
	Warnings     []string         `json:"warnings"`
	Errors       int64            `json:"errors"`
	LatencyUS    Percentiles      `json:"latency_us"`
	Rate         Rate             `json:"rate"`
	CPU          CPU              `json:"cpu"`
	MemoryBytes  map[string]int64 `json:"memory_bytes"`
	Evidence     map[string]int64 `json:"evidence"`
	// MeshInfo describes the mesh as it ran: proxy name, version, workers,
	// mTLS, datapath features.
	MeshInfo  map[string]string `json:"mesh_info"`
	Histogram string            `json:"histogram"`
	Repeats   []Repeat          `json:"repeats"`

	// Mode is how the load was driven: open-loop (latency, cpu, churn
	// with rates), closed-loop (throughput http/tcp, churn without
	// rates) or stream.
	Mode string `json:"mode"`
	// Medians over the repeats of each repeat's value of the same name.
	MaxRPS          *float64 `json:"max_rps,omitempty"`
	BitsPerS        *float64 `json:"bits_per_s,omitempty"`
	ConnectionsPerS *float64 `json:"connections_per_s,omitempty"`
	KneeRPS         *float64 `json:"knee_rps,omitempty"`
	// Knee summarises the repeats' searches (medians, no trials).
	Knee *Knee `json:"knee,omitempty"`
	// MemoryPerPodBytes is each pod's resident memory, its proxy included
	// (memory_bytes splits the proxy out): the highest over the repeats.
	MemoryPerPodBytes map[string]int64 `json:"memory_per_pod_bytes,omitempty"`
	// BPF, Generator and Noise are medians over the repeats, except
	// noise.other_cores, the highest.
	BPF       *BPF       `json:"bpf,omitempty"`
	Generator *Generator `json:"generator,omitempty"`
	Noise     *Noise     `json:"noise,omitempty"`
}

// Repeat is one measured repetition of a point, with its raw histogram.
type Repeat struct {
	Index        int               `json:"index"`
	Valid        bool              `json:"valid"`
	Warnings     []string          `json:"warnings"`
	Errors       int64             `json:"errors"`
	Completed    int64             `json:"completed"`
	Unsent       int64             `json:"unsent"`
	WindowS      float64           `json:"window_s"`
	LatencyUS    Percentiles       `json:"latency_us"`
	SendLagUS    Percentiles       `json:"send_lag_us"`
	Rate         Rate              `json:"rate"`
	CPU          CPU               `json:"cpu"`
	MemoryBytes  map[string]int64  `json:"memory_bytes"`
	Evidence     map[string]int64  `json:"evidence"`
	MeshInfo     map[string]string `json:"mesh_info"`
	Histogram    string            `json:"histogram"`
	ErrorSamples []string          `json:"error_samples,omitempty"`

	// MaxRPS is the closed-loop request rate (throughput http/tcp).
	MaxRPS *float64 `json:"max_rps,omitempty"`
	// BitsPerS is a stream's application bits per second received in the
	// window, over all its connections (throughput stream).
	BitsPerS *float64 `json:"bits_per_s,omitempty"`
	// Bytes is what the stream received in the window.
	Bytes int64 `json:"bytes,omitempty"`
	// ConnectionsPerS is new connections per second, each carrying one
	// request (churn); it equals rate.achieved.
	ConnectionsPerS *float64 `json:"connections_per_s,omitempty"`
	// KneeRPS is knee.rate_rps, the search's answer.
	KneeRPS           *float64         `json:"knee_rps,omitempty"`
	Knee              *Knee            `json:"knee,omitempty"`
	MemoryPerPodBytes map[string]int64 `json:"memory_per_pod_bytes,omitempty"`
	BPF               *BPF             `json:"bpf,omitempty"`
	Generator         *Generator       `json:"generator,omitempty"`
	Noise             *Noise           `json:"noise,omitempty"`
}

// Percentiles of a latency distribution, in microseconds.
type Percentiles struct {
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	P9999 float64 `json:"p9999"`
	Max   float64 `json:"max"`
}

// Rate is what the scenario asked for and what the run achieved, in requests
// per second.
type Rate struct {
	Requested float64 `json:"requested"`
	Achieved  float64 `json:"achieved"`
}

// CPU is the processor time spent during the measurement window.
type CPU struct {
	// HostCores is whole-host busy time (user, nice, system, irq, softirq)
	// divided by the window: kernel work done on behalf of pods is in it. It
	// is measured as the window's CPU time minus idle, iowait and steal,
	// which the kernel tracks exactly; the tick-sampled user and system
	// counters miss the short bursts of a paced load (see bench/cpuacct).
	// Other processes on the host are in it too: see noise.other_cores.
	HostCores float64 `json:"host_cores"`
	// StealCores is time the hypervisor took away; high values make a run noisy.
	StealCores float64 `json:"steal_cores"`
	// CoresPerKRPS is HostCores per 1,000 achieved requests per second.
	CoresPerKRPS float64 `json:"cores_per_krps"`
	// ByComponent splits HostCores: pod cgroups by role, and "kernel" for the
	// rest (softirq and kernel threads not charged to a pod, plus anything
	// else running on the host).
	ByComponent map[string]float64 `json:"by_component"`
	// ByPod is each pod cgroup's CPU in cores (from cgroup v2 cpu.stat).
	ByPod map[string]float64 `json:"by_pod"`
	// GeneratorCores is the load generator's CPU (by_component.client):
	// the client pod without its proxy.
	GeneratorCores float64 `json:"generator_cores"`
	// WithoutGeneratorCores is HostCores minus GeneratorCores: what the
	// server, the mesh and the kernel spent (the kernel's work on the
	// client's sockets included), and WithoutGeneratorPerKRPS that per
	// 1,000 achieved requests per second.
	WithoutGeneratorCores   float64 `json:"without_generator_cores"`
	WithoutGeneratorPerKRPS float64 `json:"without_generator_per_krps"`
	// BPFCores is CPU inside BPF programs (bpf.cores); part of HostCores.
	BPFCores float64 `json:"bpf_cores"`
	// CoresPerGbps is HostCores per Gbit/s of a stream (cores_per_krps is
	// 0 for streams).
	CoresPerGbps float64 `json:"cores_per_gbps,omitempty"`
}

// Write stores f as indented JSON at dir/results.json, creating dir.
func Write(dir string, f *File) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create results directory: %w", err)
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode results: %w", err)
	}
	path := filepath.Join(dir, "results.json")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("write results: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("write results: %w", err)
	}
	return path, nil
}

// Read loads a results file and checks its schema version.
func Read(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: not a results file: %w", path, err)
	}
	if f.Schema != Schema {
		return nil, fmt.Errorf("%s: field schema: expected %q, got %q", path, Schema, f.Schema)
	}
	return &f, nil
}

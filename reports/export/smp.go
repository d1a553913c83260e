package export

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/meshbench/meshbench/bench/fingerprint"
	"github.com/meshbench/meshbench/bench/hist"
	"github.com/meshbench/meshbench/reports/sample"
	"github.com/meshbench/meshbench/reports/stats"
)

// SMPVersion is the Service Mesh Performance specification release whose
// message fields these documents follow.
const SMPVersion = "v0.6.1"

// The SMP messages, with the field names of the specification's protobuf
// definitions (which protobuf JSON parsers accept as written).
type (
	smpDoc struct {
		SMPVersion  string    `json:"smp_version"`
		Environment smpEnv    `json:"environment"`
		Tests       []smpTest `json:"tests"`
		Excluded    []smpExcl `json:"excluded,omitempty"`
	}
	smpTest struct {
		Config smpConfig `json:"config"`
		Mesh   smpMesh   `json:"mesh"`
		Result smpResult `json:"result"`
	}
	smpExcl struct {
		TestID string   `json:"testId"`
		Reason []string `json:"reason"`
	}
	smpConfig struct {
		SMPVersion string            `json:"smp_version"`
		ID         string            `json:"id"`
		Name       string            `json:"name"`
		Labels     map[string]string `json:"labels"`
		Clients    []smpClient       `json:"clients"`
		Duration   string            `json:"duration,omitempty"`
	}
	smpClient struct {
		Internal      bool   `json:"internal"`
		LoadGenerator string `json:"load_generator"`
		Protocol      string `json:"protocol"`
		Connections   int    `json:"connections"`
		RPS           int64  `json:"rps"`
	}
	smpMesh struct {
		SMPVersion  string            `json:"smp_version"`
		ID          string            `json:"id"`
		Labels      map[string]string `json:"labels"`
		Sidecar     *smpSidecar       `json:"sidecar,omitempty"`
		ProxyBuild  string            `json:"proxy_build,omitempty"`
		MTLSEnabled bool              `json:"mtls_enabled"`
	}
	smpSidecar struct {
		CPUMCores int32 `json:"cpu_mCores"`
		MemMB     int32 `json:"mem_mb"`
		RPS       int32 `json:"rps"`
	}
	smpResult struct {
		SMPVersion   string            `json:"smp_version"`
		ID           string            `json:"id"`
		Labels       map[string]string `json:"labels"`
		LatenciesMs  *smpLatency       `json:"latencies_ms,omitempty"`
		ActualQPS    float64           `json:"actual_QPS"`
		TestID       string            `json:"testId"`
		MeshConfigID string            `json:"meshConfigId"`
		EnvID        string            `json:"envId"`
	}
	smpLatency struct {
		Min     float64 `json:"min"`
		Average float64 `json:"average"`
		P50     float64 `json:"p50"`
		P90     float64 `json:"p90"`
		P99     float64 `json:"p99"`
		Max     float64 `json:"max"`
	}
	smpEnv struct {
		SMPVersion string            `json:"smp_version"`
		ID         string            `json:"id"`
		Labels     map[string]string `json:"labels"`
		Node       []smpNode         `json:"node"`
	}
	smpNode struct {
		Type  string `json:"type"`
		Cores int    `json:"cores"`
		MemMB int64  `json:"mem_mb"`
	}
)

// WriteSMP writes one results file as an SMP document: one test (config,
// mesh, result) per valid point, latencies in milliseconds from the merged
// histogram of its repeats. Invalid points are listed under "excluded" with
// their reasons instead.
func WriteSMP(w io.Writer, s *sample.Set) error {
	env := smpEnvironment(s.File.Env)
	doc := smpDoc{SMPVersion: SMPVersion, Environment: env, Tests: []smpTest{}}
	for _, p := range s.Points {
		id := strings.TrimPrefix(BenchName(p), "BenchmarkMesh/")
		if !p.Valid() {
			doc.Excluded = append(doc.Excluded, smpExcl{TestID: id, Reason: p.Warnings()})
			continue
		}
		t, err := smpTestOf(p, id, env.ID)
		if err != nil {
			return fmt.Errorf("smp export: %s: %w", id, err)
		}
		doc.Tests = append(doc.Tests, t)
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("smp export: %w", err)
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

func smpEnvironment(e fingerprint.Env) smpEnv {
	data, _ := json.Marshal(e) // a plain struct: cannot fail
	return smpEnv{SMPVersion: SMPVersion, ID: fmt.Sprintf("env-%x", sha256.Sum256(data))[:16],
		Labels: map[string]string{"kernel": e.Kernel, "substrate": e.Substrate, "meshbench": e.Version, "commit": e.Commit},
		Node:   []smpNode{{Type: e.CPU, Cores: e.Cores, MemMB: e.MemoryBytes >> 20}}}
}

func smpTestOf(p *sample.Point, id, envID string) (smpTest, error) {
	r := p.Result
	labels := map[string]string{"scenario": p.Scenario, "kind": p.Kind, "mesh": p.Mesh, "placement": p.Placement,
		"payload_bytes": strconv.Itoa(p.PayloadBytes), "repeats": strconv.Itoa(len(r.Repeats))}
	meshID := id + "/mesh-config"
	t := smpTest{
		Config: smpConfig{SMPVersion: SMPVersion, ID: id, Name: p.Key.String(), Labels: labels,
			Clients: []smpClient{{Internal: true, LoadGenerator: "meshbench", Protocol: p.Protocol, Connections: r.Connections, RPS: int64(p.Rate)}}},
		Mesh:   smpMesh{SMPVersion: SMPVersion, ID: meshID, Labels: r.MeshInfo, MTLSEnabled: r.MeshInfo["mtls"] == "true"},
		Result: smpResult{SMPVersion: SMPVersion, ID: id, Labels: labels, ActualQPS: r.Rate.Achieved, TestID: id, MeshConfigID: meshID, EnvID: envID},
	}
	if t.Result.ActualQPS == 0 {
		// Closed-loop kinds: the rate is the maximum they reached.
		if m, ok := sample.MetricByName("max_rps"); ok {
			if xs := m.Samples(p); len(xs) > 0 {
				t.Result.ActualQPS = stats.Summarize(xs).Median
			}
		}
	}
	if v := r.MeshInfo["proxy"]; v != "" {
		t.Mesh.ProxyBuild = v + " " + r.MeshInfo["proxy_version"]
	}
	if p.Mesh == "sidecar" {
		t.Mesh.Sidecar = &smpSidecar{CPUMCores: int32(1000 * r.CPU.ByComponent["proxy"]),
			MemMB: int32(r.MemoryBytes["proxy"] >> 20), RPS: int32(r.Rate.Achieved)}
	}
	if r.Histogram != "" {
		h, err := hist.Decode(r.Histogram)
		if err != nil {
			return t, err
		}
		if h.TotalCount() > 0 {
			s := hist.Percentiles(h)
			t.Result.LatenciesMs = &smpLatency{Min: float64(h.Min()) / 1e6, Average: s.Mean / 1e3,
				P50: s.P50 / 1e3, P90: s.P90 / 1e3, P99: s.P99 / 1e3, Max: s.Max / 1e3}
		}
	}
	return t, nil
}

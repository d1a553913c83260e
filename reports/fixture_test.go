package reports

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/meshbench/meshbench/bench/fingerprint"
	"github.com/meshbench/meshbench/bench/hist"
	"github.com/meshbench/meshbench/bench/results"
	"github.com/meshbench/meshbench/scenarios"
)

// The results files under testdata are made by this generator, so they can be
// remade when the results format grows: go test ./reports -run TestFixtures -fixtures
var regenerate = flag.Bool("fixtures", false, "rewrite the generated results files under testdata")

func TestFixtures(t *testing.T) {
	if !*regenerate {
		t.Skip("fixtures are regenerated only with -fixtures")
	}
	for name, f := range map[string]any{
		"mesh3.json":       meshFixture(1),
		"mesh3-rerun.json": meshFixture(2),
		"kinds.json":       kindsFixture(),
	} {
		data, err := json.MarshalIndent(f, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("testdata", name), append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func fixtureEnv() fingerprint.Env {
	return fingerprint.Env{
		Kernel: "6.1.0-test", KernelCmdline: "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet",
		CPU: "Test CPU @ 2.00GHz", Cores: 2, Governor: "performance", MemoryBytes: 8 << 30,
		Go: "go1.26.8", Version: "v0.1.0", Commit: "0123456789abcdef0123456789abcdef01234567", Substrate: "local",
	}
}

// point describes one generated (mesh, placement, rate) point.
type point struct {
	scenario, kind, protocol, mesh, placement string
	payload                                   int
	rate                                      float64 // requested; 0 for closed-loop kinds
	load                                      float64 // requests/s actually served; rate when 0
	p50US, tail                               float64 // median and tail heaviness
	cpuPerK                                   float64
	achieved                                  float64 // fraction of the requested rate
	invalidRepeat                             int     // 1-based; 0 for none
	warnRepeat                                int
	warning                                   string
}

var meshFactor = map[string]struct{ lat, tail, cpu float64 }{
	"none": {1, 1, 0.50}, "sidecar": {1.8, 1.6, 1.40}, "ebpf": {0.85, 0.9, 0.45},
}

func meshFixture(seed uint64) *results.File {
	r := rand.New(rand.NewPCG(seed, 42))
	smoke := scenarios.Scenario{Name: "smoke", Description: "1 KiB HTTP/1.1 request/response, same node, 500 req/s open loop",
		Kind: "latency", Protocol: "http", Placement: "same-node", Meshes: []string{"none", "sidecar", "ebpf"},
		Rates: []float64{500}, PayloadBytes: []int{1024}, Connections: 4, Repeats: 5}
	tcp := smoke
	tcp.Name, tcp.Description, tcp.Protocol, tcp.Placement = "tcp-latency", "1 KiB TCP echo at 1000 and 4000 req/s", "tcp", "both"
	tcp.Rates, tcp.Connections = []float64{1000, 4000}, 8
	f := &results.File{Schema: results.Schema, Env: fixtureEnv(),
		Command:  "meshbench run scenarios/smoke.yaml scenarios/latency.yaml --mesh none,sidecar,ebpf --out out/latest",
		Warnings: []string{"steal time reached 4% of a core during the run: results may be noisy"}}
	for _, sc := range []scenarios.Scenario{smoke, tcp} {
		sc.Normalize()
		f.Scenarios = append(f.Scenarios, results.ScenarioRecord{File: "scenarios/" + sc.Name + ".yaml", SHA256: fmt.Sprintf("%064x", len(sc.Name)), Scenario: sc})
	}
	for _, mesh := range []string{"none", "sidecar", "ebpf"} {
		m := meshFactor[mesh]
		f.Results = append(f.Results, generate(r, point{scenario: "smoke", kind: "latency", protocol: "http", mesh: mesh, placement: "same-node",
			payload: 1024, rate: 500, p50US: 180 * m.lat, tail: m.tail, cpuPerK: 2 * m.cpu, achieved: 1}))
	}
	for _, placement := range []string{"same-node", "cross-node"} {
		for _, rate := range []float64{1000, 4000} {
			for _, mesh := range []string{"none", "sidecar", "ebpf"} {
				m := meshFactor[mesh]
				p := point{scenario: "tcp-latency", kind: "latency", protocol: "tcp", mesh: mesh, placement: placement, payload: 1024, rate: rate,
					p50US: 60 * m.lat, tail: m.tail, cpuPerK: m.cpu, achieved: 1}
				if placement == "cross-node" {
					p.p50US *= 1.5
				}
				if rate == 4000 {
					p.p50US *= 1.1
				}
				switch {
				case mesh == "sidecar" && placement == "cross-node" && rate == 4000:
					p.achieved, p.tail = 0.85, 3.5
					p.warnRepeat, p.warning = 2, "achieved 3400.0 of 4000 req/s (85%): the target could not keep up"
				case mesh == "ebpf" && placement == "cross-node" && rate == 4000:
					p.invalidRepeat, p.warning = 3, "evidence: redirected_msgs is 0: the eBPF datapath did not carry this traffic"
				case mesh == "none" && placement == "same-node" && rate == 4000:
					p.warnRepeat, p.warning = 2, "send lag p99 2.1ms on idle connections: load generator fell behind its schedule"
				}
				f.Results = append(f.Results, generate(r, p))
			}
		}
	}
	return f
}

// generate makes a result with 5 repeats of lognormal latencies.
func generate(r *rand.Rand, p point) results.Result {
	res := results.Result{Scenario: p.scenario, Kind: p.kind, Protocol: p.protocol, Mesh: p.mesh, Placement: p.placement,
		PayloadBytes: p.payload, Connections: 8, Valid: true, Warnings: []string{},
		MemoryBytes: map[string]int64{}, Evidence: map[string]int64{}, MeshInfo: fixtureMeshInfo(p.mesh)}
	merged := hist.New()
	var achieved, cores, perK []float64
	load := p.load
	if load == 0 {
		load = p.rate * p.achieved
	}
	for i := 0; i < 5; i++ {
		h := hist.New()
		jitter := 1 + 0.06*(r.Float64()-0.5)
		n := int(min(load, 2000) * 2)
		for j := 0; j < n; j++ {
			v := p.p50US * jitter * math.Exp(0.35*p.tail*r.NormFloat64())
			if r.Float64() < 0.01 {
				v *= 1 + 4*p.tail*r.Float64()
			}
			_ = h.RecordValue(hist.Clamp(int64(v * 1e3)))
		}
		merged.Merge(h)
		enc, _ := hist.Encode(h)
		rate := p.rate * p.achieved * (1 - 0.002*r.Float64())
		perKRPS := p.cpuPerK * (1 + 0.08*(r.Float64()-0.5))
		host := perKRPS * load / 1000
		rep := results.Repeat{Index: i, Valid: i+1 != p.invalidRepeat, Errors: 0, Completed: int64(n), WindowS: 2,
			LatencyUS: percentiles(h), Rate: results.Rate{Requested: p.rate, Achieved: rate}, Histogram: enc,
			CPU: cpuSplit(p.mesh, host, perKRPS), MemoryBytes: memory(p.mesh, r), Evidence: evidence(p.mesh, n, i+1 == p.invalidRepeat),
			MeshInfo: fixtureMeshInfo(p.mesh)}
		if i+1 == p.warnRepeat || i+1 == p.invalidRepeat {
			rep.Warnings = []string{p.warning}
			res.Warnings = append(res.Warnings, fmt.Sprintf("repeat %d: %s", i+1, p.warning))
		}
		res.Valid = res.Valid && rep.Valid
		achieved, cores, perK = append(achieved, rate), append(cores, host), append(perK, perKRPS)
		for k, v := range rep.MemoryBytes {
			res.MemoryBytes[k] = max(res.MemoryBytes[k], v)
		}
		for k, v := range rep.Evidence {
			res.Evidence[k] += v
		}
		res.Repeats = append(res.Repeats, rep)
	}
	res.LatencyUS = percentiles(merged)
	res.Histogram, _ = hist.Encode(merged)
	res.Rate = results.Rate{Requested: p.rate, Achieved: med(achieved)}
	res.CPU = cpuSplit(p.mesh, med(cores), med(perK))
	return res
}

func percentiles(h interface{ ValueAtPercentile(float64) int64 }) results.Percentiles {
	us := func(q float64) float64 { return float64(h.ValueAtPercentile(q)) / 1e3 }
	return results.Percentiles{P50: us(50), P90: us(90), P99: us(99), P999: us(99.9), P9999: us(99.99), Max: us(100)}
}

func med(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func cpuSplit(mesh string, host, perK float64) results.CPU {
	share := map[string]float64{"client": 0.2, "server": 0.15, "proxy": 0, "kernel": 0.65}
	switch mesh {
	case "sidecar":
		share = map[string]float64{"client": 0.1, "server": 0.07, "proxy": 0.55, "kernel": 0.28}
	case "ebpf":
		share = map[string]float64{"client": 0.22, "server": 0.16, "proxy": 0, "kernel": 0.62}
	}
	c := results.CPU{HostCores: host, CoresPerKRPS: perK, ByComponent: map[string]float64{}, ByPod: map[string]float64{}}
	for k, s := range share {
		c.ByComponent[k] = host * s
		if k == "client" || k == "server" {
			c.ByPod[k] = host * s
		}
	}
	return c
}

func memory(mesh string, r *rand.Rand) map[string]int64 {
	m := map[string]int64{"client": 16<<20 + int64(r.IntN(1<<20)), "server": 18<<20 + int64(r.IntN(1<<20))}
	switch mesh {
	case "sidecar":
		m["proxy"] = 90<<20 + int64(r.IntN(4<<20))
	case "ebpf":
		m["bpf-maps"] = 3 << 20
	}
	return m
}

func evidence(mesh string, n int, broken bool) map[string]int64 {
	switch mesh {
	case "sidecar":
		return map[string]int64{"proxy_requests": int64(2 * n)}
	case "ebpf":
		if broken {
			return map[string]int64{"redirected_msgs": 0}
		}
		return map[string]int64{"redirected_msgs": int64(2 * n)}
	}
	return map[string]int64{"bpf_programs": 0, "extra_processes": 0}
}

func fixtureMeshInfo(mesh string) map[string]string {
	switch mesh {
	case "sidecar":
		return map[string]string{"mesh": "sidecar", "proxy": "envoy", "proxy_version": "1.31.2", "workers": "2"}
	case "ebpf":
		return map[string]string{"mesh": "ebpf", "datapath": "sockops+sk_msg", "features": "sockhash,policy"}
	}
	return map[string]string{"mesh": "none"}
}

package reports

import (
	"math/rand/v2"

	"github.com/meshbench/meshbench/bench/results"
	"github.com/meshbench/meshbench/scenarios"
)

// The throughput and churn kinds add optional fields (see package sample).
// These types write them next to the fields results.File has today.
type (
	extFile struct {
		results.File
		Results []extResult `json:"results"`
	}
	extResult struct {
		results.Result
		MaxRPS          *float64    `json:"max_rps,omitempty"`
		BitsPerS        *float64    `json:"bits_per_s,omitempty"`
		ConnectionsPerS *float64    `json:"connections_per_s,omitempty"`
		KneeRPS         *float64    `json:"knee_rps,omitempty"`
		Repeats         []extRepeat `json:"repeats"`
	}
	extRepeat struct {
		results.Repeat
		MaxRPS          *float64 `json:"max_rps,omitempty"`
		BitsPerS        *float64 `json:"bits_per_s,omitempty"`
		ConnectionsPerS *float64 `json:"connections_per_s,omitempty"`
	}
)

func kindsFixture() *extFile {
	r := rand.New(rand.NewPCG(7, 42))
	meshes := []string{"none", "sidecar", "ebpf"}
	stream := scenarios.Scenario{Name: "tcp-stream", Description: "TCP stream throughput by message size", Kind: "throughput",
		Protocol: "tcp", Placement: "same-node", Meshes: meshes, PayloadBytes: []int{64, 1024, 65536, 1048576}, Repeats: 5}
	maxRate := scenarios.Scenario{Name: "http-max-rate", Description: "closed-loop maximum HTTP/1.1 request rate", Kind: "throughput",
		Protocol: "http", Placement: "both", Meshes: meshes, PayloadBytes: []int{1024}, Connections: 16, Repeats: 5}
	churn := scenarios.Scenario{Name: "tcp-churn", Description: "connect, one 1 KiB request, close", Kind: "churn",
		Protocol: "tcp", Placement: "same-node", Meshes: meshes, PayloadBytes: []int{1024}, Repeats: 5}
	f := &extFile{File: results.File{Schema: results.Schema, Env: fixtureEnv(),
		Command: "meshbench run scenarios/throughput.yaml scenarios/churn.yaml --out out/kinds"}}
	for _, sc := range []scenarios.Scenario{stream, maxRate, churn} {
		sc.Normalize()
		f.Scenarios = append(f.Scenarios, results.ScenarioRecord{File: "scenarios/" + sc.Name + ".yaml", SHA256: "ab12", Scenario: sc})
	}
	factor := map[string]float64{"none": 1, "sidecar": 0.42, "ebpf": 1.25}
	gbits := map[int]float64{64: 0.45e9, 1024: 5.2e9, 65536: 27e9, 1048576: 31e9}
	for _, size := range stream.PayloadBytes {
		for _, mesh := range meshes {
			res := generate(r, point{scenario: "tcp-stream", kind: "throughput", protocol: "tcp", mesh: mesh, placement: "same-node",
				payload: size, p50US: 1, tail: 1, cpuPerK: 0, achieved: 1})
			res.Histogram, res.LatencyUS, res.CPU.CoresPerKRPS = "", results.Percentiles{}, 0
			e := extResult{Result: res}
			for _, rep := range res.Repeats {
				rep.Histogram, rep.LatencyUS, rep.CPU.CoresPerKRPS = "", results.Percentiles{}, 0
				rep.CPU.HostCores, rep.CPU.ByComponent = 1.6, map[string]float64{"client": 0.5, "server": 0.4, "kernel": 0.7}
				e.Repeats = append(e.Repeats, extRepeat{Repeat: rep, BitsPerS: ptr(gbits[size] * factor[mesh] * (1 + 0.05*(r.Float64()-0.5)))})
			}
			e.BitsPerS = ptr(gbits[size] * factor[mesh])
			f.Results = append(f.Results, e)
		}
	}
	maxRPS := map[string]float64{"none": 9000, "sidecar": 3800, "ebpf": 9800}
	for _, placement := range []string{"same-node", "cross-node"} {
		for _, mesh := range meshes {
			top := maxRPS[mesh]
			if placement == "cross-node" {
				top *= 0.8
			}
			res := generate(r, point{scenario: "http-max-rate", kind: "throughput", protocol: "http", mesh: mesh, placement: placement,
				payload: 1024, load: top, p50US: 400 * meshFactor[mesh].lat, tail: 1.2, cpuPerK: 0.3 * meshFactor[mesh].cpu, achieved: 1})
			e := extResult{Result: res, MaxRPS: ptr(top), KneeRPS: ptr(0.8 * top)}
			for _, rep := range res.Repeats {
				e.Repeats = append(e.Repeats, extRepeat{Repeat: rep, MaxRPS: ptr(top * (1 + 0.06*(r.Float64()-0.5)))})
			}
			f.Results = append(f.Results, e)
		}
	}
	cps := map[string]float64{"none": 12000, "sidecar": 4100, "ebpf": 11500}
	for _, mesh := range meshes {
		res := generate(r, point{scenario: "tcp-churn", kind: "churn", protocol: "tcp", mesh: mesh, placement: "same-node",
			payload: 1024, load: cps[mesh], p50US: 90 * meshFactor[mesh].lat, tail: 1, cpuPerK: 0.25 * meshFactor[mesh].cpu, achieved: 1})
		e := extResult{Result: res, ConnectionsPerS: ptr(cps[mesh])}
		for _, rep := range res.Repeats {
			e.Repeats = append(e.Repeats, extRepeat{Repeat: rep, ConnectionsPerS: ptr(cps[mesh] * (1 + 0.05*(r.Float64()-0.5)))})
		}
		f.Results = append(f.Results, e)
	}
	return f
}

func ptr(v float64) *float64 { return &v }

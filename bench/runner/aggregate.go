package runner

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/montanaflynn/stats"

	"github.com/meshbench/meshbench/bench/hist"
	"github.com/meshbench/meshbench/bench/plan"
	"github.com/meshbench/meshbench/bench/results"
)

// repeatFrom turns the load generator's report into a repeat record.
func repeatFrom(st plan.Step, rep *LoadReport) (results.Repeat, error) {
	lat, err := hist.Decode(rep.Latency)
	if err != nil {
		return results.Repeat{}, fmt.Errorf("decode latency histogram: %w", err)
	}
	lag, err := hist.Decode(rep.SendLag)
	if err != nil {
		return results.Repeat{}, fmt.Errorf("decode send-lag histogram: %w", err)
	}
	return results.Repeat{
		Index:        st.Repeat,
		Warnings:     append([]string(nil), rep.Warnings...),
		Errors:       rep.Errors,
		Completed:    rep.Completed,
		Unsent:       rep.Unsent,
		WindowS:      rep.WindowS,
		LatencyUS:    percentiles(lat),
		SendLagUS:    percentiles(lag),
		Rate:         results.Rate{Requested: rep.Requested, Achieved: rep.Achieved},
		Histogram:    rep.Latency,
		ErrorSamples: rep.ErrorSamples,
		Bytes:        rep.Bytes,
		Knee:         rep.Knee,
	}, nil
}

func percentiles(h *hdrhistogram.Histogram) results.Percentiles {
	p := hist.Percentiles(h)
	return results.Percentiles{P50: p.P50, P90: p.P90, P99: p.P99, P999: p.P999, P9999: p.P9999, Max: p.Max}
}

// aggregator groups repeats by point, remembering first-seen order so the
// results file lists points in plan order.
type aggregator struct {
	order []string
	steps map[string]plan.Step
	reps  map[string][]results.Repeat
}

func newAggregator() *aggregator {
	return &aggregator{steps: map[string]plan.Step{}, reps: map[string][]results.Repeat{}}
}

func (a *aggregator) add(st plan.Step, rep results.Repeat) {
	key := st.Point()
	if _, ok := a.steps[key]; !ok {
		a.order = append(a.order, key)
		a.steps[key] = st
	}
	a.reps[key] = append(a.reps[key], rep)
}

// results aggregates every point: latency from the merged histogram of all
// repeats, rates and CPU as medians over repeats, errors summed, valid only
// when every repeat was.
func (a *aggregator) results() []results.Result {
	out := make([]results.Result, 0, len(a.order))
	for _, key := range a.order {
		st, reps := a.steps[key], a.reps[key]
		res := results.Result{
			Scenario: st.Scenario.Name, Kind: st.Scenario.Kind, Protocol: st.Scenario.Protocol,
			Mesh: st.Mesh, Placement: st.Placement, PayloadBytes: st.PayloadBytes,
			Connections: st.Scenario.Connections, Valid: true, Warnings: []string{},
			Repeats: reps, MemoryBytes: map[string]int64{}, Evidence: map[string]int64{},
			Mode: st.Mode(),
		}
		merged := hist.New()
		var achieved, hostCores, perK []float64
		comp := map[string][]float64{}
		res.Warnings = repeatWarnings(reps)
		for _, r := range reps {
			res.Valid = res.Valid && r.Valid
			res.Errors += r.Errors
			if h, err := hist.Decode(r.Histogram); err == nil {
				merged.Merge(h)
			}
			achieved = append(achieved, r.Rate.Achieved)
			hostCores = append(hostCores, r.CPU.HostCores)
			perK = append(perK, r.CPU.CoresPerKRPS)
			for k, v := range r.CPU.ByComponent {
				comp[k] = append(comp[k], v)
			}
			for k, v := range r.MemoryBytes {
				res.MemoryBytes[k] = max(res.MemoryBytes[k], v)
			}
			for k, v := range r.Evidence {
				res.Evidence[k] += v
			}
			res.MeshInfo = r.MeshInfo
		}
		res.LatencyUS = percentiles(merged)
		res.Histogram, _ = hist.Encode(merged)
		res.Rate = results.Rate{Requested: st.Rate, Achieved: median(achieved)}
		res.CPU = results.CPU{HostCores: median(hostCores), CoresPerKRPS: median(perK), ByComponent: map[string]float64{}, ByPod: map[string]float64{}}
		for k, v := range comp {
			res.CPU.ByComponent[k] = median(v)
			if k != "proxy" && k != "kernel" {
				res.CPU.ByPod[k] = median(v)
			}
		}
		summarizeKinds(&res, reps)
		out = append(out, res)
	}
	return out
}

// median of a sample; 0 for an empty one.
func median(xs []float64) float64 {
	m, err := stats.Median(xs)
	if err != nil {
		return 0
	}
	return m
}

// repeatWarnings lists the repeats' warnings, each text once with the
// repeats that gave it ("repeat 2: ...", "repeats 1, 3: ...", "every
// repeat: ..."), in the order they first appear.
func repeatWarnings(reps []results.Repeat) []string {
	var texts []string
	by := map[string][]string{}
	for _, r := range reps {
		for _, w := range r.Warnings {
			if by[w] == nil {
				texts = append(texts, w)
			}
			if n := strconv.Itoa(r.Index + 1); !slices.Contains(by[w], n) {
				by[w] = append(by[w], n)
			}
		}
	}
	out := make([]string, 0, len(texts))
	for _, w := range texts {
		switch idx := by[w]; {
		case len(reps) > 1 && len(idx) == len(reps):
			out = append(out, "every repeat: "+w)
		case len(idx) == 1:
			out = append(out, fmt.Sprintf("repeat %s: %s", idx[0], w))
		default:
			out = append(out, fmt.Sprintf("repeats %s: %s", strings.Join(idx, ", "), w))
		}
	}
	return out
}

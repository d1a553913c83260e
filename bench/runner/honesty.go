package runner

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/meshbench/meshbench/bench/cpuacct"
	"github.com/meshbench/meshbench/bench/results"
)

// Thresholds of the honesty warnings.
const (
	// rateTolerance is how far below the requested rate a run may fall
	// before it is flagged.
	rateTolerance = 0.05
	// generatorSaturated is the generator CPU, in cores, from which it may
	// be the bottleneck: it is one process whose hot path runs on about one
	// core at a time.
	generatorSaturated = 0.9
	// noisyShare is the share of the host's cores other processes may use
	// before the window counts as noisy, and noisyFloor the least that
	// counts.
	noisyShare = 0.1
	noisyFloor = 0.1
	// stealShare is the share of the cores the hypervisor may take.
	stealShare = 0.05
)

// noiseBetween is what else the host did between two samples.
func noiseBetween(a, b sample) *results.Noise {
	n := &results.Noise{Load1: b.load.Load1, Runnable: b.load.Runnable}
	n.StealCores = cpuacct.HostDelta(a.host, b.host, b.at.Sub(a.at)).Steal
	cores, top := cpuacct.ProcsDelta(a.procs, b.procs, b.procsAt.Sub(a.procsAt))
	n.OtherCores = cores
	var names []string
	for _, t := range top[:min(len(top), 3)] {
		if t.Cores >= 0.01 {
			names = append(names, fmt.Sprintf("%s %.2f", t.Name, t.Cores))
		}
	}
	n.OtherTop = strings.Join(names, ", ")
	return n
}

// judge decides validity and attaches warnings as data. problems are the
// mesh's objections to its evidence; any one makes the repeat invalid.
// Everything else (a missed rate, a busy generator, a noisy host) is a
// warning that travels with the result.
func judge(rep *results.Repeat, problems []string) {
	rep.Valid = len(problems) == 0
	rep.Warnings = append(rep.Warnings, problems...)
	if rep.Completed == 0 {
		rep.Valid = false
		rep.Warnings = append(rep.Warnings, "no request completed")
	}
	if rep.Errors > 0 && float64(rep.Errors) > 0.01*float64(rep.Completed) {
		rep.Valid = false
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d errors (more than 1%% of requests)", rep.Errors))
	}
	if why := rep.MeshInfo["degraded"]; why != "" {
		rep.Warnings = append(rep.Warnings, "eBPF datapath degraded, no socket short-circuited (the tc fast path carried the traffic): "+why)
	}
	if rep.Rate.Achieved < (1-rateTolerance)*rep.Rate.Requested {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("achieved %.1f/s, %.1f%% below the requested %.0f/s", rep.Rate.Achieved, 100*(1-rep.Rate.Achieved/rep.Rate.Requested), rep.Rate.Requested))
	}
	if g := rep.Generator; g != nil && g.Saturated {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("load generator used %.2f cores: it may be the bottleneck of what it measures", g.Cores))
	}
	if n := rep.Noise; n != nil {
		cores := float64(runtime.NumCPU())
		if n.OtherCores >= max(noisyShare*cores, noisyFloor) {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("other processes used %.2f cores during the window (%s): the host was not quiet", n.OtherCores, n.OtherTop))
		}
		if n.StealCores >= stealShare*cores {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("the hypervisor stole %.2f cores during the window", n.StealCores))
		}
	}
}

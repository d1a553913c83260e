package runner

import (
	"fmt"
	"strings"

	"github.com/meshbench/meshbench/bench/plan"
	"github.com/meshbench/meshbench/bench/results"
	"github.com/meshbench/meshbench/scenarios"
)

// summary is a step's progress line: what ran and the numbers its kind is
// about, then INVALID and the warnings when there are any.
func summary(st plan.Step, rep results.Repeat) string {
	sc := st.Scenario
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s %s %dB%s #%d: ", sc.Name, sc.Protocol, st.Mesh, st.Placement, st.PayloadBytes, rateLabel(st.Rate), st.Repeat+1)
	c := rep.CPU
	switch {
	case rep.BitsPerS != nil:
		fmt.Fprintf(&b, "%.3f Gbit/s, %.2f cores per Gbit/s", *rep.BitsPerS/1e9, c.CoresPerGbps)
	case rep.MaxRPS != nil:
		fmt.Fprintf(&b, "max %.0f req/s p50 %.0fµs p99 %.0fµs", *rep.MaxRPS, rep.LatencyUS.P50, rep.LatencyUS.P99)
		if rep.Knee != nil {
			fmt.Fprintf(&b, ", knee %.0f req/s (p99 < %.0fµs, %d trials)", rep.Knee.RateRPS, rep.Knee.P99TargetUS, len(rep.Knee.Trials))
		}
	case rep.ConnectionsPerS != nil:
		fmt.Fprintf(&b, "%.0f conn/s p50 %.0fµs p99 %.0fµs", *rep.ConnectionsPerS, rep.LatencyUS.P50, rep.LatencyUS.P99)
	default:
		fmt.Fprintf(&b, "p50 %.0fµs p99 %.0fµs achieved %.1f/s", rep.LatencyUS.P50, rep.LatencyUS.P99, rep.Rate.Achieved)
	}
	fmt.Fprintf(&b, " errors %d", rep.Errors)
	if sc.Kind == scenarios.KindCPU {
		fmt.Fprintf(&b, "; cpu %.2f cores, %.3f per 1k req/s (%.3f without the generator)", c.HostCores, c.CoresPerKRPS, c.WithoutGeneratorPerKRPS)
		if rep.BPF != nil {
			fmt.Fprintf(&b, ", bpf %.3f", rep.BPF.Cores)
		}
		fmt.Fprintf(&b, "; rss client %s server %s", mib(rep.MemoryPerPodBytes["client"]), mib(rep.MemoryPerPodBytes["server"]))
	}
	if !rep.Valid {
		b.WriteString(" INVALID")
	}
	if len(rep.Warnings) > 0 {
		b.WriteString(" (" + strings.Join(rep.Warnings, "; ") + ")")
	}
	return b.String()
}

func mib(b int64) string { return fmt.Sprintf("%.1fMiB", float64(b)/(1<<20)) }

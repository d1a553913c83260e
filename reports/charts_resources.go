package reports

import (
	"maps"
	"slices"

	"github.com/meshbench/meshbench/reports/plot"
	"github.com/meshbench/meshbench/reports/sample"
	"github.com/meshbench/meshbench/reports/stats"
)

// componentOrder fixes the stacking order of CPU and memory components;
// others follow in name order.
var componentOrder = []string{"client", "server", "proxy", "kernel", "bpf-maps"}

func sortComponents(set map[string]bool) []string {
	names := slices.Sorted(maps.Keys(set))
	slices.SortStableFunc(names, func(a, b string) int { return rank(a) - rank(b) })
	return names
}

// rank orders a component by itself or its family ("proxy/client" sorts
// with "proxy").
func rank(c string) int {
	for _, name := range []string{c, plot.Family(c)} {
		if i := slices.Index(componentOrder, name); i >= 0 {
			return i
		}
	}
	return len(componentOrder)
}

// componentLabel names a component in a legend.
func componentLabel(c string) string {
	if c == "kernel" {
		return "kernel & rest of host"
	}
	return c
}

// cpuFigure stacks each mesh's CPU per 1,000 requests/s by component, one
// panel per point; the error bar is the range of the repeats' totals.
func cpuFigure(sc *scenario) (*plot.Figure, error) {
	perK := metric("cpu_per_krps")
	if !sc.has(perK) {
		return nil, nil
	}
	fig := &plot.Figure{Title: sc.Name + ": CPU cores per 1,000 requests/s", ShareY: true,
		Note: "Whole-host CPU (user, system, softirq) split by cgroup; median over repeats, bar: lowest to highest repeat."}
	comps := map[string]bool{}
	for _, p := range sc.Points {
		for _, r := range p.Result.Repeats {
			for c, v := range r.CPU.ByComponent {
				comps[c] = comps[c] || v > 0
			}
		}
	}
	order := sortComponents(comps)
	colors := plot.ComponentColors()
	for _, k := range sc.Keys {
		b := plot.Bars{Title: k.Label(), YLabel: "cores per 1k req/s", Format: sample.Fixed}
		for _, c := range order {
			if comps[c] {
				b.Stacks = append(b.Stacks, plot.Stack{Label: c, Color: colors.Of(c)})
			}
		}
		for _, mesh := range sc.Meshes {
			p := sc.point(k, mesh)
			if p == nil {
				continue
			}
			totals := perK.Samples(p)
			if !p.Valid() || len(totals) == 0 {
				if !p.Valid() {
					b.Categories = append(b.Categories, mesh+" (invalid)")
					appendCategory(&b, nil, 0, 0)
				}
				continue
			}
			b.Categories = append(b.Categories, mesh)
			parts := make([]float64, len(b.Stacks))
			sum := 0.0
			for i, s := range b.Stacks {
				parts[i] = componentPerK(p, s.Label)
				sum += parts[i]
			}
			// Scale the parts so the bar is as tall as the median total the
			// summary table shows (medians of parts need not add up to it).
			if total := stats.Summarize(totals).Median; sum > 0 {
				for i := range parts {
					parts[i] *= total / sum
				}
			}
			appendCategory(&b, parts, slices.Min(totals), slices.Max(totals))
		}
		if len(b.Categories) > 0 {
			fig.Panels = append(fig.Panels, plot.BarsPanel(b))
		}
	}
	for _, s := range order {
		if comps[s] {
			fig.Legend = append(fig.Legend, plot.BoxKey(componentLabel(s), colors.Of(s)))
		}
	}
	return fig, nil
}

// appendCategory adds one bar's stack values and error range.
func appendCategory(b *plot.Bars, parts []float64, lo, hi float64) {
	for i := range b.Stacks {
		v := 0.0
		if i < len(parts) {
			v = parts[i]
		}
		b.Stacks[i].Values = append(b.Stacks[i].Values, v)
	}
	b.Lo, b.Hi = append(b.Lo, lo), append(b.Hi, hi)
}

// componentPerK is the median over repeats of a component's cores per 1,000
// achieved requests/s.
func componentPerK(p *sample.Point, comp string) float64 {
	var xs []float64
	for _, r := range p.Result.Repeats {
		if r.CPU.HostCores > 0 && r.CPU.CoresPerKRPS > 0 {
			// Scale by the repeat's own ratio so the parts add up to
			// cores_per_krps whatever rate it was computed against.
			xs = append(xs, r.CPU.ByComponent[comp]/r.CPU.HostCores*r.CPU.CoresPerKRPS)
		}
	}
	return stats.Summarize(xs).Median
}

// memoryFigure stacks each mesh's peak resident memory by pod, one panel per
// placement.
func memoryFigure(sc *scenario) (*plot.Figure, error) {
	comps := map[string]bool{}
	for _, p := range sc.Points {
		for c, v := range p.Result.MemoryBytes {
			comps[c] = comps[c] || v > 0
		}
	}
	if len(comps) == 0 {
		return nil, nil
	}
	order := sortComponents(comps)
	colors := plot.ComponentColors()
	fig := &plot.Figure{Title: sc.Name + ": resident memory per pod", ShareY: true, Note: leftOut(sc, "Peak over the scenario's points and repeats.")}
	for _, placement := range sc.placements() {
		b := plot.Bars{Title: placement, YLabel: "MiB", Format: sample.Fixed}
		for _, c := range order {
			b.Stacks = append(b.Stacks, plot.Stack{Label: c, Color: colors.Of(c)})
		}
		for _, mesh := range sc.Meshes {
			peak := map[string]float64{}
			for _, p := range sc.Points {
				if p.Mesh == mesh && p.Placement == placement && p.Valid() {
					for c, v := range p.Result.MemoryBytes {
						peak[c] = max(peak[c], float64(v)/(1<<20))
					}
				}
			}
			if len(peak) == 0 {
				continue
			}
			b.Categories = append(b.Categories, mesh)
			for i, c := range order {
				b.Stacks[i].Values = append(b.Stacks[i].Values, peak[c])
			}
		}
		if len(b.Categories) > 0 {
			fig.Panels = append(fig.Panels, plot.BarsPanel(b))
		}
	}
	for _, c := range order {
		fig.Legend = append(fig.Legend, plot.BoxKey(c, colors.Of(c)))
	}
	return fig, nil
}

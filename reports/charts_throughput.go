package reports

import (
	"cmp"
	"slices"

	"github.com/meshbench/meshbench/reports/plot"
	"github.com/meshbench/meshbench/reports/sample"
	"github.com/meshbench/meshbench/reports/stats"
)

// throughputFigure draws stream throughput against message size, one curve
// per mesh and one panel per placement.
func throughputFigure(sc *scenario) (*plot.Figure, error) {
	m := metric("throughput")
	if !sc.has(m) {
		return nil, nil
	}
	colors := plot.MeshColors()
	fig := &plot.Figure{Title: sc.Name + ": stream throughput by message size",
		Note: leftOut(sc, "Median over repeats; bars: lowest to highest repeat. Both axes logarithmic.")}
	for _, placement := range sc.placements() {
		var curves []plot.Curve
		var ticks []plot.Tick
		for _, mesh := range sc.Meshes {
			c := plot.Curve{Label: mesh, Color: colors.Of(mesh)}
			for _, k := range sc.Keys {
				p := sc.point(k, mesh)
				if k.Placement != placement || p == nil || !p.Valid() {
					continue
				}
				if cp, ok := curvePoint(m, p, float64(k.PayloadBytes)); ok {
					c.Points = append(c.Points, cp)
					if !slices.ContainsFunc(ticks, func(t plot.Tick) bool { return t.Value == cp.X }) {
						ticks = append(ticks, plot.Tick{Value: cp.X, Label: sample.Bytes(k.PayloadBytes)})
					}
				}
			}
			slices.SortFunc(c.Points, func(a, b plot.CurvePoint) int { return cmp.Compare(a.X, b.X) })
			curves = append(curves, c)
		}
		if len(ticks) == 0 {
			continue
		}
		fig.Panels = append(fig.Panels, plot.CurvePanel(plot.Axes{Title: placement, XLabel: "message size",
			YLabel: "bits/s", XLog: true, YLog: true, XTicks: ticks}, curves))
	}
	fig.Legend = meshLegend(sc, colors)
	return fig, nil
}

// maxRateFigure draws the closed-loop maximum request rate per mesh.
func maxRateFigure(sc *scenario) (*plot.Figure, error) {
	return meshBars(sc, metric("max_rps"), ": maximum request rate", "requests/s")
}

// churnFigure draws new connections per second per mesh.
func churnFigure(sc *scenario) (*plot.Figure, error) {
	return meshBars(sc, metric("connections_per_s"), ": new connections per second", "connections/s")
}

// meshBars draws one bar per mesh (in the mesh's colour) for each point, the
// median over repeats with the range of the repeats.
func meshBars(sc *scenario, m sample.Metric, title, unit string) (*plot.Figure, error) {
	if !sc.has(m) {
		return nil, nil
	}
	colors := plot.MeshColors()
	fig := &plot.Figure{Title: sc.Name + title, ShareY: true, Note: leftOut(sc, "Median over repeats; bar: lowest to highest repeat.")}
	for _, k := range sc.Keys {
		b := plot.Bars{Title: k.Label(), YLabel: unit, Format: sample.SI}
		for _, mesh := range sc.Meshes {
			b.Stacks = append(b.Stacks, plot.Stack{Label: mesh, Color: colors.Of(mesh)})
		}
		for _, mesh := range sc.Meshes {
			p := sc.point(k, mesh)
			if p == nil {
				continue
			}
			xs := m.Samples(p)
			if !p.Valid() || len(xs) == 0 {
				if !p.Valid() {
					b.Categories = append(b.Categories, mesh+" (invalid)")
					appendCategory(&b, nil, 0, 0)
				}
				continue
			}
			b.Categories = append(b.Categories, mesh)
			parts := make([]float64, len(sc.Meshes))
			parts[slices.Index(sc.Meshes, mesh)] = stats.Summarize(xs).Median
			appendCategory(&b, parts, slices.Min(xs), slices.Max(xs))
		}
		if len(b.Categories) > 0 {
			fig.Panels = append(fig.Panels, plot.BarsPanel(b))
		}
	}
	return fig, nil
}

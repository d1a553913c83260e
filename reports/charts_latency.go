package reports

import (
	"fmt"
	"slices"

	"github.com/meshbench/meshbench/bench/hist"
	"github.com/meshbench/meshbench/reports/plot"
	"github.com/meshbench/meshbench/reports/sample"
	"github.com/meshbench/meshbench/reports/stats"
)

// spectrumFigure draws one panel per point, one band per valid mesh: the
// line is the merged histogram of all repeats, the shading the range of the
// repeats' own histograms.
func spectrumFigure(sc *scenario) (*plot.Figure, error) {
	ps := plot.SpectrumPercentiles()
	colors := plot.MeshColors()
	fig := &plot.Figure{Title: sc.Name + ": latency by percentile",
		Note: leftOut(sc, "Line: all repeats merged; shading: lowest to highest repeat; corrected for coordinated omission.")}
	used := map[string]bool{}
	for _, k := range sc.Keys {
		var bands []plot.Band
		for _, mesh := range sc.Meshes {
			p := sc.point(k, mesh)
			if p == nil || !p.Valid() {
				continue
			}
			b, err := band(p, ps)
			if err != nil {
				return nil, fmt.Errorf("%s mesh %s: %w", k, mesh, err)
			}
			if b == nil {
				continue
			}
			b.Label, b.Color = mesh, colors.Of(mesh)
			bands, used[mesh] = append(bands, *b), true
		}
		if len(bands) > 0 {
			fig.Panels = append(fig.Panels, plot.SpectrumPanel(k.Label(), bands))
		}
	}
	for _, mesh := range sc.Meshes {
		if used[mesh] {
			fig.Legend = append(fig.Legend, plot.LineKey(mesh, colors.Of(mesh), nil))
		}
	}
	return fig, nil
}

// band samples the point's spectrum at the percentiles ps; nil when the
// point has no histograms.
func band(p *sample.Point, ps []float64) (*plot.Band, error) {
	var reps [][]float64
	var merged []int64
	all := hist.New()
	for _, r := range p.Result.Repeats {
		if r.Histogram == "" {
			continue
		}
		h, err := hist.Decode(r.Histogram)
		if err != nil {
			return nil, fmt.Errorf("repeat %d: %w", r.Index+1, err)
		}
		if h.TotalCount() == 0 {
			continue
		}
		all.Merge(h)
		reps = append(reps, micros(h.ValueAtPercentilesSlice(ps)))
	}
	if len(reps) == 0 {
		return nil, nil
	}
	merged = all.ValueAtPercentilesSlice(ps)
	b := &plot.Band{}
	for i, pc := range ps {
		lo, hi := reps[0][i], reps[0][i]
		for _, r := range reps[1:] {
			lo, hi = min(lo, r[i]), max(hi, r[i])
		}
		b.Points = append(b.Points, plot.BandPoint{X: pc, Y: float64(merged[i]) / 1e3, Lo: lo, Hi: hi})
	}
	return b, nil
}

func micros(ns []int64) []float64 {
	out := make([]float64, len(ns))
	for i, v := range ns {
		out[i] = float64(v) / 1e3
	}
	return out
}

// missedShare is how far below the requested rate a point may fall before it
// counts as not sustained.
const missedShare = 0.95

// loadFigure draws p99 (solid) and p50 (dashed) against the requested rate,
// one panel per placement and size with at least two rates.
func loadFigure(sc *scenario) (*plot.Figure, error) {
	colors := plot.MeshColors()
	fig := &plot.Figure{Title: sc.Name + ": latency vs offered load",
		Note: leftOut(sc, "Median over repeats; bars: lowest to highest repeat.")}
	type group struct {
		placement string
		size      int
	}
	var groups []group
	rates := map[group][]float64{}
	for _, k := range sc.Keys {
		g := group{k.Placement, k.PayloadBytes}
		if k.Rate <= 0 {
			continue
		}
		if _, ok := rates[g]; !ok {
			groups = append(groups, g)
		}
		if !slices.Contains(rates[g], k.Rate) {
			rates[g] = append(rates[g], k.Rate)
		}
	}
	p50, p99 := metric("p50"), metric("p99")
	anyKnee, anyMissed := false, false
	for _, g := range groups {
		rs := slices.Sorted(slices.Values(rates[g]))
		if len(rs) < 2 {
			continue
		}
		var curves []plot.Curve
		for mi, mesh := range sc.Meshes {
			offset := 0.015 * (float64(mi) - float64(len(sc.Meshes)-1)/2)
			var pts []*sample.Point
			for _, r := range rs {
				if p := sc.point(sample.Key{Scenario: sc.Name, Placement: g.placement, PayloadBytes: g.size, Rate: r}, mesh); p != nil && p.Valid() {
					pts = append(pts, p)
				}
			}
			knee := kneeOf(pts)
			for i, m := range []sample.Metric{p99, p50} {
				c := plot.Curve{Label: mesh + " " + m.Name, Color: colors.Of(mesh), Dashes: plot.Dashes(i), Offset: offset}
				for _, p := range pts {
					cp, ok := curvePoint(m, p, p.Rate)
					if ok {
						c.Points = append(c.Points, cp)
						anyMissed = anyMissed || cp.Missed
					}
				}
				if m.Name == "p99" {
					c.Knee, anyKnee = knee, anyKnee || knee > 0
				}
				curves = append(curves, c)
			}
		}
		title := g.placement + " " + sample.Bytes(g.size)
		fig.Panels = append(fig.Panels, plot.CurvePanel(plot.Axes{Title: title, XLabel: "offered load (requests/s)",
			YLabel: "latency", YLatency: true, XFromZero: true}, curves))
	}
	if len(fig.Panels) == 0 {
		return nil, nil
	}
	fig.Legend = meshLegend(sc, colors)
	fig.Legend = append(fig.Legend, plot.LineKey("p99 (solid)", plot.Grey, nil), plot.LineKey("p50 (dashed)", plot.Grey, plot.Dashes(1)))
	if anyMissed {
		fig.Legend = append(fig.Legend, plot.MissedKey())
	}
	if anyKnee {
		fig.Legend = append(fig.Legend, plot.KneeKey())
	}
	return fig, nil
}

// curvePoint is the median of the metric over p's repeats at x, with the
// range of the repeats.
func curvePoint(m sample.Metric, p *sample.Point, x float64) (plot.CurvePoint, bool) {
	xs := m.Samples(p)
	if len(xs) == 0 {
		return plot.CurvePoint{}, false
	}
	s := stats.Summarize(xs)
	return plot.CurvePoint{X: x, Y: s.Median, Lo: slices.Min(xs), Hi: slices.Max(xs), Missed: missed(p)}, true
}

// missed reports whether the point's achieved rate fell short of the rate
// it was asked for.
func missed(p *sample.Point) bool {
	r := p.Result.Rate
	return r.Requested > 0 && r.Achieved < missedShare*r.Requested
}

// kneeOf is the saturation knee of a mesh's points, sorted by rate: the
// knee_rps the run found by search when it has one, otherwise the highest
// rate sustained below the first missed one; 0 when every rate was
// sustained (no knee within the measured range).
func kneeOf(pts []*sample.Point) float64 {
	for _, p := range pts {
		if p.Extra.KneeRPS != nil {
			return *p.Extra.KneeRPS
		}
	}
	for i, p := range pts {
		if missed(p) {
			if i == 0 {
				return 0
			}
			return pts[i-1].Rate
		}
	}
	return 0
}

// meshLegend lists the scenario's meshes with their colours.
func meshLegend(sc *scenario, colors *plot.Colors) []plot.LegendEntry {
	var l []plot.LegendEntry
	for _, m := range sc.Meshes {
		l = append(l, plot.LineKey(m, colors.Of(m), nil))
	}
	return l
}

package plot

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Band is a line with a shaded spread around it: at each point the value
// drawn and the lowest and highest value the repeats had there.
type Band struct {
	Label  string
	Color  color.RGBA
	Dashes []vg.Length
	Points []BandPoint
}

// BandPoint is one position of a Band.
type BandPoint struct{ X, Y, Lo, Hi float64 }

// The spectrum's x axis runs from the median to 99.99%: beyond it a
// benchmark-sized histogram has too few samples to say anything.
const (
	minNines = 0.30103 // 50%
	maxNines = 4       // 99.99%
)

// nines maps a percentile to its "number of nines": 90% -> 1, 99% -> 2,
// 99.9% -> 3. It is the usual x axis of a latency spectrum, which spreads the
// tail out instead of crushing it against the right edge.
func nines(p float64) float64 {
	if p >= 100 {
		return maxNines
	}
	return math.Min(-math.Log10(1-p/100), maxNines)
}

// SpectrumPercentiles are the percentiles a spectrum samples: evenly spaced
// in nines from 50% to 99.99%.
func SpectrumPercentiles() []float64 {
	var ps []float64
	for x := minNines; x < maxNines+1e-9; x += 0.05 {
		ps = append(ps, 100*(1-math.Pow(10, -x)))
	}
	ps[len(ps)-1] = 99.99
	return ps
}

// ninesTicks labels the x axis in percentiles.
type ninesTicks struct{}

func (ninesTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for _, t := range []plot.Tick{{Value: minNines, Label: "p50"}, {Value: 1, Label: "p90"}, {Value: 2, Label: "p99"},
		{Value: 3, Label: "p99.9"}, {Value: 4, Label: "p99.99"}} {
		if t.Value >= lo && t.Value <= hi {
			ts = append(ts, t)
		}
	}
	return ts
}

// SpectrumPanel draws latency (µs, log axis) by percentile (p50 to p99.99,
// tail stretched), one line per band with its spread shaded. Band X values
// are percentiles.
func SpectrumPanel(title string, bands []Band) *plot.Plot {
	p := newPanel(title, "percentile", "latency", true)
	p.X.Tick.Marker = ninesTicks{}
	p.X.Min, p.X.Max = minNines, maxNines
	p.X.Padding = 0
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = latencyTicks{}
	for _, b := range bands {
		var line, upper, lower plotter.XYs
		for _, pt := range b.Points {
			if pt.Y <= 0 || pt.Lo <= 0 || pt.Hi <= 0 {
				continue // no place on a log axis
			}
			x := nines(pt.X)
			line = append(line, plotter.XY{X: x, Y: pt.Y})
			upper = append(upper, plotter.XY{X: x, Y: pt.Hi})
			lower = append(lower, plotter.XY{X: x, Y: pt.Lo})
		}
		if len(line) < 2 {
			continue
		}
		addBand(p, b.Color, upper, lower)
		addLine(p, b.Color, b.Dashes, line)
	}
	niceLogRange(&p.Y)
	return p
}

// addBand shades the area between upper and lower (same X values).
func addBand(p *plot.Plot, c color.RGBA, upper, lower plotter.XYs) {
	ring := append(plotter.XYs{}, upper...)
	for i := len(lower) - 1; i >= 0; i-- {
		ring = append(ring, lower[i])
	}
	poly, err := plotter.NewPolygon(ring)
	if err != nil {
		return // only non-finite values fail, and those were left out
	}
	poly.Color = translucent(c, 0x40)
	poly.LineStyle.Width = 0
	p.Add(poly)
}

func addLine(p *plot.Plot, c color.RGBA, dashes []vg.Length, xys plotter.XYs) {
	l, err := plotter.NewLine(xys)
	if err != nil {
		return
	}
	l.Color, l.Width, l.Dashes = c, vg.Points(1.6), dashes
	p.Add(l)
}

// LineKey is a legend entry for a line of the given colour and dashes.
func LineKey(label string, c color.RGBA, dashes []vg.Length) LegendEntry {
	return LegendEntry{Label: label, Thumb: &plotter.Line{LineStyle: draw.LineStyle{Color: c, Width: vg.Points(1.6), Dashes: dashes}}}
}

// BoxKey is a legend entry for a filled box (a bar or a shaded band).
func BoxKey(label string, c color.Color) LegendEntry {
	return LegendEntry{Label: label, Thumb: boxThumb{c}}
}

type boxThumb struct{ c color.Color }

func (b boxThumb) Thumbnail(c *draw.Canvas) {
	r := c.Rectangle
	r.Min.X += vg.Points(5)
	r.Max.X -= vg.Points(5)
	c.SetColor(b.c)
	c.Fill(r.Path())
}

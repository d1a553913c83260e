package plot

import (
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Stack is one part of stacked bars: its value in each category.
type Stack struct {
	Label  string
	Color  color.Color
	Values []float64 // one per category
}

// Bars describe a panel of stacked bars, one bar per category.
type Bars struct {
	Title, YLabel string
	Categories    []string
	Stacks        []Stack
	// Lo and Hi, when set, give per category the range of the total over
	// repeats, drawn as an error bar on top of the bar.
	Lo, Hi []float64
	// Format writes the total above each bar; nil leaves it off.
	Format func(float64) string
}

// BarsPanel draws stacked bars on a linear axis that starts at zero.
func BarsPanel(b Bars) *plot.Plot {
	p := newPanel(b.Title, "", b.YLabel, false)
	p.Y.Min = 0
	// Bars are centred on their category: keep all of each bar inside.
	p.X.Min, p.X.Max = -0.5, float64(len(b.Categories))-0.5
	p.Y.Tick.Marker = siTicks{}
	p.NominalX(b.Categories...)
	p.X.Tick.Label.Font = font.From(Sans, labelSize)
	width := vg.Points(min(48, 200/float64(max(len(b.Categories), 1))))
	totals := make([]float64, len(b.Categories))
	var below *plotter.BarChart
	for _, s := range b.Stacks {
		vals := make(plotter.Values, len(b.Categories))
		copy(vals, s.Values)
		bar, err := plotter.NewBarChart(vals, width)
		if err != nil {
			continue // negative or non-finite values: nothing sensible to stack
		}
		bar.Color = s.Color
		bar.LineStyle.Width = 0
		if below != nil {
			bar.StackOn(below)
		}
		p.Add(bar)
		below = bar
		for i, v := range vals {
			totals[i] += v
		}
	}
	top := make([]float64, len(totals))
	copy(top, totals)
	if len(b.Lo) == len(totals) && len(b.Hi) == len(totals) {
		var pts errPoints
		for i, t := range totals {
			if b.Hi[i] > 0 {
				pts = append(pts, CurvePoint{X: float64(i), Y: t, Lo: b.Lo[i], Hi: b.Hi[i]})
				top[i] = max(t, b.Hi[i])
			}
		}
		if bars, err := plotter.NewYErrorBars(pts); err == nil && len(pts) > 0 {
			bars.Color, bars.CapWidth = color.Black, vg.Points(6)
			p.Add(bars)
		}
	}
	if b.Format != nil {
		var xys plotter.XYs
		var labels []string
		for i, t := range totals {
			if t > 0 {
				xys, labels = append(xys, plotter.XY{X: float64(i), Y: top[i]}), append(labels, b.Format(t))
			}
		}
		if l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels}); err == nil && len(xys) > 0 {
			for i := range l.TextStyle {
				l.TextStyle[i].Font = font.From(Sans, tickSize)
				l.TextStyle[i].XAlign = draw.XCenter
			}
			l.Offset = vg.Point{Y: vg.Points(3)}
			p.Add(l)
		}
	}
	// Room above the tallest bar for its label.
	p.Y.Max *= 1.12
	return p
}

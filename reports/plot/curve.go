package plot

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Curve is a line through measured points, each with an error bar.
type Curve struct {
	Label  string
	Color  color.RGBA
	Dashes []vg.Length
	Points []CurvePoint
	// Knee is the x of the curve's saturation knee, marked with a diamond
	// and its value; 0 when the curve has none.
	Knee float64
	// Offset shifts the curve sideways by this much of the x axis span
	// (0.01 is 1%), so error bars of curves measured at the same x do not
	// hide each other. Labels keep the true values.
	Offset float64
	knee   float64 // Knee where it is drawn
}

// CurvePoint is one measured point: the value drawn at (X, Y) and the range
// [Lo, Hi] its repeats spanned.
type CurvePoint struct {
	X, Y, Lo, Hi float64
	// Missed draws the point hollow: it did not reach its target (the
	// achieved rate fell short of the requested one).
	Missed bool
}

// Axes describe a curve panel.
type Axes struct {
	Title, XLabel, YLabel string
	XLog, YLog            bool
	XTicks                []Tick // fixed x ticks; nil for automatic ones
	// YLatency labels y values as latencies in µs.
	YLatency bool
	// XFromZero starts a linear x axis at zero.
	XFromZero bool
}

// errPoints gives a curve's points to gonum's error bars.
type errPoints []CurvePoint

func (e errPoints) Len() int                    { return len(e) }
func (e errPoints) XY(i int) (float64, float64) { return e[i].X, e[i].Y }
func (e errPoints) YError(i int) (float64, float64) {
	return e[i].Y - e[i].Lo, e[i].Hi - e[i].Y
}

// CurvePanel draws the curves with their error bars, hollow markers for
// missed points and a diamond at each knee.
func CurvePanel(a Axes, curves []Curve) *plot.Plot {
	p := newPanel(a.Title, a.XLabel, a.YLabel, true)
	switch {
	case a.XTicks != nil:
		p.X.Tick.Marker = fixedTicks(a.XTicks)
	case a.XLog:
		p.X.Tick.Marker = siLogTicks{}
	default:
		p.X.Tick.Marker = siTicks{}
	}
	if a.XLog {
		p.X.Scale = plot.LogScale{}
	} else if a.XFromZero {
		p.X.Min = 0
	}
	switch {
	case a.YLatency:
		p.Y.Tick.Marker = latencyTicks{}
	case a.YLog:
		p.Y.Tick.Marker = siLogTicks{}
	default:
		p.Y.Tick.Marker = siTicks{}
		p.Y.Min = 0
	}
	if a.YLog || a.YLatency {
		p.Y.Scale = plot.LogScale{}
	}
	span := xSpan(curves)
	for _, c := range curves {
		var pts errPoints
		for _, pt := range c.Points {
			if (a.YLog || a.YLatency) && (pt.Y <= 0 || pt.Lo <= 0) || a.XLog && pt.X <= 0 {
				continue
			}
			if !a.XLog {
				pt.X += c.Offset * span
			}
			pts = append(pts, pt)
		}
		if !a.XLog && c.Knee > 0 {
			c.knee = c.Knee + c.Offset*span
		} else {
			c.knee = c.Knee
		}
		if len(pts) == 0 {
			continue
		}
		xys := plotter.XYs{}
		for _, pt := range pts {
			xys = append(xys, plotter.XY{X: pt.X, Y: pt.Y})
		}
		if len(xys) > 1 {
			addLine(p, c.Color, c.Dashes, xys)
		}
		if bars, err := plotter.NewYErrorBars(pts); err == nil {
			bars.Color, bars.Width, bars.CapWidth = c.Color, vg.Points(1), vg.Points(5)
			p.Add(bars)
		}
		addMarkers(p, c, pts)
	}
	if a.YLog || a.YLatency {
		niceLogRange(&p.Y)
	}
	return p
}

// addMarkers draws a dot per point (a ring where the point was missed) and
// a labelled diamond at the knee.
func addMarkers(p *plot.Plot, c Curve, pts errPoints) {
	for _, missed := range []bool{false, true} {
		var xys plotter.XYs
		for _, pt := range pts {
			if pt.Missed == missed {
				xys = append(xys, plotter.XY{X: pt.X, Y: pt.Y})
			}
		}
		if len(xys) == 0 {
			continue
		}
		s, err := plotter.NewScatter(xys)
		if err != nil {
			continue
		}
		s.GlyphStyle = draw.GlyphStyle{Color: c.Color, Radius: vg.Points(2.8), Shape: draw.CircleGlyph{}}
		if missed {
			s.GlyphStyle = draw.GlyphStyle{Color: c.Color, Radius: vg.Points(3.5), Shape: draw.RingGlyph{}}
		}
		p.Add(s)
	}
	if c.knee <= 0 {
		return
	}
	y := kneeY(pts, c.knee)
	if y <= 0 {
		return // knee outside the measured points: nothing to anchor it to
	}
	knee := plotter.XYs{{X: c.knee, Y: y}}
	if s, err := plotter.NewScatter(knee); err == nil {
		s.GlyphStyle = draw.GlyphStyle{Color: c.Color, Radius: vg.Points(7), Shape: diamond{}}
		p.Add(s)
	}
	if l, err := plotter.NewLabels(plotter.XYLabels{XYs: knee, Labels: []string{"knee " + SILabel(c.Knee) + "/s"}}); err == nil {
		l.TextStyle[0].Font = font.From(Sans, tickSize)
		l.TextStyle[0].Color = c.Color
		l.Offset = vg.Point{X: vg.Points(8), Y: vg.Points(-10)}
		p.Add(l)
	}
}

// diamond is an outlined diamond glyph.
type diamond struct{}

func (diamond) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	r := sty.Radius
	var path vg.Path
	path.Move(vg.Point{X: pt.X, Y: pt.Y + r})
	path.Line(vg.Point{X: pt.X + r, Y: pt.Y})
	path.Line(vg.Point{X: pt.X, Y: pt.Y - r})
	path.Line(vg.Point{X: pt.X - r, Y: pt.Y})
	path.Close()
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(1.5)})
	c.Stroke(path)
}

// KneeKey is the legend entry explaining the knee diamond.
func KneeKey() LegendEntry {
	return LegendEntry{Label: "saturation knee", Thumb: glyphThumb{draw.GlyphStyle{Color: rgb(0x3b, 0x3b, 0x3b), Radius: vg.Points(5), Shape: diamond{}}}}
}

// MissedKey is the legend entry explaining hollow markers.
func MissedKey() LegendEntry {
	return LegendEntry{Label: "missed its rate", Thumb: glyphThumb{draw.GlyphStyle{Color: rgb(0x3b, 0x3b, 0x3b), Radius: vg.Points(3.5), Shape: draw.RingGlyph{}}}}
}

type glyphThumb struct{ sty draw.GlyphStyle }

func (g glyphThumb) Thumbnail(c *draw.Canvas) { c.DrawGlyph(g.sty, c.Center()) }

// kneeY is the curve's value at x: the measured one, or interpolated
// between the measured points either side; 0 outside them.
func kneeY(pts errPoints, x float64) float64 {
	for i, pt := range pts {
		switch {
		case pt.X == x:
			return pt.Y
		case i > 0 && pts[i-1].X < x && x < pt.X:
			a := pts[i-1]
			return a.Y + (pt.Y-a.Y)*(x-a.X)/(pt.X-a.X)
		}
	}
	return 0
}

// xSpan is what offsets scale with: the largest x of all curves (the axes
// of offset curves start at zero), at least 1.
func xSpan(curves []Curve) float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range curves {
		for _, p := range c.Points {
			lo, hi = math.Min(lo, p.X), math.Max(hi, p.X)
		}
	}
	if hi <= lo {
		return math.Max(hi, 1)
	}
	return hi
}

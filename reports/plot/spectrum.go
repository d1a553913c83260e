// Package plot draws meshbench's charts with gonum.org/v1/plot. Output is
// deterministic: the same input always gives byte-identical files (fixed
// fonts, fixed palette, series drawn in the order given).
package plot

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Point is one (percentile, latency) pair: Percentile in [0, 100), latency in
// microseconds.
type Point struct {
	Percentile float64
	LatencyUS  float64
}

// Series is one line of a chart.
type Series struct {
	Label  string
	Points []Point
}

// palette is fixed so colours never depend on map order or run.
var palette = []color.RGBA{
	{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, // blue
	{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, // red
	{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, // green
	{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}, // orange
	{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, // purple
	{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff}, // brown
	{R: 0x17, G: 0xbe, B: 0xcf, A: 0xff}, // cyan
	{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff}, // grey
}

// maxNines caps the x axis at 99.99%: beyond it a benchmark-sized histogram
// has too few samples to say anything, and the 100th percentile (the max)
// would otherwise be drawn as a misleading flat line to the right edge.
const maxNines = 4

// nines maps a percentile to its "number of nines": 90% -> 1, 99% -> 2,
// 99.9% -> 3. It is the usual x axis of a latency spectrum, which spreads the
// tail out instead of crushing it against the right edge.
func nines(p float64) float64 {
	if p >= 100 {
		return maxNines
	}
	return math.Min(-math.Log10(1-p/100), maxNines)
}

// ninesTicks labels the x axis in percentiles.
type ninesTicks struct{}

func (ninesTicks) Ticks(lo, hi float64) []plot.Tick {
	labels := []string{"", "90%", "99%", "99.9%", "99.99%"}
	var ts []plot.Tick
	for i, l := range labels {
		if v := float64(i); v >= lo && v <= hi {
			ts = append(ts, plot.Tick{Value: v, Label: l})
		}
	}
	if lo <= 0.30103 && hi >= 0.30103 {
		ts = append(ts, plot.Tick{Value: 0.30103, Label: "50%"})
	}
	return ts
}

// Spectrum draws latency against percentile, one line per series, and writes
// it to dir/name.png and dir/name.svg. It returns the paths written.
func Spectrum(dir, name, title string, series []Series) ([]string, error) {
	if len(series) == 0 {
		return nil, fmt.Errorf("spectrum %s: no series to plot", name)
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "percentile (tail stretched: 90%, 99%, 99.9% equally spaced)"
	p.Y.Label.Text = "latency (µs)"
	p.X.Tick.Marker = ninesTicks{}
	p.X.Min = 0
	p.X.Max = maxNines + 0.1 // room for the last tick label
	// Latency tails span orders of magnitude: a log axis keeps the median
	// readable next to a tail a hundred times longer.
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = latencyTicks{}
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	for i, s := range series {
		xy := make(plotter.XYs, 0, len(s.Points))
		for _, pt := range s.Points {
			if pt.LatencyUS <= 0 {
				continue // no place on a log axis; histograms start at 1 µs
			}
			if nines(pt.Percentile) >= maxNines && len(xy) > 0 && xy[len(xy)-1].X >= maxNines {
				continue // everything past the cap collapses onto one point
			}
			xy = append(xy, plotter.XY{X: nines(pt.Percentile), Y: pt.LatencyUS})
		}
		line, err := plotter.NewLine(xy)
		if err != nil {
			return nil, fmt.Errorf("spectrum %s: series %q: %w", name, s.Label, err)
		}
		line.Color = palette[i%len(palette)]
		line.Width = vg.Points(1.5)
		line.Dashes = dashes(i / len(palette))
		p.Add(line)
		p.Legend.Add(s.Label, line)
	}
	return save(p, dir, name)
}

// dashes varies the line style once the palette repeats.
func dashes(round int) []vg.Length {
	if round == 0 {
		return nil
	}
	return []vg.Length{vg.Points(float64(2 + 2*round)), vg.Points(2)}
}

// save writes the plot as PNG and SVG.
func save(p *plot.Plot, dir, name string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create plot directory: %w", err)
	}
	var paths []string
	for _, ext := range []string{"png", "svg"} {
		path := filepath.Join(dir, name+"."+ext)
		if err := p.Save(7*vg.Inch, 4.5*vg.Inch, path); err != nil {
			return paths, fmt.Errorf("save %s: %w", path, err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// latencyTicks labels a logarithmic latency axis at 1-2-5 steps in µs or ms.
type latencyTicks struct{}

func (latencyTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for decade := math.Pow(10, math.Floor(math.Log10(math.Max(lo, 1e-3)))); decade <= hi; decade *= 10 {
		for _, m := range []float64{1, 2, 5} {
			v := decade * m
			if v < lo || v > hi {
				continue
			}
			ts = append(ts, plot.Tick{Value: v, Label: usLabel(v)})
		}
	}
	return ts
}

// usLabel writes a latency in µs as "50µs", "2ms" or "1.5s".
func usLabel(us float64) string {
	switch {
	case us >= 1e6:
		return strconv.FormatFloat(us/1e6, 'g', 3, 64) + "s"
	case us >= 1e3:
		return strconv.FormatFloat(us/1e3, 'g', 3, 64) + "ms"
	default:
		return strconv.FormatFloat(us, 'g', 3, 64) + "µs"
	}
}

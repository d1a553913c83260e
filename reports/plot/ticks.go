package plot

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// Tick is a labelled axis position a caller chooses (message sizes, say).
type Tick struct {
	Value float64
	Label string
}

// fixedTicks marks exactly the given positions.
type fixedTicks []Tick

func (f fixedTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for _, t := range f {
		if t.Value >= lo && t.Value <= hi {
			ts = append(ts, plot.Tick{Value: t.Value, Label: t.Label})
		}
	}
	return ts
}

// latencyTicks labels a logarithmic latency axis (values in µs) at 1-2-5
// steps, or finer steps when the range spans less than a decade.
type latencyTicks struct{}

func (latencyTicks) Ticks(lo, hi float64) []plot.Tick {
	return logTicks(lo, hi, USLabel)
}

// siLogTicks labels a logarithmic axis with SI prefixes (1k, 2k, 5k).
type siLogTicks struct{}

func (siLogTicks) Ticks(lo, hi float64) []plot.Tick { return logTicks(lo, hi, SILabel) }

func logTicks(lo, hi float64, label func(float64) string) []plot.Tick {
	choices := [][]float64{{1, 2, 5}, {1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9}}
	if lo > 0 && math.Log10(hi/lo) > 2.5 {
		// Many decades: one label per decade keeps them apart.
		choices = append([][]float64{{1}}, choices...)
	}
	for _, steps := range choices {
		var ts []plot.Tick
		for decade := math.Pow(10, math.Floor(math.Log10(math.Max(lo, 1e-9)))); decade <= hi; decade *= 10 {
			for _, m := range steps {
				if v := decade * m; v >= lo*(1-1e-9) && v <= hi*(1+1e-9) {
					ts = append(ts, plot.Tick{Value: v, Label: label(v)})
				}
			}
		}
		if len(ts) >= 2 {
			return ts
		}
	}
	// Less than a few steps apart: label both ends.
	return []plot.Tick{{Value: lo, Label: label(lo)}, {Value: hi, Label: label(hi)}}
}

// siTicks labels a linear axis with SI prefixes, keeping gonum's choice of
// positions.
type siTicks struct{}

func (siTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = SILabel(ts[i].Value)
		}
	}
	return ts
}

// USLabel writes a latency in µs as "50µs", "2ms" or "1.5s".
func USLabel(us float64) string {
	switch {
	case us >= 1e6:
		return strconv.FormatFloat(us/1e6, 'g', 3, 64) + "s"
	case us >= 1e3:
		return strconv.FormatFloat(us/1e3, 'g', 3, 64) + "ms"
	default:
		return strconv.FormatFloat(us, 'g', 3, 64) + "µs"
	}
}

// SILabel writes a number with an SI prefix: 500, 1.5k, 20M, 9.4G.
func SILabel(v float64) string {
	for _, p := range []struct {
		scale float64
		sym   string
	}{{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if math.Abs(v) >= p.scale {
			return strconv.FormatFloat(v/p.scale, 'g', 3, 64) + p.sym
		}
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// niceLogRange widens a logarithmic axis to the 1-2-5 steps around its data,
// so both ends carry a label.
func niceLogRange(ax *plot.Axis) {
	if ax.Min <= 0 || ax.Max <= ax.Min {
		return
	}
	ax.Min, ax.Max = step125(ax.Min, false), step125(ax.Max, true)
}

// step125 rounds v down (or up) to the nearest 1, 2 or 5 times a power of
// ten.
func step125(v float64, up bool) float64 {
	decade := math.Pow(10, math.Floor(math.Log10(v)))
	steps := []float64{1, 2, 5, 10}
	if up {
		for _, m := range steps {
			if decade*m >= v*(1-1e-9) {
				return decade * m
			}
		}
	}
	for i := len(steps) - 1; i >= 0; i-- {
		if decade*steps[i] <= v*(1+1e-9) {
			return decade * steps[i]
		}
	}
	return v
}

package sample

import (
	"math"
	"strconv"

	"github.com/meshbench/meshbench/bench/results"
)

// Metric is one number measured per repeat that reports tabulate and gates
// check.
type Metric struct {
	// Name is how gate files, compare output and exports name the metric.
	Name string
	// Title is how a report heads its table.
	Title string
	// Unit is the unit of the values for table headers; "" when Format
	// writes it with each value.
	Unit string
	// HigherIsBetter says which direction is an improvement.
	HigherIsBetter bool
	// InReport is false for metrics that compare and gates check but a
	// report does not tabulate: p90 (p50 and p99 bracket it) and the
	// achieved open-loop rate, which matches the requested rate unless a
	// warning says otherwise.
	InReport bool
	// Format writes one value compactly with its unit where that reads
	// better ("184.8µs") or without it ("4.000k").
	Format func(float64) string
	repeat func(r *results.Repeat, o Optional) (float64, bool)
	result func(p *Point) (float64, bool)
}

// Metrics lists every metric in the order reports and compare show them.
var Metrics = []Metric{
	latency("p50", "p50 latency", true, func(l results.Percentiles) float64 { return l.P50 }),
	latency("p90", "p90 latency", false, func(l results.Percentiles) float64 { return l.P90 }),
	latency("p99", "p99 latency", true, func(l results.Percentiles) float64 { return l.P99 }),
	latency("p999", "p99.9 latency", true, func(l results.Percentiles) float64 { return l.P999 }),
	{Name: "rate", Title: "achieved rate", Unit: "req/s", HigherIsBetter: true, Format: SI,
		repeat: func(r *results.Repeat, _ Optional) (float64, bool) { return r.Rate.Achieved, r.Rate.Requested > 0 }},
	optional("max_rps", "max request rate", "req/s", func(o Optional) *float64 { return o.MaxRPS }),
	optional("throughput", "stream throughput", "bit/s", func(o Optional) *float64 { return o.BitsPerS }),
	optional("connections_per_s", "new connections", "conn/s", func(o Optional) *float64 { return o.ConnectionsPerS }),
	{Name: "cpu_per_krps", Title: "CPU per 1k req/s", Unit: "cores", InReport: true, Format: Fixed,
		repeat: func(r *results.Repeat, _ Optional) (float64, bool) { return r.CPU.CoresPerKRPS, r.CPU.CoresPerKRPS > 0 }},
}

func latency(name, title string, inReport bool, get func(results.Percentiles) float64) Metric {
	return Metric{Name: name, Title: title, InReport: inReport, Format: Micros,
		repeat: func(r *results.Repeat, _ Optional) (float64, bool) { v := get(r.LatencyUS); return v, v > 0 },
	}
}

func optional(name, title, unit string, get func(Optional) *float64) Metric {
	return Metric{Name: name, Title: title, Unit: unit, HigherIsBetter: true, InReport: true, Format: SI,
		repeat: func(_ *results.Repeat, o Optional) (float64, bool) {
			if v := get(o); v != nil {
				return *v, true
			}
			return 0, false
		},
		result: func(p *Point) (float64, bool) {
			if v := get(p.Extra.Optional); v != nil {
				return *v, true
			}
			return 0, false
		},
	}
}

// MetricByName finds a metric.
func MetricByName(name string) (Metric, bool) {
	for _, m := range Metrics {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

// Names lists every metric name.
func Names() []string {
	var ns []string
	for _, m := range Metrics {
		ns = append(ns, m.Name)
	}
	return ns
}

// Samples returns the metric's value in each repeat of p that has one. When
// no repeat has it but the result does (an optional field stored only per
// result), that single value is the sample.
func (m Metric) Samples(p *Point) []float64 {
	var xs []float64
	for i := range p.Result.Repeats {
		var o Optional
		if i < len(p.Extra.Repeats) {
			o = p.Extra.Repeats[i]
		}
		if v, ok := m.repeat(&p.Result.Repeats[i], o); ok && !math.IsNaN(v) && !math.IsInf(v, 0) {
			xs = append(xs, v)
		}
	}
	if len(xs) == 0 && m.result != nil {
		if v, ok := m.result(p); ok {
			xs = append(xs, v)
		}
	}
	return xs
}

// Micros writes a latency given in µs with 4 significant digits: 184.8µs,
// 1.017ms, 2.500s.
func Micros(us float64) string {
	switch a := math.Abs(us) / roundsUp; {
	case a >= 1e6:
		return sig4(us/1e6) + "s"
	case a >= 1e3:
		return sig4(us/1e3) + "ms"
	default:
		return sig4(us) + "µs"
	}
}

// SI writes a value with 4 significant digits and an SI prefix: 500.0,
// 4.000k, 9.412G.
func SI(v float64) string {
	for _, p := range []struct {
		scale float64
		sym   string
	}{{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if math.Abs(v)/roundsUp >= p.scale {
			return sig4(v/p.scale) + p.sym
		}
	}
	return sig4(v)
}

// roundsUp moves values that round to the next prefix (999.96 -> 1000)
// onto it, so they print as 1.000k rather than 1000.
const roundsUp = 0.99995

// Fixed writes a value with 4 significant digits and no prefix: 2.116, 0.4210.
func Fixed(v float64) string { return sig4(v) }

// sig4 writes v with 4 significant digits, keeping trailing zeros so
// columns line up (1.000, 12.50, 184.8, 1234).
func sig4(v float64) string {
	if v == 0 {
		return "0.000"
	}
	digits := 3 - int(math.Floor(math.Log10(math.Abs(v))))
	if digits < 0 {
		digits = 0
	}
	s := strconv.FormatFloat(v, 'f', digits, 64)
	// Rounding can add a digit (999.96 -> "1000.0"): drop the extra one.
	if r, _ := strconv.ParseFloat(s, 64); digits > 0 && math.Abs(r) >= math.Pow(10, float64(4-digits)) {
		s = strconv.FormatFloat(v, 'f', digits-1, 64)
	}
	return s
}

package hist

import "github.com/HdrHistogram/hdrhistogram-go"

// Summary is the percentile digest reports show, in microseconds.
type Summary struct {
	Count int64   `json:"count"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	P9999 float64 `json:"p9999"`
	Max   float64 `json:"max"`
}

// Percentiles summarises h, which records nanoseconds, in microseconds. An
// empty or nil histogram gives the zero Summary.
func Percentiles(h *hdrhistogram.Histogram) Summary {
	if h == nil || h.TotalCount() == 0 {
		return Summary{}
	}
	v := h.ValueAtPercentilesSlice([]float64{50, 90, 99, 99.9, 99.99})
	return Summary{
		Count: h.TotalCount(),
		Mean:  h.Mean() / 1e3,
		P50:   us(v[0]),
		P90:   us(v[1]),
		P99:   us(v[2]),
		P999:  us(v[3]),
		P9999: us(v[4]),
		Max:   us(h.Max()),
	}
}

// Point is one point of a percentile spectrum.
type Point struct {
	Percentile float64 `json:"percentile"` // 0..100
	Value      float64 `json:"value_us"`
}

// Spectrum returns the percentile spectrum of h (the classic HdrHistogram
// percentile distribution, denser towards the tail: five points per halving
// of the remaining percentage), values in microseconds, ending at the 100th
// percentile. It is what a latency-by-percentile plot draws. An empty or nil
// histogram gives nil.
func Spectrum(h *hdrhistogram.Histogram) []Point {
	if h == nil || h.TotalCount() == 0 {
		return nil
	}
	brackets := h.CumulativeDistributionWithTicks(5)
	points := make([]Point, 0, len(brackets))
	for _, b := range brackets {
		points = append(points, Point{Percentile: b.Quantile, Value: us(b.ValueAt)})
	}
	return points
}

func us(ns int64) float64 { return float64(ns) / 1e3 }

// Package hist holds meshbench's conventions for latency histograms: one fixed
// range and precision for every histogram, so any two can be merged without
// loss, the standard compressed HdrHistogram string for storage, and
// percentiles in microseconds for reports.
package hist

import (
	"fmt"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Every histogram records nanoseconds from Lowest to Highest with SigFigs
// significant digits (0.1% relative error).
const (
	Lowest  int64 = 1_000           // 1µs
	Highest int64 = 100_000_000_000 // 100s
	SigFigs       = 3
)

// New returns an empty dense histogram with the standard range.
func New() *hdrhistogram.Histogram {
	return hdrhistogram.New(Lowest, Highest, SigFigs)
}

// NewPacked returns an empty sparse histogram with the standard range. It is
// the cheap choice when many histograms are kept at once (one per load
// generator connection); it merges into a New histogram with MergeInto.
func NewPacked() *hdrhistogram.PackedHistogram {
	return hdrhistogram.NewPacked(Lowest, Highest, SigFigs)
}

// Clamp bounds a nanosecond value to what a standard histogram records:
// negative values become 0 and values beyond Highest saturate at Highest, so
// recording a clamped value never fails.
func Clamp(ns int64) int64 {
	return min(max(ns, 0), Highest)
}

// Encode returns h as the compressed, base64 HdrHistogram V2 string that the
// HdrHistogram tools of every language read.
func Encode(h *hdrhistogram.Histogram) (string, error) {
	b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("encode histogram: %w", err)
	}
	return string(b), nil
}

// Decode parses a string written by Encode (or by any HdrHistogram V2
// compressed encoder).
func Decode(s string) (*hdrhistogram.Histogram, error) {
	h, err := hdrhistogram.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("decode histogram: %w", err)
	}
	return h, nil
}

// Merge returns a new standard histogram holding every value of a and of each
// of rest; the inputs are not modified and nil inputs are skipped. Values
// outside the standard range (possible only for histograms not made by New)
// are clamped, never dropped, so counts always add up.
func Merge(a *hdrhistogram.Histogram, rest ...*hdrhistogram.Histogram) *hdrhistogram.Histogram {
	dst := New()
	for _, src := range append([]*hdrhistogram.Histogram{a}, rest...) {
		if src == nil || src.TotalCount() == 0 {
			continue
		}
		for _, bar := range src.Distribution() {
			if bar.Count == 0 {
				continue
			}
			// The bar's lowest value falls in the same bucket in dst when
			// the geometries match, and clamping keeps it recordable when
			// they do not, so this cannot fail.
			_ = dst.RecordValues(Clamp(bar.From), bar.Count)
		}
	}
	return dst
}

package hist

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// sample records n pseudo-random latencies, log-uniform between 5µs and
// 50ms, into each of hs.
func sample(seed uint64, n int, hs ...*hdrhistogram.Histogram) error {
	r := rand.New(rand.NewPCG(seed, 1))
	for range n {
		v := int64(5_000 * math.Pow(2, r.Float64()*13)) // 5µs .. ~41ms
		for _, h := range hs {
			if err := h.RecordValue(v); err != nil {
				return err
			}
		}
	}
	return nil
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	h := New()
	if err := sample(1, 10_000, h); err != nil {
		t.Fatal(err)
	}
	s, err := Encode(h)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(s)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equals(h) {
		t.Fatalf("decoded histogram differs: %+v vs %+v", Percentiles(got), Percentiles(h))
	}
	if Percentiles(got) != Percentiles(h) {
		t.Fatalf("percentiles differ: %+v vs %+v", Percentiles(got), Percentiles(h))
	}
}

func TestDecodeRejectsGarbage(t *testing.T) {
	for _, s := range []string{"", "not base64!", "aGVsbG8gd29ybGQ="} {
		if _, err := Decode(s); err == nil {
			t.Errorf("Decode(%q) succeeded, want an error", s)
		}
	}
}

func TestMergeEqualsRecordedTogether(t *testing.T) {
	a, b, c, all := New(), New(), New(), New()
	for i, h := range []*hdrhistogram.Histogram{a, b, c} {
		if err := sample(uint64(i+10), 3_000*(i+1), h, all); err != nil {
			t.Fatal(err)
		}
	}
	m := Merge(a, b, nil, c)
	if got, want := m.TotalCount(), a.TotalCount()+b.TotalCount()+c.TotalCount(); got != want {
		t.Fatalf("merged count %d, want %d", got, want)
	}
	if Percentiles(m) != Percentiles(all) {
		t.Fatalf("merged percentiles %+v, recorded together %+v", Percentiles(m), Percentiles(all))
	}
	if !m.Equals(all) {
		t.Fatal("merged histogram differs from the one recorded together")
	}
	if a.TotalCount() != 3_000 {
		t.Fatalf("Merge modified its input: count %d", a.TotalCount())
	}
}

func TestMergeClampsForeignRange(t *testing.T) {
	if n := Merge(New()).TotalCount(); n != 0 {
		t.Fatalf("merge of an empty histogram has %d values", n)
	}
	// A histogram with a wider range than the standard one: its values past
	// 100s are clamped, not dropped.
	foreign := hdrhistogram.New(1, 1_000_000_000_000, 3)
	for _, v := range []int64{10, 2_000, 500 * 1e9} {
		if err := foreign.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	m := Merge(nil, foreign)
	if m.TotalCount() != 3 {
		t.Fatalf("merged count %d, want 3", m.TotalCount())
	}
	if !m.ValuesAreEquivalent(m.Max(), Highest) {
		t.Fatalf("max %d, want clamped to %d", m.Max(), Highest)
	}
}

func TestPercentilesOrderedAndInMicroseconds(t *testing.T) {
	h := New()
	for v := int64(1); v <= 10_000; v++ {
		if err := h.RecordValue(v * 1_000); err != nil { // 1µs..10ms
			t.Fatal(err)
		}
	}
	p := Percentiles(h)
	if p.Count != 10_000 {
		t.Fatalf("count %d", p.Count)
	}
	near := func(name string, got, want float64) {
		t.Helper()
		if got < want*0.99 || got > want*1.01 {
			t.Errorf("%s = %.1fµs, want about %.1fµs", name, got, want)
		}
	}
	near("p50", p.P50, 5_000)
	near("p90", p.P90, 9_000)
	near("p99", p.P99, 9_900)
	near("p99.9", p.P999, 9_990)
	near("max", p.Max, 10_000)
	if !(p.P50 <= p.P90 && p.P90 <= p.P99 && p.P99 <= p.P999 && p.P999 <= p.P9999 && p.P9999 <= p.Max) {
		t.Errorf("percentiles not ordered: %+v", p)
	}
	if (Percentiles(nil) != Summary{}) || (Percentiles(New()) != Summary{}) {
		t.Error("empty histogram should give the zero Summary")
	}
}

func TestSpectrum(t *testing.T) {
	h := New()
	if err := sample(3, 5_000, h); err != nil {
		t.Fatal(err)
	}
	pts := Spectrum(h)
	if len(pts) < 20 {
		t.Fatalf("only %d points", len(pts))
	}
	for i := 1; i < len(pts); i++ {
		if pts[i].Percentile < pts[i-1].Percentile || pts[i].Value < pts[i-1].Value {
			t.Fatalf("spectrum not monotonic at %d: %+v then %+v", i, pts[i-1], pts[i])
		}
	}
	last := pts[len(pts)-1]
	if last.Percentile != 100 || last.Value != Percentiles(h).Max {
		t.Fatalf("last point %+v, want 100th percentile at max %.1f", last, Percentiles(h).Max)
	}
	if Spectrum(New()) != nil {
		t.Fatal("spectrum of empty histogram should be nil")
	}
}

func TestClamp(t *testing.T) {
	for _, c := range []struct{ in, want int64 }{{-5, 0}, {0, 0}, {42, 42}, {Highest + 1, Highest}} {
		if got := Clamp(c.in); got != c.want {
			t.Errorf("Clamp(%d) = %d, want %d", c.in, got, c.want)
		}
	}
}

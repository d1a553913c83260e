package stats

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestMannWhitneyKnownValues(t *testing.T) {
	tests := []struct {
		name  string
		x, y  []float64
		u, p  float64
		exact bool
	}{
		// Complete separation, 5 vs 5: 2 of the C(10,5)=252 orderings are as
		// extreme, the smallest p five repeats can give.
		{"separated 5v5", []float64{1, 2, 3, 4, 5}, []float64{6, 7, 8, 9, 10}, 0, 2.0 / 252, true},
		// R's ?wilcox.test example: W = 35, one-sided p = 0.1272.
		{"R wilcox.test example", []float64{0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46},
			[]float64{1.15, 0.88, 0.90, 0.74, 1.21}, 35, 2 * 0.1272, true},
		// Identical samples: nothing to see.
		{"identical", []float64{3, 1, 2}, []float64{1, 2, 3}, 4.5, 1, true},
		{"all equal", []float64{7, 7, 7}, []float64{7, 7}, 3, 1, true},
		// Two repeats a side can never be significant: p >= 1/3.
		{"2v2 separated", []float64{1, 2}, []float64{3, 4}, 0, 2.0 / 6, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MannWhitney(tt.x, tt.y)
			if err != nil {
				t.Fatal(err)
			}
			if got.U != tt.u || !near(got.P, tt.p, 5e-4) || got.Exact != tt.exact {
				t.Errorf("got U=%v p=%.5f exact=%v, want U=%v p=%.5f exact=%v", got.U, got.P, got.Exact, tt.u, tt.p, tt.exact)
			}
		})
	}
}

// TestMannWhitneyMatchesEnumeration checks the exact p-value, ties included,
// against a brute-force permutation test over every split of the pool.
func TestMannWhitneyMatchesEnumeration(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		n1, n2 := 1+r.IntN(6), 1+r.IntN(6)
		x, y := make([]float64, n1), make([]float64, n2)
		for i := range x {
			x[i] = float64(r.IntN(6)) // small range: many ties
		}
		for i := range y {
			y[i] = float64(r.IntN(6) + r.IntN(2))
		}
		got, err := MannWhitney(x, y)
		if err != nil {
			t.Fatal(err)
		}
		if want := bruteP(x, y); !near(got.P, want, 1e-9) {
			t.Fatalf("x=%v y=%v: p=%v, enumeration says %v", x, y, got.P, want)
		}
	}
}

// bruteP enumerates every way to split the pool into groups of len(x) and
// len(y) and counts those whose U is at least as far from its mean.
func bruteP(x, y []float64) float64 {
	pool := append(append([]float64{}, x...), y...)
	n1, n := len(x), len(pool)
	u := func(a, b []float64) float64 {
		s := 0.0
		for _, p := range a {
			for _, q := range b {
				switch {
				case p > q:
					s++
				case p == q:
					s += 0.5
				}
			}
		}
		return s
	}
	mu := float64(n1*(n-n1)) / 2
	obs := math.Abs(u(x, y) - mu)
	var extreme, all float64
	for mask := 0; mask < 1<<n; mask++ {
		var a, b []float64
		for i := 0; i < n; i++ {
			if mask&(1<<i) != 0 {
				a = append(a, pool[i])
			} else {
				b = append(b, pool[i])
			}
		}
		if len(a) != n1 {
			continue
		}
		all++
		if math.Abs(u(a, b)-mu) >= obs-1e-9 {
			extreme++
		}
	}
	return extreme / all
}

// TestMannWhitneyLargeSamples: past the exact limit the normal approximation
// takes over and agrees with the exact answer to within a small error.
func TestMannWhitneyLargeSamples(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	x, y := make([]float64, 31), make([]float64, 31)
	for i := range x {
		x[i] = r.NormFloat64()
		y[i] = r.NormFloat64() + 0.4
	}
	got, err := MannWhitney(x, y)
	if err != nil {
		t.Fatal(err)
	}
	if got.Exact {
		t.Fatal("62 values should use the normal approximation")
	}
	ranks, _ := doubledRanks(x, y)
	rx := 0
	for _, v := range ranks[:len(x)] {
		rx += v
	}
	if exact := exactP(ranks, len(x), rx); !near(got.P, exact, 0.01) {
		t.Errorf("normal approximation p=%.4f, exact p=%.4f", got.P, exact)
	}
	if _, err := MannWhitney(nil, x); err == nil {
		t.Error("no error for an empty sample")
	}
}

func TestMinSamples(t *testing.T) {
	// benchstat's own thresholds: 6 for a 95% interval, 4 to detect a
	// difference at 0.05.
	if got := MinSamplesForCI(); got != 6 {
		t.Errorf("MinSamplesForCI = %d, want 6", got)
	}
	if got := MinSamplesToDetect(); got != 4 {
		t.Errorf("MinSamplesToDetect = %d, want 4", got)
	}
	if p := MinP(2, 2); !near(p, 1.0/3, 1e-12) {
		t.Errorf("MinP(2,2) = %v, want 1/3", p)
	}
}

func TestSummarize(t *testing.T) {
	ten := []float64{10, 1, 9, 2, 8, 3, 7, 4, 6, 5}
	s := Summarize(ten)
	// n=10: [x(2), x(9)] covers the median with 1-2·11/1024 = 97.9%; the
	// next narrower interval only 89.1%.
	if s.Median != 5.5 || s.Lo != 2 || s.Hi != 9 || !near(s.Level, 1-22.0/1024, 1e-12) || !s.Exact() || s.Note() != "" {
		t.Errorf("n=10: %+v", s)
	}
	if got := s.Spread(); !near(got, 3.5/5.5, 1e-12) {
		t.Errorf("spread = %v", got)
	}
	five := Summarize([]float64{5, 4, 3, 2, 1})
	if five.Lo != 1 || five.Hi != 5 || five.Exact() || !strings.Contains(five.Note(), "93.8% interval") {
		t.Errorf("n=5: %+v, note %q", five, five.Note())
	}
	one := Summarize([]float64{3})
	if !math.IsInf(one.Spread(), 1) || !strings.Contains(one.Note(), "need >= 6 samples") {
		t.Errorf("n=1: %+v %q", one, one.Note())
	}
	if (Summarize(nil) != Summary{}) {
		t.Error("empty sample gives a non-zero summary")
	}
}

func TestCompare(t *testing.T) {
	base := []float64{100, 102, 98, 101, 99}
	d := Compare(base, []float64{200, 204, 196, 202, 198})
	if !d.Significant || !near(d.Change, 1, 1e-12) || d.N() != "n=5" || d.Note != "" {
		t.Errorf("doubled: %+v", d)
	}
	noise := Compare(base, []float64{101, 97, 103, 100, 99})
	if noise.Significant {
		t.Errorf("noise found significant: %+v", noise)
	}
	small := Compare([]float64{1, 2}, []float64{10, 20, 30})
	if small.Significant || !strings.Contains(small.Note, "need >= 4 samples") || small.N() != "n=2+3" {
		t.Errorf("small: %+v", small)
	}
	same := Compare([]float64{5, 5}, []float64{5, 5, 5, 5})
	if same.Note != "all samples are equal" || same.Test.P != 1 {
		t.Errorf("equal: %+v", same)
	}
	if e := Compare(nil, base); e.Significant || e.Note == "" || !math.IsNaN(e.Change) {
		t.Errorf("empty base: %+v", e)
	}
}

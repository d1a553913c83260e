package stats

import (
	"fmt"
	"math"
	"slices"

	"github.com/montanaflynn/stats"
)

// Confidence is the level of the intervals Summarize computes.
const Confidence = 0.95

// Summary describes one sample: its median and an interval [Lo, Hi] that
// holds the true median with probability Level.
type Summary struct {
	N      int
	Median float64
	Lo, Hi float64
	// Level is the interval's confidence: Confidence when the sample is large
	// enough (6 or more values), otherwise the best a sample this small gives
	// (its full range), and 0 for a single value.
	Level float64
}

// Summarize computes the median of xs and the distribution-free confidence
// interval of the median from order statistics: [x(k), x(n-k+1)] for the
// largest k whose coverage 1-2·P(Binomial(n, ½) < k) is still at least
// Confidence. An empty sample gives the zero Summary.
func Summarize(xs []float64) Summary {
	n := len(xs)
	if n == 0 {
		return Summary{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	med, _ := stats.Median(s) // cannot fail on a non-empty sample
	sum := Summary{N: n, Median: med, Lo: s[0], Hi: s[n-1]}
	if n == 1 {
		return sum
	}
	sum.Level = coverage(n, 1)
	for k := 2; k <= n/2; k++ {
		c := coverage(n, k)
		if c < Confidence {
			break
		}
		sum.Lo, sum.Hi, sum.Level = s[k-1], s[n-k], c
	}
	return sum
}

// coverage is the probability that [x(k), x(n-k+1)] holds the median.
func coverage(n, k int) float64 {
	tail := 0.0
	for i := 0; i < k; i++ {
		tail += binomial(n, i)
	}
	return 1 - 2*tail*math.Pow(0.5, float64(n))
}

// binomial returns n choose k as a float64.
func binomial(n, k int) float64 {
	if k < 0 || k > n {
		return 0
	}
	r := 1.0
	for i := 1; i <= k; i++ {
		r = r * float64(n-k+i) / float64(i)
	}
	return r
}

// MinSamplesForCI is the smallest sample whose full range reaches Confidence.
func MinSamplesForCI() int {
	n := 2
	for coverage(n, 1) < Confidence {
		n++
	}
	return n
}

// Exact reports whether the interval reaches the Confidence level.
func (s Summary) Exact() bool { return s.Level >= Confidence }

// Spread is the interval's larger distance from the median, relative to the
// median: what benchstat prints as "± 3%". It is +Inf for a single value or
// a zero median.
func (s Summary) Spread() float64 {
	if s.N < 2 || s.Median == 0 {
		return math.Inf(1)
	}
	return math.Max(s.Hi-s.Median, s.Median-s.Lo) / math.Abs(s.Median)
}

// Note explains an interval that falls short of Confidence, or is "" when it
// does not.
func (s Summary) Note() string {
	switch {
	case s.N == 0 || s.Exact():
		return ""
	case s.N == 1:
		return fmt.Sprintf("n=1: need >= %d samples for a confidence interval at level %.2f", MinSamplesForCI(), Confidence)
	default:
		return fmt.Sprintf("n=%d: need >= %d samples for a confidence interval at level %.2f; ± shows the full range, a %.1f%% interval",
			s.N, MinSamplesForCI(), Confidence, 100*s.Level)
	}
}

package stats

import (
	"errors"
	"math"
	"slices"

	"github.com/montanaflynn/stats"
)

// Alpha is the significance level below which a difference counts.
const Alpha = 0.05

// exactLimit bounds the pooled sample size tested exactly; larger samples use
// the normal approximation, which is accurate long before this size.
const exactLimit = 60

// UTest is the outcome of a two-sided Mann-Whitney U test.
type UTest struct {
	// U counts the pairs (x, y) with x > y, ties counting one half.
	U float64
	// P is the two-sided p-value: the probability, if both samples came from
	// one distribution, of ranks at least as far from even as observed.
	P float64
	// Exact is true when P comes from the exact permutation distribution
	// (which handles ties) rather than the normal approximation.
	Exact bool
}

// ErrEmpty is returned for a test on an empty sample.
var ErrEmpty = errors.New("mann-whitney u test: empty sample")

// MannWhitney tests whether x and y come from the same distribution, without
// assuming what that distribution is.
func MannWhitney(x, y []float64) (UTest, error) {
	n1, n2 := len(x), len(y)
	if n1 == 0 || n2 == 0 {
		return UTest{}, ErrEmpty
	}
	ranks, ties := doubledRanks(x, y)
	var rx int // doubled rank sum of x
	for _, r := range ranks[:n1] {
		rx += r
	}
	t := UTest{U: float64(rx)/2 - float64(n1*(n1+1))/2}
	if n1+n2 <= exactLimit {
		t.P, t.Exact = exactP(ranks, n1, rx), true
		return t, nil
	}
	n := float64(n1 + n2)
	mu := float64(n1*n2) / 2
	sigma := math.Sqrt(float64(n1*n2) / 12 * ((n + 1) - ties/(n*(n-1))))
	if sigma == 0 {
		t.P = 1
		return t, nil
	}
	z := (math.Abs(t.U-mu) - 0.5) / sigma
	t.P = math.Min(1, 2*stats.NormSf(math.Max(z, 0), 0, 1))
	return t, nil
}

// doubledRanks ranks the pooled sample (x first, then y) with tied values
// sharing their mid-rank. Ranks are doubled so that mid-ranks stay integers.
// It also returns the tie correction term Σ(t³-t) over groups of ties.
func doubledRanks(x, y []float64) ([]int, float64) {
	pool := append(slices.Clone(x), y...)
	idx := make([]int, len(pool))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return compare(pool[a], pool[b]) })
	ranks := make([]int, len(pool))
	ties := 0.0
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && pool[idx[j]] == pool[idx[i]] {
			j++
		}
		for k := i; k < j; k++ {
			ranks[idx[k]] = i + 1 + j // (i+1 + j) / 2 doubled
		}
		t := float64(j - i)
		ties += t*t*t - t
		i = j
	}
	return ranks, ties
}

func compare(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// exactP is the two-sided p-value of the doubled rank sum rx of the first n1
// of ranks, from the permutation distribution: the share of all ways to pick
// n1 of the pooled ranks whose sum lies at least as far from its mean.
func exactP(ranks []int, n1, rx int) float64 {
	total := 0
	for _, r := range ranks {
		total += r
	}
	// ways[j][s]: subsets of j ranks with doubled sum s.
	ways := make([][]float64, n1+1)
	for j := range ways {
		ways[j] = make([]float64, total+1)
	}
	ways[0][0] = 1
	for i, r := range ranks {
		for j := min(i+1, n1); j >= 1; j-- {
			for s := total - r; s >= 0; s-- {
				if w := ways[j-1][s]; w != 0 {
					ways[j][s+r] += w
				}
			}
		}
	}
	n := len(ranks)
	mean := n1 * (n + 1) // doubled: n1·(n+1)/2 · 2
	dev := abs(rx - mean)
	var extreme, all float64
	for s, w := range ways[n1] {
		all += w
		if abs(s-mean) >= dev {
			extreme += w
		}
	}
	return math.Min(1, extreme/all)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// MinP is the smallest two-sided p-value samples of sizes n1 and n2 can give:
// when it is not below Alpha, no difference can ever be significant.
func MinP(n1, n2 int) float64 {
	if n1 == 0 || n2 == 0 {
		return 1
	}
	return math.Min(1, 2/binomial(n1+n2, n1))
}

// MinSamplesToDetect is the smallest equal sample size whose MinP is below
// Alpha.
func MinSamplesToDetect() int {
	n := 1
	for MinP(n, n) >= Alpha {
		n++
	}
	return n
}

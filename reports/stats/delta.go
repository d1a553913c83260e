package stats

import (
	"fmt"
	"math"
	"slices"
)

// Delta compares a sample with a base sample, benchstat style: the change of
// the median and whether the U test finds the difference significant.
type Delta struct {
	Base, Cur Summary
	// Change is Cur.Median/Base.Median - 1 (+0.25 is 25% more); NaN when
	// the base median is zero.
	Change float64
	Test   UTest
	// Significant is true when Test.P < Alpha.
	Significant bool
	// Note says why a difference could not be significant ("all samples are
	// equal", too few samples), or is "".
	Note string
}

// Compare summarises both samples and tests their difference. Either sample
// may be empty, which gives a Delta that is not significant and says why.
func Compare(base, cur []float64) Delta {
	d := Delta{Base: Summarize(base), Cur: Summarize(cur), Change: math.NaN()}
	if d.Base.Median != 0 {
		d.Change = d.Cur.Median/d.Base.Median - 1
	}
	t, err := MannWhitney(base, cur)
	if err != nil {
		d.Note = "no samples to compare"
		d.Test.P = 1
		return d
	}
	d.Test = t
	d.Significant = t.P < Alpha
	switch {
	case allEqual(base, cur):
		d.Note = "all samples are equal"
	case MinP(len(base), len(cur)) >= Alpha:
		d.Note = fmt.Sprintf("need >= %d samples to detect a difference at alpha level %.2f", MinSamplesToDetect(), Alpha)
	}
	return d
}

// N formats the sample sizes as benchstat does: "n=5", or "n=5+4" when they
// differ.
func (d Delta) N() string {
	if d.Base.N == d.Cur.N {
		return fmt.Sprintf("n=%d", d.Base.N)
	}
	return fmt.Sprintf("n=%d+%d", d.Base.N, d.Cur.N)
}

func allEqual(a, b []float64) bool {
	all := append(slices.Clone(a), b...)
	for _, v := range all {
		if v != all[0] {
			return false
		}
	}
	return true
}

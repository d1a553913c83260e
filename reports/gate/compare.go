package gate

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/meshbench/meshbench/reports/sample"
	"github.com/meshbench/meshbench/reports/stats"
)

// shown are the metrics compare always prints; others only when the gate
// sets a tolerance for them.
var shown = []string{"p50", "p99", "rate", "max_rps", "throughput", "connections_per_s", "cpu_per_krps"}

// Pair is one point (key and mesh) as the base and the current file have it.
type Pair struct {
	Key       sample.Key
	Mesh      string
	Base, Cur *sample.Point
}

// Label names the pair in tables and logs: "smoke sidecar same-node 1KiB @500/s".
func (p Pair) Label() string { return p.Key.Scenario + " " + p.Mesh + " " + p.Key.Label() }

// Check is the verdict on one metric of one pair.
type Check struct {
	Pair      Pair
	Metric    sample.Metric
	Delta     stats.Delta
	Tolerance Tolerance
	Gated     bool // the gate has a tolerance for this metric
	// Failed is true when the change is significant and beyond tolerance.
	Failed bool
}

// Beyond reports by how much the change exceeds the tolerance, in the
// metric's bad direction (0.9 is 90 points beyond): positive only when
// worse than allowed.
func (c Check) Beyond() float64 {
	change := c.Delta.Change
	if c.Metric.HigherIsBetter {
		change = -change
	}
	return change - c.Tolerance.Limit
}

// Result is a whole comparison.
type Result struct {
	BasePath, CurPath string
	Gate              Config
	Pairs             []Pair
	Metrics           []sample.Metric // the metrics compared, in order
	Checks            []Check
	// Invalid lists pairs whose current run is invalid although the base
	// was valid: the gate cannot vouch for them, so they fail it.
	Invalid []Pair
	// OnlyBase and OnlyCur list points one file has and the other lacks.
	OnlyBase, OnlyCur []string
}

// Compare matches the points of base and cur and checks every metric both
// measured against the gate.
func Compare(base, cur *sample.Set, gate Config) *Result {
	r := &Result{BasePath: base.Path, CurPath: cur.Path, Gate: gate}
	type id struct {
		k    sample.Key
		mesh string
	}
	curBy := map[id]*sample.Point{}
	for _, p := range cur.Points {
		curBy[id{p.Key, p.Mesh}] = p
	}
	matched := map[id]bool{}
	for _, b := range base.Points {
		c, ok := curBy[id{b.Key, b.Mesh}]
		if !ok {
			r.OnlyBase = append(r.OnlyBase, b.Key.Scenario+" "+b.Mesh+" "+b.Label())
			continue
		}
		matched[id{b.Key, b.Mesh}] = true
		r.Pairs = append(r.Pairs, Pair{Key: b.Key, Mesh: b.Mesh, Base: b, Cur: c})
	}
	for _, c := range cur.Points {
		if !matched[id{c.Key, c.Mesh}] {
			r.OnlyCur = append(r.OnlyCur, c.Key.Scenario+" "+c.Mesh+" "+c.Label())
		}
	}
	for _, p := range r.Pairs {
		if p.Base.Valid() && !p.Cur.Valid() {
			r.Invalid = append(r.Invalid, p)
		}
	}
	for _, m := range sample.Metrics {
		_, gated := gate.Tolerances[m.Name]
		for _, sc := range gate.Scenarios {
			_, g := sc[m.Name]
			gated = gated || g
		}
		if !slices.Contains(shown, m.Name) && !gated {
			continue
		}
		measured := false
		for _, p := range r.Pairs {
			if !p.Base.Valid() || !p.Cur.Valid() {
				continue
			}
			bx, cx := m.Samples(p.Base), m.Samples(p.Cur)
			if len(bx) == 0 || len(cx) == 0 {
				continue
			}
			measured = true
			c := Check{Pair: p, Metric: m, Delta: compareSamples(bx, cx, gate.Alpha)}
			c.Tolerance, c.Gated = gate.For(p.Key.Scenario, m.Name)
			c.Failed = c.Gated && !c.Tolerance.Off && c.Delta.Significant && !math.IsNaN(c.Delta.Change) && c.Beyond() > 0
			r.Checks = append(r.Checks, c)
		}
		if measured {
			r.Metrics = append(r.Metrics, m)
		}
	}
	return r
}

// compareSamples is stats.Compare at the gate's significance level.
func compareSamples(base, cur []float64, alpha float64) stats.Delta {
	d := stats.Compare(base, cur)
	d.Significant = d.Test.P < alpha && len(base) > 0 && len(cur) > 0
	return d
}

// Failures lists the checks that failed the gate.
func (r *Result) Failures() []Check {
	var out []Check
	for _, c := range r.Checks {
		if c.Failed {
			out = append(out, c)
		}
	}
	return out
}

// Failed reports whether the current file regressed past the gate.
func (r *Result) Failed() bool { return len(r.Failures()) > 0 || len(r.Invalid) > 0 }

// Blind reports whether no gated comparison could ever be significant
// (too few repeats on a side), in which case the gate cannot catch a
// regression however large.
func (r *Result) Blind() (bool, int) {
	gated, smallest := 0, math.MaxInt
	for _, c := range r.Checks {
		if !c.Gated || c.Tolerance.Off {
			continue
		}
		gated++
		if stats.MinP(c.Delta.Base.N, c.Delta.Cur.N) < r.Gate.Alpha {
			return false, 0
		}
		smallest = min(smallest, c.Delta.Base.N, c.Delta.Cur.N)
	}
	return gated > 0, smallest
}

// Summary is the one-line verdict for an error message.
func (r *Result) Summary() string {
	var parts []string
	for _, c := range r.Failures() {
		parts = append(parts, fmt.Sprintf("%s %s %s", c.Pair.Label(), c.Metric.Name, formatChange(c.Delta.Change)))
	}
	for _, p := range r.Invalid {
		parts = append(parts, p.Label()+" invalid")
	}
	return strings.Join(parts, "; ")
}

func formatChange(ch float64) string { return fmt.Sprintf("%+.1f%%", 100*ch) }

package gate

import (
	"fmt"
	"io"
	"strings"

	"github.com/meshbench/meshbench/reports/stats"
	"github.com/meshbench/meshbench/reports/table"
)

// Write prints the comparison for a terminal or CI log: a benchstat-style
// table per metric, then every failure with the amount it exceeds its
// tolerance by, then the verdict on its own line.
func (r *Result) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "base:    %s\ncurrent: %s\ngate:    %s: %s (alpha %g)\n", r.BasePath, r.CurPath, r.Gate.Source, r.Gate.Describe(), r.Gate.Alpha)
	notes := &table.Notes{}
	for _, m := range r.Metrics {
		var rows []table.Input
		for _, p := range r.Pairs {
			bs, cs := table.SampleOf(m, p.Base), table.SampleOf(m, p.Cur)
			if len(bs.Values) == 0 && len(cs.Values) == 0 && !bs.Invalid && !cs.Invalid {
				continue
			}
			for _, c := range r.Checks {
				if c.Pair.Label() == p.Label() && c.Metric.Name == m.Name && c.Failed {
					cs.DeltaNotes = append(cs.DeltaNotes, "FAIL: beyond the gate's "+c.Tolerance.String(m)+" tolerance")
				}
			}
			rows = append(rows, table.Input{Label: p.Label(), Cols: []table.Sample{bs, cs}})
		}
		fmt.Fprintf(&b, "\n%s\n", m.Title)
		if err := table.Build(m, []string{"base", "current"}, rows, notes).WriteText(&b); err != nil {
			return err
		}
	}
	if len(notes.List()) > 0 {
		b.WriteString("\n")
		if err := table.WriteNotes(&b, notes); err != nil {
			return err
		}
	}
	b.WriteString("\n")
	for _, s := range r.OnlyBase {
		fmt.Fprintf(&b, "WARNING: only in base, not compared: %s\n", s)
	}
	for _, s := range r.OnlyCur {
		fmt.Fprintf(&b, "WARNING: only in current, not compared: %s\n", s)
	}
	if blind, n := r.Blind(); blind {
		fmt.Fprintf(&b, "WARNING: with %d repeat(s) a side no difference can be significant at alpha %g (need >= %d): this gate cannot catch a regression; run more repeats\n",
			n, r.Gate.Alpha, stats.MinSamplesToDetect())
	}
	for _, c := range r.Failures() {
		fmt.Fprintf(&b, "FAIL %s: %s %s (p=%.3f %s), tolerance %s, exceeded by %.1f points\n", c.Pair.Label(), c.Metric.Name,
			formatChange(c.Delta.Change), c.Delta.Test.P, c.Delta.N(), c.Tolerance.String(c.Metric), 100*c.Beyond())
	}
	for _, p := range r.Invalid {
		fmt.Fprintf(&b, "FAIL %s: invalid in current, valid in base: %s\n", p.Label(), strings.Join(p.Cur.Warnings(), "; "))
	}
	b.WriteString(r.verdict() + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// verdict is the last line of the output.
func (r *Result) verdict() string {
	gated, within := 0, 0
	for _, c := range r.Checks {
		if c.Gated && !c.Tolerance.Off {
			gated++
			if c.Delta.Significant && !c.Failed {
				within++
			}
		}
	}
	if n := len(r.Failures()) + len(r.Invalid); n > 0 {
		return fmt.Sprintf("gate FAILED: %d of %d gated checks regressed beyond tolerance, %d invalid", len(r.Failures()), gated, len(r.Invalid))
	}
	return fmt.Sprintf("gate passed: no significant regression beyond tolerance in %d gated checks (%d significant changes within tolerance)", gated, within)
}

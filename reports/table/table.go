// Package table builds and prints comparison tables in the style of
// benchstat: one row per measured point, one column per configuration (a
// mesh, or a results file), the median ± confidence interval of each, and
// for every column after the first its change against the first with the
// p-value of a Mann-Whitney U test, or "~" when the difference is not
// significant. Warnings are footnotes, numbered once for all the tables that
// share a Notes.
package table

import (
	"fmt"
	"math"
	"strings"

	"github.com/montanaflynn/stats"

	"github.com/meshbench/meshbench/reports/sample"
	rstats "github.com/meshbench/meshbench/reports/stats"
)

// Table is one metric compared across columns.
type Table struct {
	Metric  sample.Metric
	Columns []string // the first is the base the others are compared with
	Rows    []Row
	// Geomean is the geometric mean row, nil unless two or more rows have a
	// value in every column.
	Geomean *Row
}

// Row is one point.
type Row struct {
	Label string
	Cells []Cell // one per column
}

// Cell is one column of a row.
type Cell struct {
	Value string // "184.8µs ± 3%", "invalid", or "" when nothing was measured
	// Delta and Detail compare with the base column: "+23.41%" or "~", and
	// "(p=0.008 n=5)". Both are "" in the base column.
	Delta, Detail string
	// Verdict is Better, Worse or Same (not significant) for a compared
	// cell, "" otherwise.
	Verdict    string
	Notes      []int // footnote numbers of the value
	DeltaNotes []int // footnote numbers of the comparison
}

// Verdicts of a compared cell.
const (
	Better = "better"
	Worse  = "worse"
	Same   = "same"
)

// Sample is what one column holds for one row.
type Sample struct {
	Values  []float64 // per repeat; empty when the point was not measured
	Invalid bool      // evidence did not match: never shown as a value
	Notes   []string  // warnings that travel with the value
	// DeltaNotes are extra notes on the comparison (a gate verdict).
	DeltaNotes []string
}

// SampleOf is what a table shows of a metric for one point: its per-repeat
// values and warnings, or that it is invalid and why. A nil point was not
// measured.
func SampleOf(m sample.Metric, p *sample.Point) Sample {
	if p == nil {
		return Sample{}
	}
	s := Sample{Notes: p.Warnings()}
	if !p.Valid() {
		s.Invalid = true
		if len(s.Notes) == 0 {
			s.Notes = []string{"invalid: the datapath evidence did not match mesh " + p.Mesh}
		}
		return s
	}
	s.Values = m.Samples(p)
	return s
}

// Input is one row before it is built.
type Input struct {
	Label string
	Cols  []Sample // one per column
}

// Build compares every row's columns with its first column.
func Build(m sample.Metric, columns []string, rows []Input, notes *Notes) *Table {
	t := &Table{Metric: m, Columns: columns}
	medians := make([][]float64, len(columns))
	complete := 0
	for _, in := range rows {
		row := Row{Label: in.Label, Cells: make([]Cell, len(columns))}
		col := func(j int) Sample {
			if j < len(in.Cols) {
				return in.Cols[j]
			}
			return Sample{}
		}
		base := col(0)
		full := true
		for j := range columns {
			s := col(j)
			row.Cells[j] = cell(m, s, notes)
			if s.Invalid || len(s.Values) == 0 {
				full = false
				continue
			}
			if j > 0 && !base.Invalid && len(base.Values) > 0 {
				compareCell(m, &row.Cells[j], base.Values, s, notes)
			}
		}
		if full {
			complete++
			for j := range columns {
				medians[j] = append(medians[j], rstats.Summarize(col(j).Values).Median)
			}
		}
		t.Rows = append(t.Rows, row)
	}
	if complete >= 2 {
		t.Geomean = geomean(m, medians)
	}
	return t
}

func cell(m sample.Metric, s Sample, notes *Notes) Cell {
	var c Cell
	for _, n := range s.Notes {
		c.Notes = append(c.Notes, notes.Add(n))
	}
	switch {
	case s.Invalid:
		c.Value = "invalid"
	case len(s.Values) > 0:
		sum := rstats.Summarize(s.Values)
		c.Value = m.Format(sum.Median) + " ± " + spread(sum)
		if n := sum.Note(); n != "" {
			c.Notes = append(c.Notes, notes.Add(n))
		}
	}
	return c
}

func compareCell(m sample.Metric, c *Cell, base []float64, s Sample, notes *Notes) {
	d := rstats.Compare(base, s.Values)
	c.Delta, c.Verdict = "~", Same
	if d.Significant && !math.IsNaN(d.Change) {
		c.Delta, c.Verdict = Percent(d.Change), Worse
		if (d.Change > 0) == m.HigherIsBetter {
			c.Verdict = Better
		}
	}
	c.Detail = fmt.Sprintf("(p=%.3f %s)", d.Test.P, d.N())
	if d.Note != "" {
		c.DeltaNotes = append(c.DeltaNotes, notes.Add(d.Note))
	}
	for _, n := range s.DeltaNotes {
		c.DeltaNotes = append(c.DeltaNotes, notes.Add(n))
	}
}

// spread writes a summary's interval as benchstat does: "3%", or "∞".
func spread(s rstats.Summary) string {
	if sp := s.Spread(); !math.IsInf(sp, 0) {
		return fmt.Sprintf("%.0f%%", 100*sp)
	}
	return "∞"
}

// Percent writes a relative change: "+23.41%", "-8.94%".
func Percent(change float64) string { return fmt.Sprintf("%+.2f%%", 100*change) }

func geomean(m sample.Metric, medians [][]float64) *Row {
	row := &Row{Label: "geomean", Cells: make([]Cell, len(medians))}
	var base float64
	for j, ms := range medians {
		g, err := stats.GeometricMean(ms)
		if err != nil || g <= 0 || math.IsNaN(g) {
			return nil // a zero or negative median has no geometric mean
		}
		row.Cells[j].Value = m.Format(g)
		if j == 0 {
			base = g
		} else {
			row.Cells[j].Delta = Percent(g/base - 1)
		}
	}
	return row
}

// Notes numbers footnotes, giving the same text the same number.
type Notes struct {
	texts []string
	index map[string]int
}

// Add returns the footnote number of text, adding it if it is new.
func (n *Notes) Add(text string) int {
	if n.index == nil {
		n.index = map[string]int{}
	}
	if i, ok := n.index[text]; ok {
		return i
	}
	n.texts = append(n.texts, text)
	n.index[text] = len(n.texts)
	return len(n.texts)
}

// List returns the footnotes in number order (number i is List()[i-1]).
func (n *Notes) List() []string { return n.texts }

// Mark writes footnote numbers as superscripts, each once: "¹ ²".
func Mark(nums []int) string {
	digits := []rune("⁰¹²³⁴⁵⁶⁷⁸⁹")
	var b strings.Builder
	seen := map[int]bool{}
	for _, n := range nums {
		if seen[n] {
			continue
		}
		if len(seen) > 0 {
			b.WriteByte(' ')
		}
		seen[n] = true
		for _, d := range fmt.Sprint(n) {
			b.WriteRune(digits[d-'0'])
		}
	}
	return b.String()
}

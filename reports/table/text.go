package table

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// header names the unit row of a table as benchstat does: the unit
// ("req/s"), or the metric name when values carry their unit ("p99").
func (t *Table) header() string {
	if t.Metric.Unit != "" {
		return t.Metric.Unit
	}
	return t.Metric.Name
}

// subcells lays a row out as text columns: the label, then for each column
// its value, and after the first column the comparison.
func subcells(r Row) []string {
	out := []string{r.Label}
	for j, c := range r.Cells {
		out = append(out, withMark(c.Value, c.Notes))
		if j > 0 {
			out = append(out, withMark(strings.TrimSpace(c.Delta+" "+c.Detail), c.DeltaNotes))
		}
	}
	return out
}

func withMark(s string, notes []int) string {
	if len(notes) == 0 {
		return s
	}
	return strings.TrimSpace(s + " " + Mark(notes))
}

// WriteText prints the table as benchstat does, for terminals and CI logs:
//
//	                       │    none      │               ebpf                 │
//	                       │     p99      │     p99       vs none              │
//	same-node 1KiB @1000/s   120.1µs ± 2%   98.70µs ± 3%  -17.82% (p=0.008 n=5)
func (t *Table) WriteText(w io.Writer) error {
	rows := make([][]string, 0, len(t.Rows)+1)
	for _, r := range t.Rows {
		rows = append(rows, subcells(r))
	}
	if t.Geomean != nil {
		rows = append(rows, subcells(*t.Geomean))
	}
	unit := []string{""}
	for j := range t.Columns {
		unit = append(unit, t.header())
		if j > 0 {
			unit = append(unit, "vs "+t.Columns[0])
		}
	}
	width := make([]int, len(unit))
	for _, r := range append(rows, unit) {
		for i, s := range r {
			width[i] = max(width[i], utf8.RuneCountInString(s))
		}
	}
	// spans[j] are the sub-columns of column j; the last is widened to fit
	// the column's name.
	spans := make([][2]int, len(t.Columns))
	for j, i := 0, 1; j < len(t.Columns); j++ {
		n := 1
		if j > 0 {
			n = 2
		}
		spans[j] = [2]int{i, i + n}
		i += n
	}
	groupWidth := func(j int) int {
		w := 0
		for i := spans[j][0]; i < spans[j][1]; i++ {
			w += width[i] + 2
		}
		return w - 2
	}
	for j, name := range t.Columns {
		if extra := utf8.RuneCountInString(name) - groupWidth(j); extra > 0 {
			width[spans[j][1]-1] += extra
		}
	}
	var lines []string
	line := func(cells []string, header bool) {
		var b strings.Builder
		b.WriteString(pad(cells[0], width[0], false))
		for j := range t.Columns {
			if header {
				b.WriteString(" │" + centre(cells[j+1], groupWidth(j)))
				continue
			}
			for i := spans[j][0]; i < spans[j][1]; i++ {
				b.WriteString("  " + pad(cells[i], width[i], true))
			}
		}
		if header {
			b.WriteString(" │")
		}
		lines = append(lines, strings.TrimRight(b.String(), " "))
	}
	line(append([]string{""}, t.Columns...), true)
	units := []string{""}
	for j := range t.Columns {
		units = append(units, unitHeader(unit[spans[j][0]:spans[j][1]], width[spans[j][0]:spans[j][1]]))
	}
	line(units, true)
	for _, r := range rows {
		line(r, false)
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n")+"\n")
	return err
}

// unitHeader centres each sub-column's header over its width.
func unitHeader(names []string, widths []int) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = centre(n, widths[i])
	}
	return strings.Join(parts, "  ")
}

func pad(s string, w int, right bool) string {
	n := w - utf8.RuneCountInString(s)
	if n <= 0 {
		return s
	}
	if right {
		return strings.Repeat(" ", n) + s
	}
	return s + strings.Repeat(" ", n)
}

func centre(s string, w int) string {
	n := w - utf8.RuneCountInString(s)
	if n <= 0 {
		return s
	}
	return strings.Repeat(" ", n/2) + s + strings.Repeat(" ", n-n/2)
}

// WriteNotes prints footnotes, one per line: "¹ need >= 6 samples ...".
func WriteNotes(w io.Writer, notes *Notes) error {
	for i, n := range notes.List() {
		if _, err := fmt.Fprintf(w, "%s %s\n", Mark([]int{i + 1}), n); err != nil {
			return err
		}
	}
	return nil
}

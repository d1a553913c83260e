package reports

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/montanaflynn/stats"

	"github.com/meshbench/meshbench/reports/sample"
	rstats "github.com/meshbench/meshbench/reports/stats"
	"github.com/meshbench/meshbench/reports/table"
)

// summaryTables builds a scenario's benchstat-style tables, one per metric
// it measured, rows by point and columns by mesh, every mesh compared with
// the base mesh. The tables share one set of footnotes.
func summaryTables(sc *scenario) ([]*table.Table, *table.Notes) {
	notes := &table.Notes{}
	var out []*table.Table
	for _, m := range sample.Metrics {
		if !m.InReport || !sc.has(m) {
			continue
		}
		var rows []table.Input
		for _, k := range sc.Keys {
			in := table.Input{Label: k.Label()}
			for _, mesh := range sc.Meshes {
				in.Cols = append(in.Cols, table.SampleOf(m, sc.point(k, mesh)))
			}
			rows = append(rows, in)
		}
		out = append(out, table.Build(m, sc.Meshes, rows, notes))
	}
	return out, notes
}

// glanceMetrics are the metrics the at-a-glance table summarises.
var glanceMetrics = []string{"p50", "p99", "cpu_per_krps", "throughput", "max_rps", "connections_per_s"}

// glance summarises every scenario in one table: per metric and mesh, the
// geometric mean over the scenario's points of the change against the base
// mesh, and in how many points that change is significant.
func glance(scs []*scenario) (grid, bool) {
	g := grid{head: []string{"scenario", "metric"}}
	var others []string
	base := "none"
	for _, sc := range scs {
		if sc.base() != "none" {
			base = "base mesh"
		}
		for _, m := range sc.Meshes {
			if m != sc.base() && !slices.Contains(others, m) {
				others = append(others, m)
			}
		}
	}
	if len(others) == 0 {
		return g, false
	}
	for _, o := range others {
		g.head = append(g.head, o+" vs "+base)
	}
	for _, sc := range scs {
		for _, name := range glanceMetrics {
			m := metric(name)
			if !sc.has(m) {
				continue
			}
			row := []cell{{text: sc.Name}, {text: m.Title + better(m)}}
			for _, o := range others {
				row = append(row, glanceCell(sc, m, o))
			}
			g.rows = append(g.rows, row)
		}
	}
	return g, true
}

func better(m sample.Metric) string {
	if m.HigherIsBetter {
		return " (higher is better)"
	}
	return " (lower is better)"
}

func glanceCell(sc *scenario, m sample.Metric, mesh string) cell {
	var ratios []float64
	significant, invalid := 0, 0
	for _, k := range sc.Keys {
		b, p := sc.point(k, sc.base()), sc.point(k, mesh)
		if b == nil || p == nil || mesh == sc.base() {
			continue
		}
		if !b.Valid() || !p.Valid() {
			invalid++
			continue
		}
		bx, px := m.Samples(b), m.Samples(p)
		d := rstats.Compare(bx, px)
		if len(bx) == 0 || len(px) == 0 || math.IsNaN(d.Change) || d.Cur.Median <= 0 {
			continue
		}
		ratios = append(ratios, d.Change+1)
		if d.Significant {
			significant++
		}
	}
	if len(ratios) == 0 {
		if invalid > 0 {
			return cell{text: fmt.Sprintf("invalid (%d)", invalid), class: table.Worse}
		}
		return cell{text: "—"}
	}
	g, _ := stats.GeometricMean(ratios)
	change := g - 1
	parts := []string{fmt.Sprintf("%d of %d significant", significant, len(ratios))}
	if invalid > 0 {
		parts = append(parts, fmt.Sprintf("%d invalid", invalid))
	}
	c := cell{text: fmt.Sprintf("%s (%s)", table.Percent(change), strings.Join(parts, ", ")), class: table.Same}
	if significant > 0 {
		c.class = table.Worse
		if (change > 0) == m.HigherIsBetter {
			c.class = table.Better
		}
	}
	if significant == 0 {
		c.text = "~ " + c.text
	}
	return c
}

// fewestRepeats is the smallest number of repeats of any valid point, 0 when
// there is none.
func fewestRepeats(scs []*scenario) int {
	n := 0
	for _, sc := range scs {
		for _, p := range sc.Points {
			if r := len(p.Result.Repeats); p.Valid() && r > 0 && (n == 0 || r < n) {
				n = r
			}
		}
	}
	return n
}

// Package export writes results in formats other tools read: the Go
// benchmark format, so `benchstat old.txt new.txt` compares two runs, and the
// Service Mesh Performance (SMP) result format where its fields fit. Invalid
// results are never exported as if they were valid.
package export

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/meshbench/meshbench/reports/sample"
)

// benchUnits maps metrics to Go benchmark units; latencies are written in
// nanoseconds, the unit benchstat scales best.
var benchUnits = []struct {
	metric, unit string
	scale        float64
}{
	{"p50", "p50-ns", 1e3}, {"p90", "p90-ns", 1e3}, {"p99", "p99-ns", 1e3}, {"p999", "p99.9-ns", 1e3},
	{"rate", "req/s", 1}, {"max_rps", "max-req/s", 1}, {"throughput", "bits/s", 1},
	{"connections_per_s", "conn/s", 1}, {"cpu_per_krps", "cpu-cores/kreq/s", 1},
}

// BenchName is the benchmark name of a point: keys in the name so that
// `benchstat -col /mesh` compares meshes within one file.
func BenchName(p *sample.Point) string {
	clean := func(s string) string { return strings.NewReplacer(" ", "_", "/", "_").Replace(s) }
	name := fmt.Sprintf("BenchmarkMesh/scenario=%s/placement=%s/size=%s", clean(p.Scenario), clean(p.Placement), sample.Bytes(p.PayloadBytes))
	if p.Rate > 0 {
		name += "/rate=" + strconv.FormatFloat(p.Rate, 'f', -1, 64)
	}
	return name + "/mesh=" + clean(p.Mesh)
}

// WriteBench writes every valid point as Go benchmark lines, one line per
// repeat, preceded by the environment as configuration lines and the
// direction of each unit. Invalid points are listed as comments that
// benchstat ignores.
func WriteBench(w io.Writer, sets ...*sample.Set) error {
	var b strings.Builder
	for i, s := range sets {
		e := s.File.Env
		if i == 0 {
			for _, u := range benchUnits {
				if m, ok := sample.MetricByName(u.metric); ok && m.HigherIsBetter {
					fmt.Fprintf(&b, "Unit %s better=higher\n", u.unit)
				} else {
					fmt.Fprintf(&b, "Unit %s better=lower\n", u.unit)
				}
			}
		}
		for _, kv := range [][2]string{{"kernel", e.Kernel}, {"cpu", e.CPU}, {"cores", strconv.Itoa(e.Cores)},
			{"substrate", e.Substrate}, {"meshbench", strings.TrimSpace(e.Version + " " + e.Commit)}} {
			if kv[1] != "" {
				fmt.Fprintf(&b, "%s: %s\n", kv[0], oneLine(kv[1]))
			}
		}
		for _, p := range s.Points {
			if !p.Valid() {
				fmt.Fprintf(&b, "# left out, invalid: %s %s\n", BenchName(p), oneLine(strings.Join(p.Warnings(), "; ")))
				continue
			}
			writePoint(&b, p)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writePoint writes one line per repeat with every metric the repeat has.
func writePoint(b *strings.Builder, p *sample.Point) {
	values := map[string][]float64{}
	for _, u := range benchUnits {
		m, _ := sample.MetricByName(u.metric)
		if xs := m.Samples(p); len(xs) == len(p.Result.Repeats) {
			values[u.unit] = xs
		}
	}
	for i, r := range p.Result.Repeats {
		iters := r.Completed
		if iters <= 0 {
			iters = 1
		}
		line := fmt.Sprintf("%s \t%d", BenchName(p), iters)
		n := 0
		for _, u := range benchUnits {
			if xs, ok := values[u.unit]; ok {
				line += fmt.Sprintf(" \t%s %s", strconv.FormatFloat(xs[i]*u.scale, 'g', 6, 64), u.unit)
				n++
			}
		}
		if n > 0 {
			b.WriteString(line + "\n")
		}
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

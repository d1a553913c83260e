package table

import (
	"bytes"
	"strings"
	"testing"

	"github.com/meshbench/meshbench/reports/sample"
)

func inputs() []Input {
	base := []float64{100, 102, 98, 101, 99}
	return []Input{
		{Label: "same-node", Cols: []Sample{{Values: base}, {Values: []float64{200, 204, 196, 202, 198}}, {Values: []float64{101, 97, 103, 100, 99}}}},
		{Label: "cross-node", Cols: []Sample{{Values: base, Notes: []string{"send lag"}}, {Invalid: true, Notes: []string{"evidence: no proxy"}}, {Values: []float64{80, 81, 79, 80, 82}}}},
		{Label: "far", Cols: []Sample{{Values: base}, {Values: []float64{150, 151, 149, 152, 148}}, {}}},
	}
}

func TestBuild(t *testing.T) {
	p99, _ := sample.MetricByName("p99")
	var notes Notes
	tb := Build(p99, []string{"none", "sidecar", "ebpf"}, inputs(), &notes)
	same := tb.Rows[0]
	if c := same.Cells[1]; c.Value != "200.0µs ± 2%" || len(c.Notes) != 1 {
		t.Errorf("sidecar value %q", c.Value)
	}
	if c := same.Cells[1]; c.Delta != "+100.00%" || c.Detail != "(p=0.008 n=5)" || c.Verdict != Worse {
		t.Errorf("doubling: %+v", c)
	}
	if c := same.Cells[2]; c.Delta != "~" || c.Verdict != Same {
		t.Errorf("noise: %+v", c)
	}
	if c := tb.Rows[1].Cells[1]; c.Value != "invalid" || c.Delta != "" || len(c.Notes) != 1 {
		t.Errorf("invalid cell shown as a value: %+v", c)
	}
	if c := tb.Rows[1].Cells[2]; c.Verdict != Better {
		t.Errorf("lower latency not better: %+v", c)
	}
	if c := tb.Rows[2].Cells[2]; c.Value != "" || c.Delta != "" {
		t.Errorf("missing point has a value: %+v", c)
	}
	// Only the first row has all three columns: no geomean from one row.
	if tb.Geomean != nil {
		t.Errorf("geomean from a single complete row: %+v", tb.Geomean)
	}
	want := []string{"n=5: need >= 6 samples for a confidence interval at level 0.95; ± shows the full range, a 93.8% interval", "send lag", "evidence: no proxy"}
	if got := notes.List(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("notes = %q", got)
	}
}

func TestGeomean(t *testing.T) {
	rate, _ := sample.MetricByName("max_rps")
	in := []Input{
		{Label: "a", Cols: []Sample{{Values: []float64{100}}, {Values: []float64{400}}}},
		{Label: "b", Cols: []Sample{{Values: []float64{100}}, {Values: []float64{100}}}},
	}
	tb := Build(rate, []string{"old", "new"}, in, &Notes{})
	if tb.Geomean == nil || tb.Geomean.Cells[1].Delta != "+100.00%" || tb.Geomean.Cells[1].Value != "200.0" {
		t.Fatalf("geomean = %+v", tb.Geomean)
	}
}

func TestWriteText(t *testing.T) {
	p99, _ := sample.MetricByName("p99")
	var notes Notes
	tb := Build(p99, []string{"none", "sidecar", "ebpf"}, inputs(), &notes)
	var b bytes.Buffer
	if err := tb.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if err := WriteNotes(&b, &notes); err != nil {
		t.Fatal(err)
	}
	want := `           │      none       │               sidecar                 │                ebpf                  │
           │      p99        │     p99               vs none         │     p99               vs none        │
same-node     100.0µs ± 2% ¹  200.0µs ± 2% ¹  +100.00% (p=0.008 n=5)  100.0µs ± 3% ¹        ~ (p=1.000 n=5)
cross-node  100.0µs ± 2% ² ¹       invalid ³                          80.00µs ± 2% ¹  -20.00% (p=0.008 n=5)
far           100.0µs ± 2% ¹  150.0µs ± 1% ¹   +50.00% (p=0.008 n=5)
¹ n=5: need >= 6 samples for a confidence interval at level 0.95; ± shows the full range, a 93.8% interval
² send lag
³ evidence: no proxy
`
	if got := b.String(); got != want {
		t.Errorf("text table:\n%s\nwant:\n%s", got, want)
	}
}

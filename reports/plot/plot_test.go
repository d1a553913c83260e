package plot

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot"
)

func TestNines(t *testing.T) {
	for _, tt := range []struct{ p, want float64 }{{50, 0.30103}, {90, 1}, {99, 2}, {99.9, 3}, {99.99, maxNines}, {100, maxNines}} {
		if got := nines(tt.p); math.Abs(got-tt.want) > 1e-5 {
			t.Errorf("nines(%v) = %v, want %v", tt.p, got, tt.want)
		}
	}
	ps := SpectrumPercentiles()
	if ps[0] < 49.99 || ps[0] > 50.01 || ps[len(ps)-1] != 99.99 {
		t.Errorf("spectrum runs from %v to %v, want p50 to p99.99", ps[0], ps[len(ps)-1])
	}
}

func labels(ts []plot.Tick) string {
	var out []string
	for _, t := range ts {
		if t.Label != "" {
			out = append(out, t.Label)
		}
	}
	return strings.Join(out, " ")
}

func TestLatencyTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		want   string
	}{
		{30, 2500, "50µs 100µs 200µs 500µs 1ms 2ms"},
		// Many decades: one label per decade, or they collide.
		{50, 100000, "100µs 1ms 10ms 100ms"},
		// Less than a decade: finer steps when 1-2-5 gives fewer than two,
		// and failing those both ends.
		{110, 900, "200µs 500µs"},
		{150, 250, "150µs 200µs"},
		{210, 290, "210µs 290µs"},
	}
	for _, tt := range tests {
		if got := labels(latencyTicks{}.Ticks(tt.lo, tt.hi)); got != tt.want {
			t.Errorf("ticks(%v, %v) = %q, want %q", tt.lo, tt.hi, got, tt.want)
		}
	}
}

func TestNiceLogRange(t *testing.T) {
	ax := plot.Axis{Min: 55, Max: 480}
	niceLogRange(&ax)
	if ax.Min != 50 || ax.Max != 500 {
		t.Errorf("range [55, 480] widened to [%v, %v], want [50, 500]", ax.Min, ax.Max)
	}
}

func TestKneeY(t *testing.T) {
	pts := errPoints{{X: 1000, Y: 100}, {X: 3000, Y: 300}}
	for _, tt := range []struct{ x, want float64 }{{1000, 100}, {2000, 200}, {3000, 300}, {5000, 0}} {
		if got := kneeY(pts, tt.x); got != tt.want {
			t.Errorf("kneeY(%v) = %v, want %v", tt.x, got, tt.want)
		}
	}
}

func TestColors(t *testing.T) {
	c := ComponentColors()
	if c.Of("proxy") != componentColors["proxy"] || c.Of("proxy/client") != families["proxy"][0] || c.Of("proxy/server") != families["proxy"][1] {
		t.Error("proxy parts not coloured as the proxy's family")
	}
	m := MeshColors()
	if m.Of("ebpf") != meshColors["ebpf"] || m.Of("linkerd") != m.Of("linkerd") || m.Of("linkerd") == m.Of("cilium") {
		t.Error("unknown meshes do not get stable, distinct colours")
	}
}

func figure() *Figure {
	bands := []Band{
		{Label: "none", Color: meshColors["none"], Points: []BandPoint{{50, 40, 38, 42}, {90, 55, 50, 60}, {99, 90, 80, 120}, {99.9, 300, 200, 400}}},
		{Label: "ebpf", Color: meshColors["ebpf"], Points: []BandPoint{{50, 30, 29, 31}, {90, 41, 40, 44}, {99, 70, 66, 80}, {99.9, 250, 240, 300}}},
	}
	curves := []Curve{{Label: "none", Color: meshColors["none"], Knee: 2000,
		Points: []CurvePoint{{X: 1000, Y: 100, Lo: 90, Hi: 110}, {X: 2000, Y: 150, Lo: 140, Hi: 160}, {X: 4000, Y: 900, Lo: 800, Hi: 1000, Missed: true}}}}
	bars := Bars{Title: "bars", YLabel: "cores", Categories: []string{"none", "ebpf"}, Format: func(v float64) string { return "total" },
		Stacks: []Stack{{Label: "client", Color: componentColors["client"], Values: []float64{1, 2}}}, Lo: []float64{0.9, 1.8}, Hi: []float64{1.1, 2.2}}
	return &Figure{Title: "a title", Note: "a note that explains the shading", Legend: []LegendEntry{LineKey("none", meshColors["none"], nil), KneeKey()},
		Panels: []*plot.Plot{SpectrumPanel("spectrum", bands), CurvePanel(Axes{Title: "load", YLatency: true, XFromZero: true}, curves), BarsPanel(bars)}}
}

// TestFigureIsReproducible: the same input must give byte-identical files,
// or published reports could not be checked by rerunning them.
func TestFigureIsReproducible(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	pa, err := figure().Save(a, "f")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := figure().Save(b, "f"); err != nil {
		t.Fatal(err)
	}
	if len(pa) != 2 {
		t.Fatalf("wrote %v, want a png and an svg", pa)
	}
	for _, p := range pa {
		x, _ := os.ReadFile(p)
		y, _ := os.ReadFile(filepath.Join(b, filepath.Base(p)))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two renders of the same input", filepath.Base(p))
		}
	}
	svg, _ := os.ReadFile(filepath.Join(a, "f.svg"))
	for _, want := range []string{"a title", "a note that explains the shading", "p99.9", "saturation knee", "knee 2k/s", "total", "Liberation Sans"} {
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("svg lacks %q", want)
		}
	}
}

func TestFigureNoPanels(t *testing.T) {
	if _, err := (&Figure{Title: "t"}).Save(t.TempDir(), "f"); err == nil {
		t.Error("no error for a figure with nothing to draw")
	}
}

func TestNoteWraps(t *testing.T) {
	f := &Figure{Note: strings.Repeat("word ", 80)}
	if lines := f.noteLines(singleWidth); len(lines) < 2 {
		t.Errorf("a long note is %d line(s)", len(lines))
	}
}

package plot

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNines(t *testing.T) {
	for _, tt := range []struct{ p, want float64 }{{0, 0}, {90, 1}, {99, 2}, {99.9, 3}, {100, maxNines}, {99.99, maxNines}, {99.99999999, maxNines}} {
		if got := nines(tt.p); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("nines(%v) = %v, want %v", tt.p, got, tt.want)
		}
	}
}

func series() []Series {
	return []Series{
		{Label: "none same-node", Points: []Point{{50, 40}, {90, 55}, {99, 90}, {99.9, 300}}},
		{Label: "ebpf same-node", Points: []Point{{50, 30}, {90, 41}, {99, 70}, {99.9, 250}}},
	}
}

// TestSpectrumIsReproducible: the same input must give byte-identical files,
// or published reports could not be checked by rerunning them.
func TestSpectrumIsReproducible(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	pa, err := Spectrum(a, "s", "title", series())
	if err != nil {
		t.Fatal(err)
	}
	pb, err := Spectrum(b, "s", "title", series())
	if err != nil {
		t.Fatal(err)
	}
	if len(pa) != 2 {
		t.Fatalf("wrote %v, want a png and an svg", pa)
	}
	for i := range pa {
		x, _ := os.ReadFile(pa[i])
		y, _ := os.ReadFile(pb[i])
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two renders of the same input (%d vs %d bytes)", filepath.Base(pa[i]), len(x), len(y))
		}
	}
	svg, _ := os.ReadFile(filepath.Join(a, "s.svg"))
	for _, want := range []string{"none same-node", "ebpf same-node", "99.9%", "latency (µs)"} {
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("svg lacks %q", want)
		}
	}
}

func TestSpectrumNoSeries(t *testing.T) {
	if _, err := Spectrum(t.TempDir(), "s", "t", nil); err == nil {
		t.Error("no error for an empty chart")
	}
}

func TestLatencyTicks(t *testing.T) {
	var labels []string
	for _, tk := range (latencyTicks{}).Ticks(30, 2500) {
		labels = append(labels, tk.Label)
	}
	want := "50µs 100µs 200µs 500µs 1ms 2ms"
	if got := strings.Join(labels, " "); got != want {
		t.Errorf("ticks = %q, want %q", got, want)
	}
}

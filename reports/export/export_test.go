package export

import (
	"bytes"
	"encoding/json"
	"github.com/meshbench/meshbench/internal/golden"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshbench/meshbench/reports/sample"
)

func load(t *testing.T, name string) *sample.Set {
	t.Helper()
	s, err := sample.Load("../testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBenchGolden(t *testing.T) {
	var b bytes.Buffer
	if err := WriteBench(&b, load(t, "mesh3.json"), load(t, "kinds.json")); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "bench.txt"), b.Bytes())
	// The invalid point is a comment, never a benchmark line.
	for _, l := range strings.Split(b.String(), "\n") {
		if strings.Contains(l, "cross-node/size=1KiB/rate=4000/mesh=ebpf") && !strings.HasPrefix(l, "# left out, invalid") {
			t.Errorf("invalid point exported as data: %s", l)
		}
	}
}

// TestBenchFormat checks every line against the Go benchmark format rules
// benchstat parses: a name starting "Benchmark" with no spaces, an integer
// iteration count, then value-unit pairs.
func TestBenchFormat(t *testing.T) {
	var b bytes.Buffer
	if err := WriteBench(&b, load(t, "real-quick.json")); err != nil {
		t.Fatal(err)
	}
	lines := 0
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if !strings.HasPrefix(l, "Benchmark") {
			continue
		}
		lines++
		f := strings.Fields(l)
		if len(f) < 4 || len(f)%2 != 0 {
			t.Fatalf("not name, iterations and value-unit pairs: %q", l)
		}
		for i := 2; i < len(f); i += 2 {
			if _, err := json.Number(f[i]).Float64(); err != nil {
				t.Errorf("value %q in %q", f[i], l)
			}
		}
	}
	if lines != 10 {
		t.Errorf("%d benchmark lines, want one per repeat (10)", lines)
	}
}

func TestSMPGolden(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSMP(&b, load(t, "kinds.json")); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "smp.json"), b.Bytes())
	var doc struct {
		Tests []struct {
			Result struct {
				ActualQPS   float64                `json:"actual_QPS"`
				LatenciesMs *struct{ P99 float64 } `json:"latencies_ms"`
			} `json:"result"`
		} `json:"tests"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Tests) != 21 {
		t.Errorf("%d tests, want 21", len(doc.Tests))
	}
}

func TestSMPExcludesInvalid(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSMP(&b, load(t, "mesh3.json")); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    []json.RawMessage `json:"tests"`
		Excluded []struct {
			TestID string   `json:"testId"`
			Reason []string `json:"reason"`
		} `json:"excluded"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Tests) != 14 || len(doc.Excluded) != 1 || !strings.Contains(doc.Excluded[0].Reason[0], "redirected_msgs") {
		t.Errorf("%d tests, excluded %+v", len(doc.Tests), doc.Excluded)
	}
}

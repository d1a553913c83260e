package reports

import (
	"bytes"
	"github.com/meshbench/meshbench/internal/golden"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/meshbench/meshbench/reports/sample"
)

func loadSets(t *testing.T, names ...string) []*sample.Set {
	t.Helper()
	var sets []*sample.Set
	for _, n := range names {
		s, err := sample.Load(filepath.Join("testdata", n))
		if err != nil {
			t.Fatal(err)
		}
		sets = append(sets, s)
	}
	return sets
}

// TestReportGolden: the Markdown report of the fixtures, reviewable as a
// file; and the whole report directory (charts, HTML, exports) is
// byte-identical when written twice.
func TestReportGolden(t *testing.T) {
	sets := loadSets(t, "mesh3.json", "kinds.json")
	a, b := t.TempDir(), t.TempDir()
	wa, err := Write(a, sets)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Write(b, sets); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(wa.Markdown)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "report.golden.md"), md)
	n := 0
	err = filepath.WalkDir(a, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		x, _ := os.ReadFile(p)
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil || len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two reports of the same input (%d vs %d bytes)", rel, len(x), len(y))
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 30 {
		t.Errorf("only %d files written", n)
	}
}

// TestHTMLIsSelfContained: every chart is embedded, nothing is fetched.
func TestHTMLIsSelfContained(t *testing.T) {
	dir := t.TempDir()
	w, err := Write(dir, loadSets(t, "mesh3.json"))
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(w.HTML)
	if err != nil {
		t.Fatal(err)
	}
	imgs := regexp.MustCompile(`<img [^>]*src="([^"]*)"`).FindAllSubmatch(page, -1)
	if want := len(w.Plots) / 2; len(imgs) != want {
		t.Errorf("%d images in the HTML, want %d charts", len(imgs), want)
	}
	for _, m := range imgs {
		if !bytes.HasPrefix(m[1], []byte("data:image/png;base64,")) {
			t.Errorf("image not embedded: %.60s", m[1])
		}
	}
	for _, bad := range []string{"http://", "https://", "<script", "<link"} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("HTML refers to %q", bad)
		}
	}
}

// TestChartsChosenByKind: each kind gets its charts, and data that is
// absent yields no chart rather than an empty one.
func TestChartsChosenByKind(t *testing.T) {
	dir := t.TempDir()
	w, err := Write(dir, loadSets(t, "mesh3.json", "kinds.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range w.Plots {
		if strings.HasSuffix(p, ".png") {
			got = append(got, strings.TrimSuffix(filepath.Base(p), ".png"))
		}
	}
	want := []string{
		"smoke-latency-spectrum", "smoke-cpu", "smoke-memory", // one rate: no load curve
		"tcp-latency-latency-spectrum", "tcp-latency-latency-vs-load", "tcp-latency-cpu", "tcp-latency-memory",
		"tcp-stream-throughput", "tcp-stream-memory", // no latencies, no cores per request
		"http-max-rate-max-rate", "http-max-rate-latency-spectrum", "http-max-rate-cpu", "http-max-rate-memory",
		"tcp-churn-churn", "tcp-churn-latency-spectrum", "tcp-churn-cpu", "tcp-churn-memory",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("charts:\n got %v\nwant %v", got, want)
	}
}

// TestInvalidNeverShownAsValid: the invalid ebpf point has no value in any
// table, is named where charts leave it out, and is excluded from exports.
func TestInvalidNeverShownAsValid(t *testing.T) {
	dir := t.TempDir()
	w, err := Write(dir, loadSets(t, "mesh3.json"))
	if err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(w.Markdown)
	for _, line := range strings.Split(string(md), "\n") {
		if strings.HasPrefix(line, "| cross-node 1KiB @4000/s |") && !strings.Contains(line, "| invalid ") {
			t.Errorf("row of the invalid point shows no invalid cell: %s", line)
		}
	}
	if !strings.Contains(string(md), "redirected_msgs is 0") {
		t.Error("the reason the point is invalid is not in the report")
	}
	bench, _ := os.ReadFile(filepath.Join(dir, BenchFile))
	if regexp.MustCompile(`(?m)^BenchmarkMesh/scenario=tcp-latency/placement=cross-node/size=1KiB/rate=4000/mesh=ebpf`).Match(bench) {
		t.Error("invalid point exported as benchmark data")
	}
}

func TestReportRealRun(t *testing.T) {
	w, err := Write(t.TempDir(), loadSets(t, "real-quick.json"))
	if err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(w.Markdown)
	for _, want := range []string{"Only one mesh was measured", "## Environment", "bin/meshbench run scenarios/smoke.yaml scenarios/latency.yaml --quick",
		"need >= 6 samples", "load generator fell behind"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

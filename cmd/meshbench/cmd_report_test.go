package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReportWritesEverything(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := cli(t, "report", meshFixture, "../../reports/testdata/kinds.json", "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, f := range []string{"report.md", "report.html", "results.bench.txt", "results-1.smp.json", "results-2.smp.json",
		"plots/smoke-latency-spectrum.png", "plots/tcp-latency-latency-vs-load.svg", "plots/tcp-stream-throughput.png",
		"plots/http-max-rate-max-rate.png", "plots/tcp-churn-churn.png", "plots/tcp-latency-cpu.png", "plots/smoke-memory.png"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s missing or empty: %v", f, err)
		}
	}
	if !strings.Contains(out, "open:    file://"+dir+"/report.html") {
		t.Errorf("output does not say where to open the report: %s", out)
	}
}

// TestReportDefaultsToResultsDirectory: `meshbench report out/latest/results.json`
// writes the report beside the results.
func TestReportDefaultsToResultsDirectory(t *testing.T) {
	data, err := os.ReadFile("../../reports/testdata/real-quick.json")
	if err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, "results.json", string(data))
	if code, out, errOut := cli(t, "report", path); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(path), "report.html")); err != nil {
		t.Error(err)
	}
}

func TestReportFormats(t *testing.T) {
	code, out, _ := cli(t, "report", "--format", "benchstat", meshFixture)
	if code != 0 || !strings.HasPrefix(out, "Unit p50-ns better=lower\n") ||
		!strings.Contains(out, "BenchmarkMesh/scenario=smoke/placement=same-node/size=1KiB/rate=500/mesh=none \t1000 \t") {
		t.Errorf("benchstat format: exit %d\n%.400s", code, out)
	}
	code, out, _ = cli(t, "report", "--format", "smp", meshFixture)
	if code != 0 || !strings.Contains(out, `"smp_version": "v0.6.1"`) || !strings.Contains(out, `"latencies_ms"`) {
		t.Errorf("smp format: exit %d\n%.400s", code, out)
	}
}

func TestReportBadInputExitsTwo(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no file", []string{"report"}, "requires at least 1 arg"},
		{"missing file", []string{"report", "/nonexistent/results.json"}, "/nonexistent/results.json"},
		{"not json", []string{"report", writeFile(t, "r.json", "{")}, "not a results file"},
		{"same points twice", []string{"report", meshFixture, meshFixture, "--out", t.TempDir()}, "is also in"},
		{"unknown format", []string{"report", "--format", "pdf", meshFixture}, `--format: "pdf" is not one of report, benchstat, smp`},
		{"smp of two files", []string{"report", "--format", "smp", meshFixture, "../../reports/testdata/kinds.json"}, "give one results file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := cli(t, tt.args...)
			if code != exitBadInput || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tt.want)
			}
		})
	}
}

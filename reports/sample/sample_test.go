package sample

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadMeshFixture(t *testing.T) {
	s, err := Load("../testdata/mesh3.json")
	if err != nil {
		t.Fatal(err)
	}
	if got := Scenarios(s); strings.Join(got, ",") != "smoke,tcp-latency" {
		t.Errorf("scenarios = %v", got)
	}
	pts := Of("tcp-latency", s)
	if len(pts) != 12 {
		t.Fatalf("%d tcp-latency points, want 12", len(pts))
	}
	p := pts[0]
	if p.Label() != "same-node 1KiB @1000/s" || p.Mesh != "none" || !p.Valid() {
		t.Errorf("first point: %q %s valid=%v", p.Label(), p.Mesh, p.Valid())
	}
	p99, _ := MetricByName("p99")
	if xs := p99.Samples(p); len(xs) != 5 || xs[0] != p.Result.Repeats[0].LatencyUS.P99 {
		t.Errorf("p99 samples = %v", xs)
	}
	bits, _ := MetricByName("throughput")
	if xs := bits.Samples(p); xs != nil {
		t.Errorf("a latency scenario has throughput samples %v", xs)
	}
}

func TestLoadOptionalFields(t *testing.T) {
	s, err := Load("../testdata/kinds.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ scenario, metric string }{
		{"tcp-stream", "throughput"}, {"http-max-rate", "max_rps"}, {"tcp-churn", "connections_per_s"},
	}
	for _, tt := range tests {
		m, _ := MetricByName(tt.metric)
		p := Of(tt.scenario, s)[0]
		if xs := m.Samples(p); len(xs) != 5 {
			t.Errorf("%s %s: %d samples, want one per repeat", tt.scenario, tt.metric, len(xs))
		}
	}
	if p := Of("http-max-rate", s)[0]; p.Extra.KneeRPS == nil {
		t.Error("knee_rps not read")
	}
	p50, _ := MetricByName("p50")
	if xs := p50.Samples(Of("tcp-stream", s)[0]); xs != nil {
		t.Errorf("stream point without latencies gives p50 samples %v", xs)
	}
}

// TestResultLevelOptional: a value stored only on the result is one sample.
func TestResultLevelOptional(t *testing.T) {
	body := `{"schema":"meshbench/v1","results":[{"scenario":"s","mesh":"none","placement":"same-node","max_rps":1234,"repeats":[{"index":0}]}]}`
	s, err := Load(write(t, body))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := MetricByName("max_rps")
	if xs := m.Samples(s.Points[0]); len(xs) != 1 || xs[0] != 1234 {
		t.Errorf("samples = %v", xs)
	}
}

func TestLoadBadInput(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"schema", `{"schema":"meshbench/v0"}`, `field schema: expected "meshbench/v1"`},
		{"not json", `{`, "not a results file"},
		{"no mesh", `{"schema":"meshbench/v1","results":[{"scenario":"s","placement":"p"}]}`, "field results[0].mesh: must not be empty"},
		{"bad histogram", `{"schema":"meshbench/v1","results":[{"scenario":"s","mesh":"none","placement":"p","repeats":[{"histogram":"bm90IGEgaGlzdG9ncmFt"}]}]}`,
			"field results[0].repeats[0].histogram: decode histogram"},
		{"duplicate", `{"schema":"meshbench/v1","results":[{"scenario":"s","mesh":"none","placement":"p"},{"scenario":"s","mesh":"none","placement":"p"}]}`,
			"field results[1]: s p 0B mesh none is already results[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := write(t, tt.body)
			_, err := Load(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %v, want one naming %s and %q", err, path, tt.want)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		f    func(float64) string
		v    float64
		want string
	}{
		{Micros, 184.831, "184.8µs"}, {Micros, 1017.3, "1.017ms"}, {Micros, 2.5e6, "2.500s"}, {Micros, 9.99996, "10.00µs"},
		{SI, 500, "500.0"}, {SI, 4000, "4.000k"}, {SI, 9.412e9, "9.412G"}, {SI, 999.96, "1.000k"}, {SI, 999.94, "999.9"}, {Micros, 999.97, "1.000ms"},
		{Fixed, 2.1156, "2.116"}, {Fixed, 0.42101, "0.4210"}, {Fixed, 0, "0.000"},
	}
	for _, tt := range tests {
		if got := tt.f(tt.v); got != tt.want {
			t.Errorf("format(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
	if Bytes(1024) != "1KiB" || Bytes(1<<20) != "1MiB" || Bytes(64) != "64B" || Bytes(1500) != "1500B" {
		t.Error("Bytes")
	}
}

func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "r.json")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

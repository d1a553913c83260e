package scenarios

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const good = `
name: t
rates: [100]
`

func TestParseDefaults(t *testing.T) {
	s, err := Parse("t.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if s.Kind != KindLatency || s.Protocol != ProtocolHTTP || s.Placement != PlacementSameNode {
		t.Errorf("defaults not applied: %+v", s)
	}
	if s.Connections != DefaultConnections || s.Repeats != DefaultRepeats || s.Duration.D() != DefaultDuration || s.Warmup.D() != DefaultWarmup {
		t.Errorf("numeric defaults not applied: %+v", s)
	}
	if len(s.Meshes) != 1 || s.Meshes[0] != MeshNone || len(s.PayloadBytes) != 1 {
		t.Errorf("list defaults not applied: %+v", s)
	}
}

func TestParseExplicitZeroWarmupKept(t *testing.T) {
	s, err := Parse("t.yaml", []byte(good+"warmup: 0s\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Warmup != 0 {
		t.Errorf("warmup = %s, want 0 (explicitly set)", s.Warmup.D())
	}
}

func TestParseErrorsNameTheField(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown field", good + "rate: 5\n", "unknown field rate (line 4)"},
		{"negative rate", "name: t\nrates: [-5]\n", "field rates[0]: must be > 0"},
		{"zero rate", "name: t\nrates: [0]\n", "field rates[0]"},
		{"no rates", "name: t\n", "field rates: is required"},
		{"zero duration", good + "duration: 0s\n", "field duration: must be a positive duration"},
		{"negative duration", good + "duration: -1s\n", "field duration"},
		{"not a duration", good + "duration: soon\n", "expected a duration"},
		{"bad kind", good + "kind: chaos\n", "field kind: must be one of latency"},
		{"bad protocol", good + "protocol: udp\n", "field protocol: must be one of http, tcp"},
		{"bad placement", good + "placement: moon\n", "field placement"},
		{"bad mesh", good + "meshes: [linkerd]\n", "field meshes[0]"},
		{"duplicate mesh", good + "meshes: [none, none]\n", "field meshes[1]: lists \"none\" twice"},
		{"zero connections", good + "connections: 0\n", "field connections: must be between 1"},
		{"zero repeats", good + "repeats: 0\n", "field repeats"},
		{"huge payload", good + "payload_bytes: [999999999]\n", "field payload_bytes[0]"},
		{"wrong type", good + "connections: many\n", "cannot unmarshal"},
		{"missing name", "rates: [1]\n", "field name: is required"},
		{"empty", "", "file is empty"},
		{"two documents", good + "---\n" + good, "more than one YAML document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "bad.yaml: ") || !strings.Contains(msg, tt.want) {
				t.Errorf("error = %q, want prefix bad.yaml: and %q", msg, tt.want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error spans lines: %q", msg)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "no such scenario file") {
		t.Fatalf("err = %v", err)
	}
}

// TestShippedScenariosLoad keeps every scenario file in this directory valid.
func TestShippedScenariosLoad(t *testing.T) {
	paths, err := filepath.Glob("*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no scenario files found: %v", err)
	}
	for _, p := range paths {
		f, err := Load(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if len(f.SHA256) != 64 {
			t.Errorf("%s: hash %q", p, f.SHA256)
		}
	}
}

func TestQuickCaps(t *testing.T) {
	s := Scenario{Duration: Duration(time.Minute), Warmup: Duration(10 * time.Second), Repeats: 9}
	s.Quick()
	if s.Duration.D() != time.Second || s.Warmup.D() != 500*time.Millisecond || s.Repeats != 5 {
		t.Errorf("Quick() = %+v", s)
	}
}

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cli runs the CLI in-process and returns its exit code and output.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = exitCode(run(context.Background(), args, &out, &errb), &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVersion(t *testing.T) {
	code, out, _ := cli(t, "version")
	if code != 0 || !strings.HasPrefix(out, "meshbench ") || !strings.Contains(out, "go1.") {
		t.Fatalf("version: code %d, output %q", code, out)
	}
}

// TestBadInputExitsTwo tries what a new user gets wrong. Each must exit 2
// with a single line naming the problem, before anything is created.
func TestBadInputExitsTwo(t *testing.T) {
	good := "name: s\nrates: [100]\n"
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing file", []string{"run", "/nonexistent/s.yaml"}, "/nonexistent/s.yaml: no such scenario file"},
		{"unknown field", []string{"run", writeFile(t, "u.yaml", good+"colour: red\n")}, "unknown field colour"},
		{"negative rate", []string{"run", writeFile(t, "n.yaml", "name: s\nrates: [-5]\n")}, "field rates[0]: must be > 0"},
		{"zero duration", []string{"run", writeFile(t, "z.yaml", good+"duration: 0s\n")}, "field duration: must be a positive duration"},
		{"mesh not built", []string{"run", "--mesh", "linkerd", writeFile(t, "m.yaml", good)}, `--mesh: "linkerd" is not available`},
		{"duplicate scenario names", []string{"run", writeFile(t, "a.yaml", good), writeFile(t, "b.yaml", good)}, "already used by"},
		{"no scenario", []string{"run"}, "requires at least 1 arg"},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"unknown flag", []string{"up", "--colour"}, "unknown flag"},
		{"too many nodes", []string{"up", "--nodes", "0"}, "--nodes: must be between 1 and 16"},
		{"exec unknown pod", []string{"exec", "mb-nope-n9-p9", "--", "true"}, `pod not found: "mb-nope-n9-p9"`},
		{"exec without dash", []string{"exec", "mb-nope-n9-p9", "true"}, "usage: meshbench exec POD -- COMMAND"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := cli(t, tt.args...)
			if code != exitBadInput {
				t.Errorf("exit code %d, want 2; stderr: %s", code, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.want)
			}
			if n := strings.Count(strings.TrimSpace(stderr), "\n"); n > 0 && !strings.Contains(stderr, "Usage:") {
				t.Errorf("message spans %d lines: %q", n+1, stderr)
			}
		})
	}
}

// Package golden compares test output with golden files under testdata/,
// the benchstat way (shared by every package's golden tests): a mismatch prints the first differing line and writes
// the output next to the golden file as <name>.got; `go test -update`
// rewrites the golden files instead. Only tests import it.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files with the current output")

// Check compares got with the file at path.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (go test -update creates it): %v", err)
	}
	if bytes.Equal(got, want) {
		if err := os.Remove(path + ".got"); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return
	}
	if err := os.WriteFile(path+".got", got, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Errorf("output differs from %s (written to %s.got; diff them, or accept with go test -update)\n%s",
		path, path, firstDiff(want, got))
}

func firstDiff(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("first difference, line %d:\n  want: %s\n  got:  %s", i+1, wl, gl)
		}
	}
	return ""
}

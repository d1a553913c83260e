package local

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunDirsAreFoundByClusterAndRemoved(t *testing.T) {
	l := layout{stateDir: t.TempDir()}
	a1, err := l.mkRunDir("a")
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := l.mkRunDir("a")
	ab, _ := l.mkRunDir("a-b") // a prefix of its name is another cluster's
	kubeconfig := filepath.Join(l.stateDir, "kind-x.kubeconfig")
	if err := os.WriteFile(kubeconfig, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(a1); err != nil || fi.Mode().Perm() != 0o711 || !strings.HasPrefix(filepath.Base(a1), "a.") {
		t.Fatalf("run dir %s: %v %v", a1, fi.Mode(), err)
	}
	if err := l.removeRunDirs("a"); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{a1, a2} {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s survived down of its cluster: %v", d, err)
		}
	}
	if _, err := os.Stat(ab); err != nil {
		t.Errorf("down of cluster a removed cluster a-b's %s: %v", ab, err)
	}
	if err := l.removeRunDirs(""); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(ab); !os.IsNotExist(err) {
		t.Errorf("down all left %s", ab)
	}
	if _, err := os.Stat(kubeconfig); err != nil {
		t.Errorf("down removed a file that is not its own: %v", err)
	}
}

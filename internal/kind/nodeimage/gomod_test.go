package nodeimage

import (
	"os"
	"strings"
	"testing"

	"github.com/meshbench/meshbench/internal/golden"
)

// The generated module repeats every staging replace of k8s.io/kubernetes,
// pinned to the matching v0.x release, and nothing else.
func TestKubernetesGoModGolden(t *testing.T) {
	upstream, err := os.ReadFile("testdata/kubernetes-v1.33.4.go.mod")
	if err != nil {
		t.Fatal(err)
	}
	got, err := kubernetesGoMod(string(upstream), "v1.33.4")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/kubernetes-build.go.mod.golden", []byte(got))
	if strings.Contains(got, "./staging") || strings.Contains(got, "example/fork") {
		t.Errorf("generated go.mod keeps a local or non-staging replace:\n%s", got)
	}
	if n := strings.Count(got, " v0.33.4\n"); n != 31 {
		t.Errorf("%d staging replaces pinned to v0.33.4, want 31 (one per k8s.io staging module)", n)
	}
}

func TestKubernetesGoModErrors(t *testing.T) {
	for _, tc := range []struct{ name, upstream, version, want string }{
		{"no staging replaces", "module k8s.io/kubernetes\n\ngo 1.24.0\n", "v1.33.4", "replaces no module"},
		{"not a release", "replace k8s.io/api => ./staging/src/k8s.io/api\n", "v1.33", "release tag"},
		{"pre-release", "replace k8s.io/api => ./staging/src/k8s.io/api\n", "v1.34.0-rc.1", "release tag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := kubernetesGoMod(tc.upstream, tc.version)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestStagingModulesSingleLineReplace(t *testing.T) {
	mods, err := stagingModules("replace k8s.io/kms => ./staging/src/k8s.io/kms // comment\nreplace x => ../x\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(mods) != 1 || mods[0] != "k8s.io/kms" {
		t.Fatalf("mods = %v, want [k8s.io/kms]", mods)
	}
}

func TestToolGoModSorted(t *testing.T) {
	got := toolGoMod("etcd", "1.23.0", map[string]string{"z.io/b": "v2.0.0", "a.io/a": "v1.0.0"})
	if !strings.Contains(got, "module meshbench.local/etcd-build\n\ngo 1.23.0\n\nrequire (\n\ta.io/a v1.0.0\n\tz.io/b v2.0.0\n)\n") {
		t.Fatalf("unexpected go.mod:\n%s", got)
	}
}

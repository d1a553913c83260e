package cgroupv2_test

import (
	"os"
	"testing"

	"github.com/meshbench/meshbench/internal/cgroupv2"
	"github.com/meshbench/meshbench/internal/testenv"
)

// tempCgroup creates a cgroup v2 directory under the hierarchy's root for
// one test (root and the v2 hierarchy required) and removes it at cleanup.
// Cleanups run last first: a test that moves itself into the cgroup
// registers its move back after calling this.
func tempCgroup(t *testing.T, prefix string) string {
	t.Helper()
	testenv.RequirePrivileged(t)
	mount, err := cgroupv2.Mountpoint()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp(mount, prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cgroupv2.RemoveTree(dir); err != nil {
			t.Error(err)
		}
	})
	return dir
}

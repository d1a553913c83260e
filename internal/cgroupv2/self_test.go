package cgroupv2_test

import (
	"os"
	"testing"

	"github.com/meshbench/meshbench/internal/cgroupv2"
	"github.com/meshbench/meshbench/internal/testenv"
)

// TestRunInMovesAndReturns: fn runs with the process in the cgroup, and the
// process is back home afterwards, also when fn fails.
func TestRunInMovesAndReturns(t *testing.T) {
	testenv.RequirePrivileged(t)
	mount, err := cgroupv2.Mountpoint()
	if err != nil {
		t.Fatal(err)
	}
	home, err := cgroupv2.Own()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp(mount, "mb-test-runin-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cgroupv2.RemoveTree(dir); err != nil {
			t.Error(err)
		}
	})
	var inside string
	err = cgroupv2.RunIn(dir, func() error {
		var err error
		inside, err = cgroupv2.Own()
		return err
	})
	if err != nil || inside != dir {
		t.Fatalf("inside RunIn: own cgroup %q, %v; want %q", inside, err, dir)
	}
	if now, err := cgroupv2.Own(); err != nil || now != home {
		t.Errorf("after RunIn: own cgroup %q, %v; want %q", now, err, home)
	}
	if err := cgroupv2.RunIn(dir, func() error { return os.ErrClosed }); err != os.ErrClosed {
		t.Errorf("fn's error lost: %v", err)
	}
	if now, _ := cgroupv2.Own(); now != home {
		t.Errorf("a failing fn left the process in %q", now)
	}
}

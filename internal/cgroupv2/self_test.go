package cgroupv2_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/meshbench/meshbench/internal/cgroupv2"
)

// TestRunInMovesAndReturns: fn runs with the process in the cgroup, and the
// process is back home afterwards, also when fn fails.
func TestRunInMovesAndReturns(t *testing.T) {
	dir := tempCgroup(t, "mb-test-runin-")
	home, err := cgroupv2.Own()
	if err != nil {
		t.Fatal(err)
	}
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

// TestRunInHoldsAnEmptyingHome: a process alone in its cgroup leaves a
// holder there while RunIn has it away, so the cgroup stays populated (an
// empty one may be removed, as systemd does with container scopes), and
// no holder is left afterwards.
func TestRunInHoldsAnEmptyingHome(t *testing.T) {
	home := tempCgroup(t, "mb-test-hold-home-")
	away := tempCgroup(t, "mb-test-hold-away-")
	orig, err := cgroupv2.Own()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // before the cgroups go: home must be empty
		if err := cgroupv2.MoveProcess(orig); err != nil {
			t.Error(err)
		}
	})
	if err := cgroupv2.MoveProcess(home); err != nil {
		t.Fatal(err)
	}
	procs := func(dir string) []string {
		b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Fields(string(b))
	}
	var held []string
	if err := cgroupv2.RunIn(away, func() error { held = procs(home); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(held) != 1 || held[0] == strconv.Itoa(os.Getpid()) {
		t.Errorf("home held by %v while away, want one holder process", held)
	}
	if now := procs(home); len(now) != 1 || now[0] != strconv.Itoa(os.Getpid()) {
		t.Errorf("home after RunIn: %v, want only this process (the holder gone)", now)
	}
}

package datapath

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/meshbench/meshbench/internal/testenv"
	"golang.org/x/sys/unix"
)

// requireDatapath skips t (fails it under CI=true) unless the datapath can
// run here: root with the capabilities, cgroup v2, a working netns, kernel
// BTF and the program and map types Up needs. It mounts bpffs on
// /sys/fs/bpf when nothing is mounted there; TestMain unmounts it again.
func requireDatapath(t testing.TB) {
	t.Helper()
	testenv.RequirePrivileged(t)
	if err := ensureBPFFS(); err != nil {
		skipOrFail(t, err.Error())
	}
	if err := CheckEnvironment(); err != nil {
		skipOrFail(t, err.Error())
	}
}

func skipOrFail(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("datapath test cannot run (CI=true, so this fails instead of skipping): %s", reason)
	}
	t.Skipf("skipping datapath test: %s", reason)
}

var (
	bpffsOnce    sync.Once
	bpffsErr     error
	bpffsMounted bool // by this test binary
)

func ensureBPFFS() error {
	bpffsOnce.Do(func() {
		if checkBPFFS(bpffsRoot) == nil {
			return
		}
		if err := unix.Mount("bpf", bpffsRoot, "bpf", 0, "mode=0700"); err != nil {
			bpffsErr = fmt.Errorf("no bpffs on %s and mounting one failed: %w", bpffsRoot, err)
			return
		}
		bpffsMounted = true
	})
	return bpffsErr
}

// bpffsUnused reports whether the bpffs holds nothing but the iterators the
// kernel's bpf_preload puts into every new mount.
func bpffsUnused() bool {
	entries, err := os.ReadDir(bpffsRoot)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if n := e.Name(); n != "maps.debug" && n != "progs.debug" {
			return false
		}
	}
	return true
}

// downEnv makes this test binary a separate process that runs Down, for
// tests that take a datapath down from outside the process that made it.
const downEnv = "MESHBENCH_DATAPATH_TEST_DOWN"

func TestMain(m *testing.M) {
	if instance := os.Getenv(downEnv); instance != "" {
		if err := Down(instance); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	if bpffsMounted {
		// Leave it to whoever else pinned something meanwhile.
		if bpffsUnused() {
			if err := unix.Unmount(bpffsRoot, 0); err != nil {
				fmt.Fprintf(os.Stderr, "unmount the bpffs this test mounted: %v\n", err)
				code = 1
			}
		}
	}
	os.Exit(code)
}

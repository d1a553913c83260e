// Package testenv decides whether privileged tests (network namespaces,
// cgroup v2) can run on this host. Tests call RequirePrivileged first; it
// skips with the reason when the host lacks something, except in CI
// (CI=true), where a missing capability fails the test: nothing may skip
// silently there.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"testing"

	"github.com/meshbench/meshbench/internal/cgroupv2"
	"github.com/meshbench/meshbench/internal/netnsutil"
	"github.com/meshbench/meshbench/internal/privilege"
	"golang.org/x/sys/unix"
)

// RequirePrivileged skips t (or, when CI=true, fails it) unless this process
// can create network namespaces and cgroup v2 cgroups: euid 0, CAP_NET_ADMIN
// and CAP_SYS_ADMIN, a writable cgroup v2 mount and a working
// unshare(CLONE_NEWNET).
func RequirePrivileged(t testing.TB) {
	t.Helper()
	reason := missing()
	if reason == "" {
		return
	}
	if inCI() {
		t.Fatalf("privileged test cannot run (CI=true, so this fails instead of skipping): %s", reason)
		return
	}
	t.Skipf("skipping privileged test: %s", reason)
}

func inCI() bool { return os.Getenv("CI") == "true" }

// missing returns what the host lacks for privileged tests, "" if nothing.
var missing = sync.OnceValue(probe)

func probe() string {
	if runtime.GOOS != "linux" {
		return "needs Linux, this is " + runtime.GOOS
	}
	if euid := os.Geteuid(); euid != 0 {
		return fmt.Sprintf("needs root (euid 0), running as euid %d", euid)
	}
	if err := privilege.Check(); err != nil {
		return err.Error()
	}
	mount, err := cgroupv2.Mountpoint()
	if err != nil {
		return err.Error()
	}
	if err := unix.Access(mount, unix.W_OK); err != nil {
		return fmt.Sprintf("cgroup v2 mount %s is not writable: %v", mount, err)
	}
	if err := canUnshareNet(); err != nil {
		return fmt.Sprintf("cannot create a network namespace: %v", err)
	}
	return ""
}

// canUnshareNet tries unshare(CLONE_NEWNET) on a thread that then moves
// back (see netnsutil for why that matters on the main thread).
func canUnshareNet() error {
	return netnsutil.With(func() error { return unix.Unshare(unix.CLONE_NEWNET) }, func() error { return nil })
}

// RequireCommand returns the path of program name, skipping t (or, when
// CI=true, failing it) when it is not installed; pkg is the Debian package
// that provides it.
func RequireCommand(t testing.TB, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if inCI() {
		t.Fatalf("%s is not installed (CI=true, so this fails instead of skipping): %v", name, err)
		return ""
	}
	t.Skipf("skipping: %s is not installed (apt-get install -y %s): %v", name, pkg, err)
	return ""
}

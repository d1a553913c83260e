// Package testenv decides whether privileged tests (network namespaces,
// cgroup v2) can run on this host. Tests call RequirePrivileged first; it
// skips with the reason when the host lacks something, except in CI
// (CI=true), where a missing capability fails the test: nothing may skip
// silently there.
package testenv

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"testing"

	"github.com/meshbench/meshbench/internal/cgroupv2"
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

// canUnshareNet tries unshare(CLONE_NEWNET) on a locked thread and moves the
// thread back. It does not rely on the thread dying with its goroutine: when
// that thread is the main thread, Go cannot end it and wedges it instead,
// which would leave the process leader (/proc/self/ns/net) in the new netns.
func canUnshareNet() error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer unix.Close(orig)
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("return to the original netns: %w", err)
			return // the thread stays locked and is not reused
		}
		runtime.UnlockOSThread()
		errc <- nil
	}()
	return <-errc
}

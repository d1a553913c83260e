// Package testenv decides whether privileged tests (network namespaces,
// cgroup v2) can run on this host. Tests call RequirePrivileged first; it
// skips with the reason when the host lacks something, except in CI
// (CI=true), where a missing capability fails the test: nothing may skip
// silently there.
package testenv

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/meshbench/meshbench/internal/cgroupv2"
	"golang.org/x/sys/unix"
)

// Capability bits (linux/capability.h).
const (
	capNetAdmin = 12
	capSysAdmin = 21
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
	caps, err := effectiveCaps()
	if err != nil {
		return err.Error()
	}
	for _, c := range []struct {
		bit  uint
		name string
	}{{capNetAdmin, "CAP_NET_ADMIN"}, {capSysAdmin, "CAP_SYS_ADMIN"}} {
		if caps&(1<<c.bit) == 0 {
			return "needs " + c.name + " in the effective capability set"
		}
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

// effectiveCaps reads CapEff from /proc/self/status.
func effectiveCaps() (uint64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("read capabilities: %w", err)
	}
	defer f.Close()
	return parseCapEff(bufio.NewScanner(f))
}

func parseCapEff(sc *bufio.Scanner) (uint64, error) {
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				return 0, fmt.Errorf("parse CapEff: %w", err)
			}
			return caps, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("read capabilities: %w", err)
	}
	return 0, fmt.Errorf("read capabilities: no CapEff line in /proc/self/status")
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

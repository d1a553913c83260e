package cgroupv2

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Own returns the cgroup v2 directory this process runs in.
func Own() (string, error) {
	mount, err := Mountpoint()
	if err != nil {
		return "", err
	}
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return "", fmt.Errorf("read /proc/self/cgroup: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "0::"); ok {
			return filepath.Join(mount, filepath.Clean("/"+rest)), nil
		}
	}
	return "", errors.New("no cgroup v2 entry in /proc/self/cgroup")
}

// MoveProcess moves this whole process (every thread) into cgroup dir.
// Callers that move back and forth serialise their moves themselves, or use
// RunIn.
func MoveProcess(dir string) error {
	pid := []byte(strconv.Itoa(os.Getpid()))
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), pid, 0); err != nil {
		return fmt.Errorf("move process into cgroup %s: %w", dir, err)
	}
	return nil
}

// runInMu serialises RunIn's moves of this process.
var runInMu sync.Mutex

// RunIn runs fn with this whole process moved into cgroup dir, then moves it
// back. Sockets take their cgroup from the creating task, so sockets fn
// creates stay in dir for good: this is how a process gets sockets that a
// program attached to dir sees without starting another process. Keep fn
// short: every thread of the process is in dir while it runs.
func RunIn(dir string, fn func() error) (err error) {
	runInMu.Lock()
	defer runInMu.Unlock()
	home, err := Own()
	if err != nil {
		return err
	}
	// The holder's parent-death signal follows this OS thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	release := holdPopulated(home)
	defer release()
	if err := MoveProcess(dir); err != nil {
		return err
	}
	defer func() {
		if merr := MoveProcess(home); merr != nil {
			err = errors.Join(err, fmt.Errorf("move back: %w", merr))
		}
	}()
	return fn()
}

// holdPopulated keeps home populated while this process is away from it,
// when this process is home's only member: a cgroup that empties may be
// removed under it (systemd garbage-collects an empty container scope: a
// Kubernetes node agent's self-test lost its own cgroup that way, and the
// move back failed). It starts a `sleep` in home, killed if this process
// dies, and returns what ends it; without one, RunIn goes on unheld.
func holdPopulated(home string) (release func()) {
	release = func() {}
	data, err := os.ReadFile(filepath.Join(home, "cgroup.procs"))
	if err != nil || strings.TrimSpace(string(data)) != strconv.Itoa(os.Getpid()) {
		return release // others keep it populated, or we cannot tell
	}
	cmd := exec.Command("sleep", "600")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if cmd.Start() != nil {
		return release
	}
	return func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
}

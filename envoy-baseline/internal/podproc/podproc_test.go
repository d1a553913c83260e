package podproc

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/meshbench/meshbench/internal/substrate/local"
	"github.com/meshbench/meshbench/internal/testenv"
	"golang.org/x/sys/unix"
)

func TestNotifyWaitReady(t *testing.T) {
	dir := t.TempDir()
	n, err := ListenNotify(filepath.Join(dir, "notify.sock"), os.Getuid(), os.Getgid())
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	send := func(msg string) {
		c, err := net.Dial("unixgram", n.Path)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	never := make(chan struct{})
	send("RELOADING=1")
	send("STATUS=almost\nREADY=1\nMAINPID=1")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := n.WaitReady(ctx, never, nil); err != nil {
		t.Fatalf("WaitReady after READY=1: %v", err)
	}

	exited := make(chan struct{})
	close(exited)
	died := errors.New("died")
	if err := n.WaitReady(ctx, exited, func() error { return died }); !errors.Is(err, died) {
		t.Fatalf("WaitReady after exit = %v, want the exit error", err)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	if err := n.WaitReady(short, never, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitReady without READY = %v, want deadline exceeded", err)
	}
}

// TestStartStop starts a process that ignores SIGTERM in a real pod and
// checks where and as whom it runs, then that Stop falls back to SIGKILL.
func TestStartStop(t *testing.T) {
	testenv.RequirePrivileged(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := local.Up(ctx, local.Config{Name: fmt.Sprintf("t%08x", rand.Uint32()), Nodes: 1, PodsPerNode: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Down(); err != nil {
			t.Error(err)
		}
	})
	pod := c.Pods()[0]
	cg := filepath.Join(pod.Cgroup, "test-proc")
	if err := MakeCgroup(cg); err != nil {
		t.Fatal(err)
	}
	p, err := Start(Spec{Netns: pod.Netns, Cgroup: cg, UID: 1337, GID: 1337},
		exec.Command("/bin/sh", "-c", "trap '' TERM; echo started; exec sleep 60"))
	if err != nil {
		t.Fatal(err)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Pid()))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(status), "\nUid:\t1337\t1337\t1337\t1337\n") || !regexp.MustCompile(`\nGroups:\s*\n`).Match(status) {
		t.Errorf("process credentials:\n%s", status)
	}
	procs, err := os.ReadFile(filepath.Join(cg, "cgroup.procs"))
	if err != nil || strings.TrimSpace(string(procs)) != fmt.Sprint(p.Pid()) {
		t.Errorf("cgroup.procs of %s = %q (%v), want pid %d", cg, procs, err, p.Pid())
	}
	var podNS, procNS unix.Stat_t
	if err := unix.Stat(pod.Netns, &podNS); err != nil {
		t.Fatal(err)
	}
	if err := unix.Stat(fmt.Sprintf("/proc/%d/ns/net", p.Pid()), &procNS); err != nil {
		t.Fatal(err)
	}
	if podNS.Ino != procNS.Ino {
		t.Error("process is not in the pod's network namespace")
	}

	// SIGTERM is ignored only once the shell has run its trap.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(p.output.String(), "started"); {
		if time.Now().After(deadline) {
			t.Fatalf("the shell never started: %q", p.output.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	if err := p.Stop(200 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 200*time.Millisecond {
		t.Errorf("Stop returned after %v: the process ignores SIGTERM, so it must have waited for the grace period", took)
	}
	select {
	case <-p.Done():
	default:
		t.Fatal("Stop returned before the process was reaped")
	}
	if err := p.ExitError(); !strings.Contains(err.Error(), "killed") || !strings.Contains(err.Error(), "started") {
		t.Errorf("ExitError = %v, want the kill and the output", err)
	}
	if err := p.Stop(time.Second); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if err := RemoveCgroup(ctx, cg); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(cg); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cgroup %s still there (%v)", cg, err)
	}
}

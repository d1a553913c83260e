package cgroupv2_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/meshbench/meshbench/internal/cgroupv2"
	"github.com/meshbench/meshbench/internal/testenv"
)

// TestKillWaitRemove runs processes in a small cgroup tree, then kills,
// waits for and removes the whole tree the way Down does.
func TestKillWaitRemove(t *testing.T) {
	testenv.RequirePrivileged(t)
	mount, err := cgroupv2.Mountpoint()
	if err != nil {
		t.Fatal(err)
	}
	top := filepath.Join(mount, fmt.Sprintf("mb-cgtest-%08x", rand.Uint32()))
	leaf := filepath.Join(top, "a", "b")
	if err := os.MkdirAll(leaf, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cgroupv2.Kill(top)
		_ = cgroupv2.RemoveTree(top)
	})

	pop, err := cgroupv2.Populated(top)
	if err != nil || pop {
		t.Fatalf("new cgroup: populated = %v, %v", pop, err)
	}
	var cmds []*exec.Cmd
	for _, dir := range []string{filepath.Join(top, "a"), leaf} {
		fd, err := os.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("sleep", "60")
		cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(fd.Fd())}
		err = cmd.Start()
		fd.Close()
		if err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	pids, err := cgroupv2.ProcsTree(top)
	if err != nil {
		t.Fatal(err)
	}
	want := []int{cmds[0].Process.Pid, cmds[1].Process.Pid}
	slices.Sort(pids)
	slices.Sort(want)
	if !slices.Equal(pids, want) {
		t.Fatalf("ProcsTree = %v, want %v", pids, want)
	}
	if err := cgroupv2.RemoveTree(top); err == nil || !strings.Contains(err.Error(), "busy") {
		t.Fatalf("RemoveTree of a populated tree: %v, want device or resource busy", err)
	}
	if err := cgroupv2.Kill(top); err != nil {
		t.Fatal(err)
	}
	for _, c := range cmds {
		if err := c.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
			t.Errorf("pid %d: Wait = %v, want killed", c.Process.Pid, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := cgroupv2.WaitEmpty(ctx, top); err != nil {
		t.Fatal(err)
	}
	if err := cgroupv2.RemoveTree(top); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(top); !os.IsNotExist(err) {
		t.Fatalf("%s still there: %v", top, err)
	}
	// Everything is idempotent on a missing tree.
	if err := cgroupv2.Kill(top); err != nil {
		t.Errorf("Kill of a missing cgroup: %v", err)
	}
	if err := cgroupv2.WaitEmpty(ctx, top); err != nil {
		t.Errorf("WaitEmpty of a missing cgroup: %v", err)
	}
	if err := cgroupv2.RemoveTree(top); err != nil {
		t.Errorf("RemoveTree of a missing cgroup: %v", err)
	}
}

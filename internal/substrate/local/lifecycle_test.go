package local

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meshbench/meshbench/internal/netnsutil"
	"github.com/meshbench/meshbench/internal/testenv"
)

func TestDown(t *testing.T) {
	testenv.RequirePrivileged(t)
	name := testName()
	before := takeSnapshot(t)
	c, err := Up(context.Background(), Config{Name: name, Nodes: 2, PodsPerNode: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Down() })
	pod := c.Pods()[3]
	inCgroup := exec.Command("sleep", "300")
	if err := c.Start(pod, inCgroup); err != nil {
		t.Fatal(err)
	}
	// A process in the pod's netns but not in its cgroup, like an
	// `ip netns exec` shell.
	outside := exec.Command("sleep", "300")
	if err := netnsutil.Do(pod.Netns, outside.Start); err != nil {
		t.Fatal(err)
	}

	if err := c.Down(); err != nil {
		t.Fatalf("Down: %v", err)
	}
	for _, cmd := range []*exec.Cmd{inCgroup, outside} {
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "killed") {
				t.Errorf("pid %d: Wait = %v, want killed", cmd.Process.Pid, err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("pid %d survived Down", cmd.Process.Pid)
			_ = cmd.Process.Kill()
		}
	}
	for _, name := range c.netnsNames() {
		if _, err := os.Stat(filepath.Join(netnsDir, name)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("netns %s still there: %v", name, err)
		}
	}
	for _, p := range []string{c.cgroup, c.state} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s still there: %v", p, err)
		}
	}
	checkSnapshot(t, before, name)

	if err := c.Down(); err != nil {
		t.Errorf("second Down: %v", err)
	}
	if _, err := Load(name); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load after Down: %v, want not exist", err)
	}
	if _, _, err := FindPod(pod.Name); !errors.Is(err, ErrPodNotFound) || !strings.Contains(err.Error(), pod.Name) {
		t.Errorf("FindPod after Down: %v, want ErrPodNotFound", err)
	}
}

func TestFailedUpLeavesNothing(t *testing.T) {
	testenv.RequirePrivileged(t)
	ctx := context.Background()

	t.Run("invalid config", func(t *testing.T) {
		name := testName()
		before := takeSnapshot(t)
		for _, cfg := range []Config{
			{Name: name, Nodes: 2, PodsPerNode: 0},
			{Name: name, Nodes: 17, PodsPerNode: 1},
			{Name: "Bad Name", Nodes: 1, PodsPerNode: 1},
		} {
			if c, err := Up(ctx, cfg); !errors.Is(err, ErrInvalidConfig) || c != nil {
				t.Errorf("Up(%+v) = %v, %v; want ErrInvalidConfig", cfg, c, err)
			}
		}
		checkSnapshot(t, before, name)
	})

	t.Run("canceled", func(t *testing.T) {
		name := testName()
		before := takeSnapshot(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := Up(cctx, Config{Name: name, Nodes: 2, PodsPerNode: 2}); !errors.Is(err, context.Canceled) {
			t.Errorf("Up with a canceled context: %v", err)
		}
		checkSnapshot(t, before, name)
	})

	t.Run("name clash", func(t *testing.T) {
		name := testName()
		before := takeSnapshot(t)
		first, err := Up(ctx, Config{Name: name, Nodes: 1, PodsPerNode: 2})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = first.Down() })
		running := takeSnapshot(t)
		_, err = Up(ctx, Config{Name: name, Nodes: 2, PodsPerNode: 1})
		if !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), "already exists") {
			t.Errorf("second Up with the same name: %v, want already exists", err)
		}
		checkSnapshot(t, running, name) // the first cluster is intact
		pods := first.Pods()
		exchange(t, pods[0], pods[1], false, 100)
		if err := first.Down(); err != nil {
			t.Fatal(err)
		}
		checkSnapshot(t, before, name)
	})

	t.Run("stale netns midway", func(t *testing.T) {
		// A pod namespace left over from a crash makes Up fail after it has
		// created cgroups, nodes, wires and some pods: all of those go, the
		// stale namespace (not Up's) stays.
		name := testName()
		stale := podName(name, 1, 1)
		ns, err := createNetns(stale, func() error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		ns.Close()
		t.Cleanup(func() { _ = deleteNetns(stale) })
		before := takeSnapshot(t)
		_, err = Up(ctx, Config{Name: name, Nodes: 2, PodsPerNode: 2})
		if !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), stale) {
			t.Errorf("Up over a stale netns: %v, want exists error naming %s", err, stale)
		}
		checkSnapshot(t, before, name)
		if _, err := os.Stat(filepath.Join(netnsDir, stale)); err != nil {
			t.Errorf("Up removed a namespace it did not create: %v", err)
		}
	})
}

// TestDownAllWithoutStateFile simulates `kill -9` of a run: the state file
// is gone, a process still runs in a pod, a namespace file is half-made and
// the datapath left pins. DownAll runs on a sandbox layout (its own cgroup
// top, state and bpf directories, and only this cluster's netns prefix) so it
// cannot touch other meshbench runs on the host; the code path is the one
// the real DownAll takes.
func TestDownAllWithoutStateFile(t *testing.T) {
	testenv.RequirePrivileged(t)
	name := testName()
	tmp := t.TempDir()
	orig := host
	host = layout{
		stateDir:    filepath.Join(tmp, "state"),
		bpfDir:      filepath.Join(tmp, "bpf"),
		cgroupTop:   "mb-meshbench-" + name,
		netnsPrefix: prefix(name),
	}
	t.Cleanup(func() { host = orig })
	before := takeSnapshot(t)

	c, err := Up(context.Background(), Config{Name: name, Nodes: 2, PodsPerNode: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Down() })
	if !strings.HasPrefix(c.cgroup, filepath.Join(filepath.Dir(filepath.Dir(c.cgroup)), host.cgroupTop)) {
		t.Fatalf("cluster cgroup %s is not in the sandbox", c.cgroup)
	}
	victim := startSleep(t, c, c.Pods()[1])
	if err := os.Remove(c.state); err != nil {
		t.Fatal(err)
	}
	halfMade := filepath.Join(netnsDir, nodeName(name, 9))
	if err := os.WriteFile(halfMade, nil, 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(host.bpfDir, "maps"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(host.bpfDir, "maps", "sockhash"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(name); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load without state file: %v", err)
	}

	if err := DownAll(); err != nil {
		t.Fatalf("DownAll: %v", err)
	}
	if err := victim.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("process in pod: Wait = %v, want killed", err)
	}
	for _, p := range []string{halfMade, host.stateDir, host.bpfDir, filepath.Dir(c.cgroup)} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s still there: %v", p, err)
		}
	}
	checkSnapshot(t, before, name)
	if err := DownAll(); err != nil {
		t.Errorf("second DownAll: %v", err)
	}
}

// TestParallelClusters brings clusters up and down concurrently: they share
// only the parent directories, which come and go as the last cluster leaves.
func TestParallelClusters(t *testing.T) {
	testenv.RequirePrivileged(t)
	names := []string{testName(), testName(), testName()}
	before := takeSnapshot(t)
	errc := make(chan error, len(names))
	for _, name := range names {
		go func() {
			for range 5 {
				c, err := Up(context.Background(), Config{Name: name, Nodes: 2, PodsPerNode: 2})
				if err != nil {
					errc <- err
					return
				}
				if _, _, err := FindPod(c.Pods()[3].Name); err != nil {
					errc <- errors.Join(err, c.Down())
					return
				}
				if err := c.Down(); err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
	}
	for range names {
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}
	checkSnapshot(t, before, names...)
}

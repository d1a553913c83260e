package local

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/meshbench/meshbench/internal/cgroupv2"
)

// startHelper starts the test binary in helper mode inside pod.
func startHelper(t *testing.T, c *Cluster, pod Pod, env ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), env...)
	if err := c.Start(pod, cmd); err != nil {
		t.Fatal(err)
	}
	return cmd
}

func startSleep(t *testing.T, c *Cluster, pod Pod) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "300")
	if err := c.Start(pod, cmd); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

// cgroupOf returns the cgroup v2 path of pid (the "0::" line).
func cgroupOf(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("/proc", itoa(pid), "cgroup"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			return p
		}
	}
	t.Fatalf("no 0:: line in /proc/%d/cgroup", pid)
	return ""
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestStartPutsProcessInPod(t *testing.T) {
	c := upCluster(t, 2, 1)
	mount, err := cgroupv2.Mountpoint()
	if err != nil {
		t.Fatal(err)
	}
	self, err := netnsID("/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	for _, pod := range c.Pods() {
		cmd := startSleep(t, c, pod)
		pid := cmd.Process.Pid
		got, err := netnsID(filepath.Join("/proc", itoa(pid), "ns/net"))
		if err != nil {
			t.Fatal(err)
		}
		want, err := netnsID(pod.Netns)
		if err != nil {
			t.Fatal(err)
		}
		if got != want || got == self {
			t.Errorf("%s: pid %d in netns %v, want %v (host %v)", pod.Name, pid, got, want, self)
		}
		if cg, want := cgroupOf(t, pid), strings.TrimPrefix(pod.Cgroup, mount); cg != want {
			t.Errorf("%s: pid %d in cgroup %s, want %s", pod.Name, pid, cg, want)
		}
		pids, err := cgroupv2.Procs(pod.Cgroup)
		if err != nil || len(pids) != 1 || pids[0] != pid {
			t.Errorf("%s: cgroup.procs = %v, %v; want [%d]", pod.Name, pids, err, pid)
		}
	}
	// No thread of this process is left in a pod's netns.
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		if id, err := netnsID(filepath.Join("/proc/self/task", task.Name(), "ns/net")); err == nil && id != self {
			t.Errorf("thread %s is in netns %v, the process in %v", task.Name(), id, self)
		}
	}
	if err := c.Start(Pod{Name: "mb-nope-n0-p0"}, exec.Command("true")); !errors.Is(err, ErrPodNotFound) {
		t.Errorf("Start in an unknown pod: %v, want ErrPodNotFound", err)
	}
}

func TestCPUAndMemory(t *testing.T) {
	c := upCluster(t, 1, 2)
	pod, idle := c.Pods()[0], c.Pods()[1]

	before, err := CPU(pod)
	if err != nil {
		t.Fatal(err)
	}
	spin := startHelper(t, c, pod, "MB_TEST_HELPER=spin", "MB_TEST_MS=400")
	if err := spin.Wait(); err != nil {
		t.Fatal(err)
	}
	after, err := CPU(pod)
	if err != nil {
		t.Fatal(err)
	}
	// The cgroup must account at least the CPU the kernel charged to the
	// process itself (its rusage), not a wall-clock guess: on a busy host a
	// 400 ms spin can get far less than 400 ms of CPU.
	used := after.UsageUsec - before.UsageUsec
	own := uint64((spin.ProcessState.UserTime() + spin.ProcessState.SystemTime()).Microseconds())
	if own < 10_000 || used+1000 < own || after.UserUsec <= before.UserUsec || after.UsageUsec < after.UserUsec {
		t.Errorf("CPU after a 400 ms spin: before %+v after %+v (cgroup %d us, process rusage %d us)", before, after, used, own)
	}
	if s, err := CPU(idle); err != nil || s.UsageUsec != 0 {
		t.Errorf("CPU of an idle pod = %+v, %v", s, err)
	}

	if rss, err := MemoryRSS(idle); err != nil || rss != 0 {
		t.Errorf("MemoryRSS of an empty pod = %d, %v", rss, err)
	}
	const mb = 64
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	hold := exec.Command(exe)
	hold.Env = append(os.Environ(), "MB_TEST_HELPER=rss", "MB_TEST_MB=64")
	stdin, _ := hold.StdinPipe()
	stdout, _ := hold.StdoutPipe()
	if err := c.Start(pod, hold); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("helper: %q, %v", line, err)
	}
	rss, err := MemoryRSS(pod)
	if err != nil || rss < mb<<20 || rss > 4*mb<<20 {
		t.Errorf("MemoryRSS while holding %d MiB = %d MiB, %v", mb, rss>>20, err)
	}
	stdin.Close()
	if err := hold.Wait(); err != nil {
		t.Fatal(err)
	}
	if rss, err := MemoryRSS(pod); err != nil || rss != 0 {
		t.Errorf("MemoryRSS after exit = %d, %v", rss, err)
	}
}

package local

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/meshbench/meshbench/internal/cgroupv2"
	"golang.org/x/sys/unix"
)

// CPUStat is a pod's cumulative CPU time in microseconds.
type CPUStat = cgroupv2.CPUStat

// CPU returns the CPU time used so far by the processes in pod's cgroup
// (including exited ones), from its cpu.stat.
func CPU(pod Pod) (CPUStat, error) {
	s, err := cgroupv2.ReadCPUStat(pod.Cgroup)
	if err != nil {
		return CPUStat{}, fmt.Errorf("cpu of pod %s: %w", pod.Name, err)
	}
	return s, nil
}

// MemoryRSS returns the resident memory in bytes of the processes now in
// pod's cgroup: the sum of their VmRSS (the v2 memory controller is not
// available on every host). Memory shared between processes is counted once
// per process.
func MemoryRSS(pod Pod) (uint64, error) {
	pids, err := cgroupv2.ProcsTree(pod.Cgroup)
	if err != nil {
		return 0, fmt.Errorf("memory of pod %s: %w", pod.Name, err)
	}
	var total uint64
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ESRCH) {
			continue // exited meanwhile
		}
		if err != nil {
			return 0, fmt.Errorf("memory of pod %s: %w", pod.Name, err)
		}
		rss, err := parseVmRSS(b)
		if err != nil {
			return 0, fmt.Errorf("memory of pod %s: pid %d: %w", pod.Name, pid, err)
		}
		total += rss
	}
	return total, nil
}

// parseVmRSS returns the VmRSS line of /proc/PID/status in bytes; 0 when the
// line is absent (kernel threads, zombies).
func parseVmRSS(status []byte) (uint64, error) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		num, unit, _ := strings.Cut(strings.TrimSpace(v), " ")
		if strings.TrimSpace(unit) != "kB" {
			return 0, fmt.Errorf("parse VmRSS %q: unit is not kB", strings.TrimSpace(v))
		}
		kb, err := strconv.ParseUint(num, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse VmRSS: %w", err)
		}
		return kb * 1024, nil
	}
	return 0, nil
}

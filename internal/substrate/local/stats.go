package local

import (
	"fmt"

	"github.com/meshbench/meshbench/internal/cgroupv2"
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
// pod's cgroup and below it (see cgroupv2.RSS).
func MemoryRSS(pod Pod) (uint64, error) {
	rss, err := cgroupv2.RSS(pod.Cgroup)
	if err != nil {
		return 0, fmt.Errorf("memory of pod %s: %w", pod.Name, err)
	}
	return rss, nil
}

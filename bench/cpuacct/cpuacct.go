// Package cpuacct turns CPU counters sampled at the start and end of a
// measurement window into cores used: whole-host time from /proc/stat (user,
// system, irq and softirq, because an in-kernel datapath moves work out of
// user space) and per-cgroup time from cgroup v2 cpu.stat.
package cpuacct

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of /proc/stat: USER_HZ is part of the Linux ABI and is
// 100 on every architecture meshbench runs on.
const userHZ = 100

// HostStat is the aggregate "cpu" line of /proc/stat, in USER_HZ ticks.
type HostStat struct {
	User, Nice, System, Idle, IOWait, IRQ, SoftIRQ, Steal uint64
}

// Busy is the time spent doing work, in ticks: user, nice, system, irq and
// softirq. Guest time is already inside user and nice.
func (s HostStat) Busy() uint64 { return s.User + s.Nice + s.System + s.IRQ + s.SoftIRQ }

// ReadHost samples /proc/stat.
func ReadHost() (HostStat, error) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return HostStat{}, fmt.Errorf("read host cpu: %w", err)
	}
	defer f.Close()
	return ParseHost(f)
}

// ParseHost reads the aggregate cpu line from /proc/stat content.
func ParseHost(r io.Reader) (HostStat, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 9 || fields[0] != "cpu" {
			continue
		}
		var v [8]uint64
		for i := range v {
			n, err := strconv.ParseUint(fields[i+1], 10, 64)
			if err != nil {
				return HostStat{}, fmt.Errorf("parse /proc/stat cpu field %d: %w", i+1, err)
			}
			v[i] = n
		}
		return HostStat{User: v[0], Nice: v[1], System: v[2], Idle: v[3], IOWait: v[4], IRQ: v[5], SoftIRQ: v[6], Steal: v[7]}, nil
	}
	if err := sc.Err(); err != nil {
		return HostStat{}, err
	}
	return HostStat{}, fmt.Errorf("parse /proc/stat: no aggregate cpu line")
}

// HostUsage is whole-host CPU over a window, in cores (1.0 = one core busy).
type HostUsage struct {
	Busy, User, System, SoftIRQ, IRQ, Steal float64
}

// HostDelta converts two samples taken window apart into cores.
func HostDelta(before, after HostStat, window time.Duration) HostUsage {
	secs := window.Seconds()
	if secs <= 0 {
		return HostUsage{}
	}
	cores := func(a, b uint64) float64 {
		if b < a {
			return 0
		}
		return float64(b-a) / userHZ / secs
	}
	return HostUsage{
		Busy:    cores(before.Busy(), after.Busy()),
		User:    cores(before.User+before.Nice, after.User+after.Nice),
		System:  cores(before.System, after.System),
		SoftIRQ: cores(before.SoftIRQ, after.SoftIRQ),
		IRQ:     cores(before.IRQ, after.IRQ),
		Steal:   cores(before.Steal, after.Steal),
	}
}

// CgroupDelta converts two cgroup usage_usec samples into cores.
func CgroupDelta(beforeUsec, afterUsec uint64, window time.Duration) float64 {
	if window <= 0 || afterUsec < beforeUsec {
		return 0
	}
	return float64(afterUsec-beforeUsec) / 1e6 / window.Seconds()
}

// PerKRPS is cores per 1,000 requests per second; 0 when nothing completed.
func PerKRPS(cores, achievedRPS float64) float64 {
	if achievedRPS <= 0 {
		return 0
	}
	return cores / (achievedRPS / 1000)
}

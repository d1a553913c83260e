// Package cpuacct turns CPU counters sampled at the start and end of a
// measurement window into cores used: whole-host time from /proc/stat (user,
// system, irq and softirq, because an in-kernel datapath moves work out of
// user space) and per-cgroup time from cgroup v2 cpu.stat.
//
// Whole-host busy time is the window's CPU time minus idle, iowait and
// steal, not the sum of user, system, irq and softirq: the kernel samples
// user and system time at the scheduler tick, which misses short bursts that
// start right after a timer interrupt and end before the next tick, the very
// pattern of a paced load generator (measured on a 2-core VM: an open-loop
// run at 1,000 requests/s showed 0.03 busy cores by the tick while its pods'
// cgroups, which are charged exactly, used 0.28). Idle time is measured
// exactly on tickless kernels, at every entry to and exit from idle.
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

// HostStat is the aggregate "cpu" line of /proc/stat, in USER_HZ ticks, and
// the number of per-CPU lines.
type HostStat struct {
	User, Nice, System, Idle, IOWait, IRQ, SoftIRQ, Steal uint64
	CPUs                                                  int
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
	var s HostStat
	found := false
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 9 || !strings.HasPrefix(fields[0], "cpu") {
			continue
		}
		if fields[0] != "cpu" {
			s.CPUs++
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
		s.User, s.Nice, s.System, s.Idle, s.IOWait, s.IRQ, s.SoftIRQ, s.Steal = v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]
		found = true
	}
	if err := sc.Err(); err != nil {
		return HostStat{}, err
	}
	if !found {
		return HostStat{}, fmt.Errorf("parse /proc/stat: no aggregate cpu line")
	}
	return s, nil
}

// HostUsage is whole-host CPU over a window, in cores (1.0 = one core busy).
// Busy is exact (see the package documentation); User and System are the
// tick's samples, SoftIRQ and IRQ exact where the kernel accounts interrupt
// time (CONFIG_IRQ_TIME_ACCOUNTING), and BusyTicks is what the tick saw of
// Busy.
type HostUsage struct {
	Busy, User, System, SoftIRQ, IRQ, Steal float64
	BusyTicks                               float64
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
	u := HostUsage{
		Busy:    cores(before.Busy(), after.Busy()),
		User:    cores(before.User+before.Nice, after.User+after.Nice),
		System:  cores(before.System, after.System),
		SoftIRQ: cores(before.SoftIRQ, after.SoftIRQ),
		IRQ:     cores(before.IRQ, after.IRQ),
		Steal:   cores(before.Steal, after.Steal),
	}
	u.BusyTicks = u.Busy
	if n := after.CPUs; n > 0 && n == before.CPUs {
		notBusy := cores(before.Idle+before.IOWait+before.Steal, after.Idle+after.IOWait+after.Steal)
		u.Busy = min(max(float64(n)-notBusy, 0), float64(n))
	}
	return u
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

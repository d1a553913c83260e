package cpuacct

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// pfKthread is PF_KTHREAD in /proc/PID/stat's flags: a kernel thread, whose
// time is the kernel's, not another program's.
const pfKthread = 0x00200000

// Procs is the CPU time of the processes on the host, in USER_HZ ticks: each
// process's own time plus its reaped children's, so a short-lived process
// that came and went between two samples still shows up, in its parent.
type Procs struct {
	Ticks  map[int]uint64 // by pid
	Comm   map[int]string
	Kernel int // kernel threads left out
}

// ReadProcs samples every user-space process except those in skip.
func ReadProcs(skip map[int]bool) (Procs, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return Procs{}, fmt.Errorf("read /proc: %w", err)
	}
	p := Procs{Ticks: map[int]uint64{}, Comm: map[int]string{}}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || skip[pid] {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // exited meanwhile: its time is now its parent's
		}
		comm, ticks, kthread, err := ParseProcStat(b)
		if err != nil {
			return p, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		if kthread {
			p.Kernel++
			continue
		}
		p.Ticks[pid], p.Comm[pid] = ticks, comm
	}
	return p, nil
}

// ParseProcStat returns a process's name, its utime+stime+cutime+cstime in
// ticks, and whether it is a kernel thread.
func ParseProcStat(b []byte) (comm string, ticks uint64, kthread bool, err error) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return "", 0, false, fmt.Errorf("no (comm) field")
	}
	comm = string(b[open+1 : end])
	// After "(comm) ": state is field 3; flags 9; utime..cstime 14..17.
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 15 {
		return comm, 0, false, fmt.Errorf("%d fields after comm, want at least 15", len(f))
	}
	num := func(field int) uint64 {
		v, perr := strconv.ParseUint(f[field-3], 10, 64)
		if perr != nil && err == nil {
			err = fmt.Errorf("field %d: %w", field, perr)
		}
		return v
	}
	flags := num(9)
	ticks = num(14) + num(15) + num(16) + num(17)
	return comm, ticks, flags&pfKthread != 0, err
}

// NameCores is a process name and the cores its processes used.
type NameCores struct {
	Name  string
	Cores float64
}

// ProcsDelta is the cores the sampled processes used between two samples,
// and the busiest names first. Sums over all processes, so a process that
// exited between the samples is accounted through its parent's children
// time, which then holds its whole life, minus what the first sample had.
func ProcsDelta(a, b Procs, window time.Duration) (float64, []NameCores) {
	if window <= 0 {
		return 0, nil
	}
	byName := map[string]int64{}
	var total int64
	for pid, t := range b.Ticks {
		total += int64(t)
		byName[b.Comm[pid]] += int64(t)
	}
	for pid, t := range a.Ticks {
		total -= int64(t)
		byName[a.Comm[pid]] -= int64(t)
	}
	cores := func(ticks int64) float64 { return float64(max(ticks, 0)) / userHZ / window.Seconds() }
	var top []NameCores
	for n, t := range byName {
		if t > 0 {
			top = append(top, NameCores{n, cores(t)})
		}
	}
	slices.SortFunc(top, func(x, y NameCores) int {
		if x.Cores != y.Cores {
			if x.Cores > y.Cores {
				return -1
			}
			return 1
		}
		return strings.Compare(x.Name, y.Name)
	})
	return cores(total), top
}

// LoadAvg is /proc/loadavg: the 1-minute load average and the tasks
// runnable now.
type LoadAvg struct {
	Load1    float64
	Runnable int
}

// ReadLoadAvg samples /proc/loadavg.
func ReadLoadAvg() (LoadAvg, error) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return LoadAvg{}, fmt.Errorf("read load average: %w", err)
	}
	return ParseLoadAvg(string(b))
}

// ParseLoadAvg parses "0.63 1.68 1.45 5/116 17470".
func ParseLoadAvg(s string) (LoadAvg, error) {
	f := strings.Fields(s)
	if len(f) < 4 {
		return LoadAvg{}, fmt.Errorf("parse load average %q: too few fields", s)
	}
	l1, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return LoadAvg{}, fmt.Errorf("parse load average: %w", err)
	}
	run, _, _ := strings.Cut(f[3], "/")
	n, err := strconv.Atoi(run)
	if err != nil {
		return LoadAvg{}, fmt.Errorf("parse runnable tasks: %w", err)
	}
	return LoadAvg{Load1: l1, Runnable: n}, nil
}

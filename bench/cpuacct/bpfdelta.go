package cpuacct

import (
	"slices"
	"time"

	"github.com/cilium/ebpf"
)

// ProgUsage is one program's work between two samples.
type ProgUsage struct {
	ID         ebpf.ProgramID
	Name, Type string
	RunTime    time.Duration
	RunCount   uint64
}

// BPFUsage is the work of the programs present in both samples, and the
// memory of the programs and maps at the second.
type BPFUsage struct {
	RunTime     time.Duration
	RunCount    uint64
	Cores       float64
	Progs       []ProgUsage // by ID
	MapMemlock  uint64
	ProgMemlock uint64
}

// BPFDelta turns two samples taken window apart into usage. A program that
// appeared between them is left out: what it ran before the first sample
// cannot be told apart. Counters that went backwards (a program replaced
// under the same ID cannot happen; a reset can) count as zero.
func BPFDelta(a, b BPFSample, window time.Duration) BPFUsage {
	u := BPFUsage{MapMemlock: b.MapMemlock}
	for id, after := range b.Progs {
		u.ProgMemlock += after.Memlock
		before, ok := a.Progs[id]
		if !ok {
			continue
		}
		p := ProgUsage{ID: id, Name: after.Name, Type: after.Type}
		if after.RunTime >= before.RunTime && after.RunCount >= before.RunCount {
			p.RunTime, p.RunCount = after.RunTime-before.RunTime, after.RunCount-before.RunCount
		}
		u.RunTime += p.RunTime
		u.RunCount += p.RunCount
		u.Progs = append(u.Progs, p)
	}
	slices.SortFunc(u.Progs, func(x, y ProgUsage) int { return int(x.ID) - int(y.ID) })
	if window > 0 {
		u.Cores = u.RunTime.Seconds() / window.Seconds()
	}
	return u
}

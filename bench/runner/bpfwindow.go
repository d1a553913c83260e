package runner

import (
	"fmt"
	"io"

	"github.com/meshbench/meshbench/bench/cpuacct"
	"github.com/meshbench/meshbench/bench/results"
)

// bpfStats turns on BPF run-time accounting for one window.
type bpfStats struct {
	closer io.Closer
	state  string // "on", or why not
}

// enableBPFStats turns accounting on; a failure is recorded, not fatal: the
// programs' run time is then reported as unavailable.
func enableBPFStats() *bpfStats {
	c, err := cpuacct.EnableBPFStats()
	if err != nil {
		return &bpfStats{state: fmt.Sprintf("unavailable: %v", err)}
	}
	return &bpfStats{closer: c, state: "on"}
}

// disable restores the kernel's setting.
func (b *bpfStats) disable() error {
	if b == nil || b.closer == nil {
		return nil
	}
	err := b.closer.Close()
	b.closer = nil
	if err != nil {
		return fmt.Errorf("restore kernel.bpf_stats_enabled: %w", err)
	}
	return nil
}

// bpfBetween is the BPF block of a repeat, nil when no program acts on the
// pods.
func bpfBetween(a, b sample, stats string) *results.BPF {
	if b.bpfErr != nil {
		return &results.BPF{Stats: fmt.Sprintf("unreadable: %v", b.bpfErr)}
	}
	if len(b.bpf.Progs) == 0 {
		return nil
	}
	u := cpuacct.BPFDelta(a.bpf, b.bpf, b.bpfAt.Sub(a.bpfAt))
	out := &results.BPF{
		Stats: stats, RunTimeNS: u.RunTime.Nanoseconds(), RunCount: int64(u.RunCount), Cores: u.Cores,
		MapMemlockBytes: int64(u.MapMemlock), ProgMemlockBytes: int64(u.ProgMemlock),
	}
	if u.RunCount > 0 {
		out.NSPerRun = float64(u.RunTime.Nanoseconds()) / float64(u.RunCount)
	}
	for _, p := range u.Progs {
		out.Programs = append(out.Programs, results.BPFProgram{ID: uint32(p.ID), Name: p.Name, Type: p.Type, RunTimeNS: p.RunTime.Nanoseconds(), RunCount: int64(p.RunCount)})
	}
	return out
}

package datapath

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// ProgramStats is what the kernel counts for one attached program. RunTime
// and RunCount stay zero unless run-time statistics are on (sysctl
// kernel.bpf_stats_enabled=1, or EnableRunTimeStats).
type ProgramStats struct {
	Link     string // the pinned link's name, e.g. link_sockops_0
	Program  string // the program's name, e.g. mb_sockops
	RunCount uint64
	RunTime  time.Duration
}

// EnableRunTimeStats turns on the kernel's per-program run-time accounting
// until the returned Closer is closed. It costs a little on every run.
func EnableRunTimeStats() (io.Closer, error) {
	c, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
	if err != nil {
		return nil, fmt.Errorf("enable BPF run-time stats: %w", err)
	}
	return c, nil
}

// programStats reads the programs behind every link pinned in dir.
func programStats(dir string) ([]ProgramStats, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	var out []ProgramStats
	var errs []error
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "link_") {
			continue
		}
		ps, err := linkProgramStats(filepath.Join(dir, e.Name()))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, ps)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Link < out[j].Link })
	return out, errors.Join(errs...)
}

func linkProgramStats(pin string) (ProgramStats, error) {
	ps := ProgramStats{Link: filepath.Base(pin)}
	l, err := link.LoadPinnedLink(pin, nil)
	if err != nil {
		return ps, fmt.Errorf("open %s: %w", ps.Link, err)
	}
	defer l.Close()
	info, err := l.Info()
	if err != nil {
		return ps, fmt.Errorf("%s info: %w", ps.Link, err)
	}
	prog, err := ebpf.NewProgramFromID(info.Program)
	if err != nil {
		return ps, fmt.Errorf("%s program: %w", ps.Link, err)
	}
	defer prog.Close()
	if pi, err := prog.Info(); err == nil {
		ps.Program = pi.Name
	}
	st, err := prog.Stats()
	if err != nil {
		return ps, fmt.Errorf("%s stats: %w", ps.Link, err)
	}
	ps.RunCount, ps.RunTime = st.RunCount, st.Runtime
	return ps, nil
}

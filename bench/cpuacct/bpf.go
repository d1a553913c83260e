package cpuacct

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"github.com/meshbench/meshbench/internal/ifbpf"
)

// cgroupHooks are the cgroup attach points whose programs act on a pod's
// sockets and packets.
var cgroupHooks = []ebpf.AttachType{
	ebpf.AttachCGroupSockOps,
	ebpf.AttachCGroupInet4Connect, ebpf.AttachCGroupInet6Connect,
	ebpf.AttachCGroupInetIngress, ebpf.AttachCGroupInetEgress,
	ebpf.AttachCGroupInetSockCreate,
	ebpf.AttachCGroupUDP4Sendmsg, ebpf.AttachCGroupUDP6Sendmsg,
	ebpf.AttachCgroupInet4GetPeername, ebpf.AttachCgroupInet6GetPeername,
}

// sockMapHooks are the programs a socket map can carry (sk_msg, sk_skb).
var sockMapHooks = []ebpf.AttachType{ebpf.AttachSkMsgVerdict, ebpf.AttachSkSKBStreamParser, ebpf.AttachSkSKBStreamVerdict, ebpf.AttachSkSKBVerdict}

// BPFProg is one program's counters at one instant.
type BPFProg struct {
	Name, Type string
	RunTime    time.Duration
	RunCount   uint64
	Memlock    uint64
}

// BPFSample is every program acting on a set of cgroups, by program ID, and
// the memory of the maps they use.
type BPFSample struct {
	Progs      map[ebpf.ProgramID]BPFProg
	MapMemlock uint64
}

// BPFScope is where the programs acting on some pods are attached: the
// pods' cgroups (ancestors included) and the network namespaces whose
// interfaces carry their packets (the pods' own and their nodes').
type BPFScope struct {
	Cgroups []string
	Netns   []string
}

// ReadBPF samples the programs attached to each cgroup of the scope or any
// of its ancestors (the effective set), to any interface in its network
// namespaces (TCX, tc, XDP), plus the sk_msg and sk_skb programs attached
// to socket maps those programs use. A hook this kernel lacks is skipped.
func ReadBPF(scope BPFScope) (BPFSample, error) {
	s := BPFSample{Progs: map[ebpf.ProgramID]BPFProg{}}
	ids := map[ebpf.ProgramID]bool{}
	for _, dir := range scope.Cgroups {
		if err := queryInto(ids, dir); err != nil {
			return s, err
		}
	}
	progs, err := ifbpf.ListAll(scope.Netns...)
	if err != nil {
		return s, err
	}
	for _, p := range progs {
		ids[p.ID] = true
	}
	maps := map[ebpf.MapID]bool{}
	var errs []error
	for len(ids) > 0 {
		more := map[ebpf.ProgramID]bool{}
		for id := range ids {
			p, mapIDs, err := readProg(id)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			s.Progs[id] = p
			for _, mid := range mapIDs {
				if maps[mid] {
					continue
				}
				maps[mid] = true
				mem, err := readMap(mid, more)
				errs = append(errs, err)
				s.MapMemlock += mem
			}
		}
		for id := range more {
			if _, done := s.Progs[id]; done {
				delete(more, id)
			}
		}
		ids = more
	}
	return s, errors.Join(errs...)
}

// queryInto adds the IDs of the programs effective on cgroup dir.
func queryInto(ids map[ebpf.ProgramID]bool, dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open cgroup %s: %w", dir, err)
	}
	defer f.Close()
	for _, at := range cgroupHooks {
		if err := query(ids, int(f.Fd()), at, unix.BPF_F_QUERY_EFFECTIVE); err != nil {
			return fmt.Errorf("query %s programs on %s: %w", at, dir, err)
		}
	}
	return nil
}

func query(ids map[ebpf.ProgramID]bool, target int, at ebpf.AttachType, flags uint32) error {
	res, err := link.QueryPrograms(link.QueryOptions{Target: target, Attach: at, QueryFlags: flags})
	if errors.Is(err, unix.EINVAL) || errors.Is(err, ebpf.ErrNotSupported) {
		return nil // no such hook here, so nothing can be attached there
	}
	if err != nil {
		return err
	}
	for _, p := range res.Programs {
		ids[p.ID] = true
	}
	return nil
}

func readProg(id ebpf.ProgramID) (BPFProg, []ebpf.MapID, error) {
	prog, err := ebpf.NewProgramFromID(id)
	if errors.Is(err, os.ErrNotExist) {
		return BPFProg{}, nil, nil // unloaded meanwhile
	}
	if err != nil {
		return BPFProg{}, nil, fmt.Errorf("open BPF program %d: %w", id, err)
	}
	defer prog.Close()
	info, err := prog.Info()
	if err != nil {
		return BPFProg{}, nil, fmt.Errorf("BPF program %d info: %w", id, err)
	}
	p := BPFProg{Name: info.Name, Type: strings.ToLower(info.Type.String())}
	p.Memlock, _ = info.Memlock()
	st, err := prog.Stats()
	if err != nil {
		return p, nil, fmt.Errorf("BPF program %d stats: %w", id, err)
	}
	p.RunTime, p.RunCount = st.Runtime, st.RunCount
	mapIDs, _ := info.MapIDs()
	return p, mapIDs, nil
}

// readMap returns a map's memlock and, for a socket map, adds the programs
// attached to it to progs.
func readMap(id ebpf.MapID, progs map[ebpf.ProgramID]bool) (uint64, error) {
	m, err := ebpf.NewMapFromID(id)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("open BPF map %d: %w", id, err)
	}
	defer m.Close()
	info, err := m.Info()
	if err != nil {
		return 0, fmt.Errorf("BPF map %d info: %w", id, err)
	}
	mem, _ := info.Memlock()
	if info.Type == ebpf.SockHash || info.Type == ebpf.SockMap {
		for _, at := range sockMapHooks {
			if err := query(progs, m.FD(), at, 0); err != nil {
				return mem, fmt.Errorf("query %s programs on map %d: %w", at, id, err)
			}
		}
	}
	return mem, nil
}

// EnableBPFStats turns on the kernel's per-program run-time accounting
// (kernel.bpf_stats_enabled) until the returned Closer is closed. It uses
// BPF_ENABLE_STATS, which the kernel undoes by itself when the descriptor
// closes, even if this process dies; kernels before 5.8 lack it, and then
// the sysctl is written and restored on Close.
func EnableBPFStats() (io.Closer, error) {
	c, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
	if err == nil {
		return c, nil
	}
	const sysctl = "/proc/sys/kernel/bpf_stats_enabled"
	old, rerr := os.ReadFile(sysctl)
	if rerr != nil {
		return nil, fmt.Errorf("enable BPF run-time stats: %w (and %s: %v)", err, sysctl, rerr)
	}
	if werr := os.WriteFile(sysctl, []byte("1"), 0); werr != nil {
		return nil, fmt.Errorf("enable BPF run-time stats: %w (and %s: %v)", err, sysctl, werr)
	}
	return restorer(func() error { return os.WriteFile(sysctl, old, 0) }), nil
}

type restorer func() error

func (r restorer) Close() error { return r() }

package cgroupv2

import (
	"errors"
	"fmt"
	"os"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// meshAttachTypes are the cgroup hooks a socket-level mesh datapath uses.
var meshAttachTypes = []ebpf.AttachType{
	ebpf.AttachCGroupSockOps,
	ebpf.AttachCGroupInet4Connect,
	ebpf.AttachCGroupInet6Connect,
	ebpf.AttachCGroupInetIngress,
	ebpf.AttachCGroupInetEgress,
}

// EffectiveBPF counts the BPF programs that act on sockets created in dir:
// those attached to dir and, because the query asks for the effective set,
// to any of its ancestors. It is the evidence that no datapath is present
// (zero) for mesh none, whoever attached the programs.
func EffectiveBPF(dir string) (int, error) {
	f, err := os.Open(dir)
	if err != nil {
		return 0, fmt.Errorf("open cgroup %s: %w", dir, err)
	}
	defer f.Close()
	n := 0
	for _, at := range meshAttachTypes {
		res, err := link.QueryPrograms(link.QueryOptions{Target: int(f.Fd()), Attach: at, QueryFlags: unix.BPF_F_QUERY_EFFECTIVE})
		if errors.Is(err, unix.EINVAL) || errors.Is(err, ebpf.ErrNotSupported) {
			continue // this kernel has no such hook, so nothing can be attached there
		}
		if err != nil {
			return 0, fmt.Errorf("query %s programs on %s: %w", at, dir, err)
		}
		n += len(res.Programs)
	}
	return n, nil
}

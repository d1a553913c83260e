package datapath

import (
	"context"
	"errors"
	"fmt"
	"github.com/meshbench/meshbench/internal/cgroupv2"
	"net/netip"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
)

// Probe addresses: loopback, but not 127.0.0.1, so that no other socket of
// this process can pair in the probe's private maps.
var (
	probeClient = netip.MustParseAddr("127.77.0.1")
	probeServer = netip.MustParseAddr("127.77.0.2")
)

var probeSeq atomic.Int32

// checkTimeout bounds each check; a kernel bug shows as a stall.
const checkTimeout = time.Second

// Probe runs the kernel self-test Up runs, and nothing else: the real
// programs in private, unpinned maps, attached to a throwaway cgroup, and one
// loopback connection per check created inside it. It needs root. The
// error is for a self-test that could not run; the result says what the
// kernel got wrong.
func Probe(ctx context.Context) (*ProbeResult, error) {
	if err := CheckEnvironment(); err != nil && !errors.Is(err, ErrNoBPFFS) {
		return nil, err
	}
	if err := removeMemlock(); err != nil {
		return nil, err
	}
	spec, err := loadMesh()
	if err != nil {
		return nil, fmt.Errorf("parse embedded BPF object: %w", err)
	}
	return probe(ctx, spec)
}

func probe(ctx context.Context, spec *ebpf.CollectionSpec) (_ *ProbeResult, err error) {
	mount, err := cgroup2Mount()
	if err != nil {
		return nil, err
	}
	rig, err := newProbeRig(spec, mount)
	if err != nil {
		return nil, fmt.Errorf("set up kernel self-test: %w", err)
	}
	defer func() { err = errors.Join(err, rig.close()) }()

	// Sockets take their cgroup when created: make one pair per check
	// while this process sits in the probe cgroup, connect them after.
	pairs := make([]*sockPair, len(probeChecks))
	defer func() {
		for _, p := range pairs {
			if p != nil {
				err = errors.Join(err, p.close())
			}
		}
	}()
	err = cgroupv2.RunIn(rig.cgroup, func() error {
		for i := range pairs {
			var err error
			if pairs[i], err = newSockPair(probeClient, probeServer); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("kernel self-test sockets: %w", err)
	}
	return rig.runChecks(ctx, pairs), nil
}

// probeRig is the datapath's own programs, loaded into private unpinned
// maps and attached to a throwaway cgroup.
type probeRig struct {
	objs   coreObjects
	maps   *mapSet
	cgroup string
	links  []link.Link
	guard  string // the splice guard's form, "" without one
}

func newProbeRig(spec *ebpf.CollectionSpec, mount string) (r *probeRig, err error) {
	spec = spec.Copy()
	for _, m := range spec.Maps {
		m.Pinning = ebpf.PinNone
	}
	r = &probeRig{}
	if err := spec.LoadAndAssign(&r.objs, nil); err != nil {
		return nil, fmt.Errorf("load BPF programs: %w", err)
	}
	r.maps = mapsFromObjects(&r.objs.meshMaps)
	defer func() {
		if err != nil {
			err = errors.Join(err, r.close())
		}
	}()
	if err := r.maps.updateConfig(func(c *meshMbConfig) { c.Enabled, c.Redirect = 1, 1 }); err != nil {
		return r, err
	}
	eps := []Endpoint{{Name: "probe-client", IPv4: probeClient}, {Name: "probe-server", IPv4: probeServer}}
	if _, err := writeEndpoints(r.maps, eps, nil); err != nil {
		return r, err
	}
	r.cgroup = filepath.Join(mount, fmt.Sprintf("mb-meshbench-probe-%d-%d", os.Getpid(), probeSeq.Add(1)))
	if err := os.Mkdir(r.cgroup, 0o755); err != nil {
		r.cgroup = ""
		return r, fmt.Errorf("create probe cgroup: %w", err)
	}
	sk, err := link.AttachRawLink(link.RawLinkOptions{
		Target: r.objs.MbPairs.FD(), Program: r.objs.MbSkMsg, Attach: ebpf.AttachSkMsgVerdict,
	})
	if err != nil {
		return r, fmt.Errorf("%w: attach sk_msg to a sockhash: %v (Linux 6.10 or later)", ErrUnsupported, err)
	}
	r.links = append(r.links, sk)
	if g, err := attachGuard(spec, r.maps); err == nil {
		r.links = append(r.links, g.link)
		r.guard = g.form
	}
	so, err := link.AttachCgroup(link.CgroupOptions{
		Path: r.cgroup, Attach: ebpf.AttachCGroupSockOps, Program: r.objs.MbSockops,
	})
	if err != nil {
		return r, fmt.Errorf("attach sockops: %w", err)
	}
	r.links = append(r.links, so)
	return r, nil
}

func (r *probeRig) close() error {
	var errs []error
	for _, l := range r.links {
		errs = append(errs, l.Close())
	}
	r.links = nil
	if r.maps != nil {
		errs = append(errs, r.maps.Close())
		r.maps = nil
	}
	errs = append(errs, r.objs.corePrograms.Close())
	if r.cgroup != "" {
		if err := os.Remove(r.cgroup); err != nil {
			errs = append(errs, fmt.Errorf("remove probe cgroup: %w", err))
		}
		r.cgroup = ""
	}
	return errors.Join(errs...)
}

// redirected is the number of sends the probe client redirected.
func (r *probeRig) redirected() (uint64, error) {
	c, err := podCounters(r.maps, 1)
	return c.MsgsRedirected, err
}

package datapath

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/rlimit"
)

// Datapath is one instance of the eBPF datapath, pinned under
// DefaultPinRoot/<instance>. It keeps running when this process exits;
// Down removes it.
type Datapath struct {
	instance string
	dir      string
	maps     *mapSet
	objs     *coreObjects // nil when found pinned (Open)
	links    []attachment // nil when found pinned
	names    []string     // endpoint names by pod id; names[0] is ""
	degraded string
	warnings []string
	tcStats  *ebpf.Map // fast path counters, nil without a fast path
	tcFwd    *ebpf.Map
}

// Up checks the host, runs the kernel self-test, loads the programs with
// their maps pinned under DefaultPinRoot/<Instance>, fills endpoints and
// policy, attaches sk_msg to the SOCKHASH and sockops plus the connect hooks
// to every cgroup, and pins the links. On error nothing is left behind.
func Up(ctx context.Context, opts Options) (_ *Datapath, err error) {
	opts, err = opts.Normalize()
	if err != nil {
		return nil, err
	}
	if err := prepareHost(opts); err != nil {
		return nil, err
	}
	if err := removeMemlock(); err != nil {
		return nil, err
	}
	spec, err := loadMesh()
	if err != nil {
		return nil, fmt.Errorf("parse embedded BPF object: %w", err)
	}
	d := &Datapath{instance: opts.Instance, dir: filepath.Join(DefaultPinRoot, opts.Instance)}
	spliceStalls := false
	probeStart := time.Now()
	if opts.Probe != ProbeSkip {
		res, err := probe(ctx, spec)
		if err != nil {
			return nil, err
		}
		if perr := res.Err(opts.Probe); perr != nil {
			if opts.Probe != ProbeDegrade {
				return nil, perr
			}
			d.degraded = res.Degraded(opts.Probe)
		}
		d.warnings = res.Warnings(opts.Probe)
		spliceStalls = len(d.warnings) > 0
	}
	probeTime := time.Since(probeStart)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	start := time.Now()
	if err := os.MkdirAll(DefaultPinRoot, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", DefaultPinRoot, err)
	}
	if err := os.Mkdir(d.dir, 0o700); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("%w: %s is pinned; take it down first (meshbench datapath down %s)", ErrExists, d.dir, d.instance)
		}
		return nil, fmt.Errorf("create %s: %w", d.dir, err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, d.abort())
		}
	}()
	if err := d.load(spec, opts, spliceStalls); err != nil {
		return nil, err
	}
	if err := d.attach(spec, opts.Cgroups); err != nil {
		return nil, err
	}
	if len(opts.Nodes) > 0 && !opts.NoFastPath {
		warnings, err := d.attachFastPath(opts)
		d.warnings = append(d.warnings, warnings...)
		if err != nil {
			return nil, err
		}
	}
	if err := pinAll(d.dir, d.links); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := d.maps.updateConfig(func(c *meshMbConfig) {
		c.Enabled = 1
		c.LoadNs = uint64(time.Since(start))
		c.ProbeNs = uint64(probeTime)
		c.UpUnixNs = uint64(time.Now().UnixNano())
	}); err != nil {
		return nil, err
	}
	return d, nil
}

// load creates and pins the maps, loads the programs and fills the maps.
func (d *Datapath) load(spec *ebpf.CollectionSpec, opts Options, spliceStalls bool) error {
	for _, name := range []string{"mb_pairs", "mb_flows"} {
		spec.Maps[name].MaxEntries = uint32(opts.MaxFlows)
	}
	objs := &coreObjects{}
	err := spec.LoadAndAssign(objs, &ebpf.CollectionOptions{
		Maps: ebpf.MapOptions{PinPath: d.dir},
	})
	if err != nil {
		if errors.Is(err, ebpf.ErrNotSupported) {
			return fmt.Errorf("%w: load BPF programs: %v (Linux 6.1 or later needed)", ErrUnsupported, err)
		}
		return fmt.Errorf("load BPF programs: %w", err)
	}
	d.objs = objs
	d.maps = mapsFromObjects(&objs.meshMaps)
	if err := d.maps.updateConfig(func(c *meshMbConfig) {
		c.Redirect = b2u(d.degraded == "")
		if spliceStalls {
			c.Flags |= cfgSpliceStalls
		}
		if opts.CrossNode {
			c.Flags |= cfgCrossNode
		}
	}); err != nil {
		return err
	}
	names, err := writeEndpoints(d.maps, opts.Endpoints, nodeIDs(opts))
	if err != nil {
		return err
	}
	d.names = names
	return writePolicy(d.maps, opts.Policy, d.podIDs())
}

// attach attaches sk_msg and the splice guard before sockops: a socket
// takes the SOCKHASH's programs when sockops inserts it, so sockets inserted
// earlier would never be redirected, and no socket may be short-circuited
// while splice(2) could still stall on it.
func (d *Datapath) attach(spec *ebpf.CollectionSpec, cgroups []string) error {
	sk, err := attachSkMsg(d.objs.MbSkMsg, d.objs.MbPairs, d.dir)
	if err != nil {
		return err
	}
	if sk != nil {
		d.links = append(d.links, *sk)
	}
	// Without a guard the self-test decided whether splice is safe.
	if g, err := attachGuard(spec, d.maps); err == nil {
		d.links = append(d.links, *g)
		if err := d.maps.updateConfig(func(c *meshMbConfig) { c.Flags |= cfgGuard }); err != nil {
			return err
		}
	}
	cg, err := attachCgroup(&d.objs.corePrograms, cgroups)
	d.links = append(d.links, cg...)
	return err
}

// abort undoes a failed Up.
func (d *Datapath) abort() error {
	var errs []error
	for _, a := range d.links {
		if err := a.link.Detach(); err != nil && !errors.Is(err, os.ErrClosed) {
			errs = append(errs, fmt.Errorf("detach %s: %w", a.name, err))
		}
	}
	errs = append(errs, closeAll(d.links), downDir(d.dir), d.closeObjects())
	d.links = nil
	return errors.Join(errs...)
}

func (d *Datapath) closeObjects() error {
	var errs []error
	if d.maps != nil {
		errs = append(errs, d.maps.Close())
	}
	for _, m := range []**ebpf.Map{&d.tcStats, &d.tcFwd} {
		if *m != nil {
			errs = append(errs, (*m).Close())
			*m = nil
		}
	}
	if d.objs != nil {
		errs = append(errs, d.objs.corePrograms.Close())
	}
	return errors.Join(errs...)
}

const (
	cfgGuard        = 1 // MB_CFG_GUARD
	cfgSpliceStalls = 2 // MB_CFG_SPLICE_STALLS
	cfgCrossNode    = 4 // MB_CFG_CROSS_NODE
)

func removeMemlock() error {
	if err := rlimit.RemoveMemlock(); err != nil {
		return fmt.Errorf("%w: remove the memlock rlimit: %v", ErrUnsupported, err)
	}
	return nil
}

// Instance is the instance name.
func (d *Datapath) Instance() string { return d.instance }

// Degraded says why the datapath redirects nothing, "" when it redirects
// (Status.Degraded without reading the maps).
func (d *Datapath) Degraded() string { return d.degraded }

// Close releases this process's handles. The datapath keeps running.
func (d *Datapath) Close() error {
	err := closeAll(d.links)
	d.links = nil
	return errors.Join(err, d.closeObjects())
}

// Down takes this instance down; see Down.
func (d *Datapath) Down() error {
	return errors.Join(downDir(d.dir), d.Close())
}

package datapath

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/cilium/ebpf"
)

// mapSet holds every map of one instance, whether this process loaded them
// (Up) or found them pinned (Open, Down).
type mapSet struct {
	pairs, flows, socks *ebpf.Map
	endpoints           *ebpf.Map
	podCgroup, podNetns *ebpf.Map
	policy, cfg, stats  *ebpf.Map
	podNames, events    *ebpf.Map
}

type namedMap struct {
	name string
	m    **ebpf.Map
}

// table lists the maps with their pin names (the names in bpf/maps.h).
func (s *mapSet) table() []namedMap {
	return []namedMap{
		{"mb_pairs", &s.pairs}, {"mb_flows", &s.flows}, {"mb_socks", &s.socks},
		{"mb_endpoints", &s.endpoints}, {"mb_pod_cgroup", &s.podCgroup},
		{"mb_pod_netns", &s.podNetns}, {"mb_policy", &s.policy},
		{"mb_cfg", &s.cfg}, {"mb_stats", &s.stats},
		{"mb_pod_names", &s.podNames}, {"mb_events", &s.events},
	}
}

func mapsFromObjects(o *meshMaps) *mapSet {
	return &mapSet{
		pairs: o.MbPairs, flows: o.MbFlows, socks: o.MbSocks,
		endpoints: o.MbEndpoints, podCgroup: o.MbPodCgroup, podNetns: o.MbPodNetns,
		policy: o.MbPolicy, cfg: o.MbCfg, stats: o.MbStats,
		podNames: o.MbPodNames, events: o.MbEvents,
	}
}

// loadPinnedMaps opens the maps pinned in dir. A missing pin is an error:
// callers must not recreate half an instance.
func loadPinnedMaps(dir string) (*mapSet, error) {
	s := &mapSet{}
	for _, nm := range s.table() {
		m, err := ebpf.LoadPinnedMap(filepath.Join(dir, nm.name), nil)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("open pinned map %s: %w", nm.name, err), s.Close())
		}
		*nm.m = m
	}
	return s, nil
}

// Close releases this process's handles; pinned maps live on.
func (s *mapSet) Close() error {
	var errs []error
	for _, nm := range s.table() {
		if *nm.m == nil {
			continue
		}
		if err := (*nm.m).Close(); err != nil {
			errs = append(errs, fmt.Errorf("close map %s: %w", nm.name, err))
		}
		*nm.m = nil
	}
	return errors.Join(errs...)
}

func (s *mapSet) config() (meshMbConfig, error) {
	var c meshMbConfig
	if err := s.cfg.Lookup(uint32(0), &c); err != nil {
		return c, fmt.Errorf("read datapath config: %w", err)
	}
	return c, nil
}

func (s *mapSet) updateConfig(fn func(*meshMbConfig)) error {
	c, err := s.config()
	if err != nil {
		return err
	}
	fn(&c)
	if err := s.cfg.Put(uint32(0), c); err != nil {
		return fmt.Errorf("write datapath config: %w", err)
	}
	return nil
}

// memory sums the kernel's memlock accounting of every map, per map name.
func (s *mapSet) memory() (map[string]uint64, uint64, error) {
	out := map[string]uint64{}
	var total uint64
	var errs []error
	for _, nm := range s.table() {
		info, err := (*nm.m).Info()
		if err != nil {
			errs = append(errs, fmt.Errorf("map %s info: %w", nm.name, err))
			continue
		}
		if b, ok := info.Memlock(); ok {
			out[nm.name] = b
			total += b
		}
	}
	return out, total, errors.Join(errs...)
}

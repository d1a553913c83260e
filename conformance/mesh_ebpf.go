package conformance

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/meshbench/meshbench/datapath"
	"github.com/meshbench/meshbench/internal/mesh"
	"github.com/meshbench/meshbench/internal/substrate/local"
)

// ebpfMesh is the eBPF datapath on every node and pod of the cluster.
type ebpfMesh struct {
	c        *local.Cluster
	probe    datapath.ProbeMode
	maxFlows int // 0: the datapath's default
	selfTest kernelSelfTest
	d        *datapath.Datapath
	base     map[string]int64 // counters of instances taken down
}

func (m *ebpfMesh) setPolicy(p datapath.Policy) error {
	if m.d == nil {
		return errors.New("the ebpf datapath is not installed")
	}
	return m.d.SetPolicy(p)
}

func (m *ebpfMesh) setMaxFlows(n int) { m.maxFlows = n }

func newEBPF(ctx context.Context, c *local.Cluster, probe datapath.ProbeMode) (*ebpfMesh, error) {
	st, err := runSelfTest(ctx)
	if err != nil {
		return nil, err
	}
	m := &ebpfMesh{c: c, probe: probe, base: map[string]int64{}, selfTest: st}
	// A pinned instance of this cluster's name can only be left from a
	// crashed earlier run of the same cluster, which Up just replaced.
	if err := datapath.Down(mesh.DatapathInstance(c.Name())); err != nil {
		return nil, err
	}
	return m, m.install(ctx)
}

func (m *ebpfMesh) name() string { return MeshEBPF }

func (m *ebpfMesh) install(ctx context.Context) error {
	if m.d != nil {
		return errors.New("ebpf datapath already installed")
	}
	opts, err := mesh.DatapathOptions(m.c, m.probe)
	if err != nil {
		return err
	}
	opts.MaxFlows = m.maxFlows
	return exclusive(func() error {
		d, err := datapath.Up(ctx, opts)
		if err != nil {
			return fmt.Errorf("datapath up: %w", err)
		}
		m.d = d
		return nil
	})
}

// uninstall takes the datapath down, keeping its counters in base.
func (m *ebpfMesh) uninstall() error {
	if m.d == nil {
		return nil
	}
	last, cerr := m.current()
	addTo(m.base, last)
	err := m.d.Down()
	m.d = nil
	return errors.Join(cerr, err)
}

func (m *ebpfMesh) info() map[string]string {
	i := maps.Clone(m.selfTest)
	i["probe"] = m.probe.String()
	if m.d == nil {
		return i
	}
	i["instance"] = m.d.Instance()
	if st, err := m.d.Status(); err == nil {
		i["fast_path"] = strconv.FormatBool(st.FastPath != nil)
		i["flows_open"] = strconv.Itoa(st.Flows) // after the last case: leaks show here
		i["splice_guard_attached"] = strconv.FormatBool(st.Guard)
		if st.Degraded != "" {
			i["degraded"] = st.Degraded
		}
		if len(st.Warnings) > 0 {
			i["warnings"] = strings.Join(st.Warnings, "; ")
		}
	}
	return i
}

func (m *ebpfMesh) spliceStalls() string { return m.selfTest.spliceStalls() }

func (m *ebpfMesh) counters(context.Context) (map[string]int64, error) {
	cur, err := m.current()
	addTo(cur, m.base)
	return cur, err
}

func (m *ebpfMesh) current() (map[string]int64, error) {
	out := map[string]int64{}
	if m.d == nil {
		return out, nil
	}
	st, err := m.d.Status()
	if err != nil {
		return out, err
	}
	return statusCounters(st), nil
}

func (m *ebpfMesh) judge(delta map[string]int64, pods []local.Pod, sameNode bool) (map[string]int64, string) {
	return judgeEBPF(delta, pods, sameNode, m.degraded() != "")
}

// degraded says why the installed datapath redirects nothing ("" when it
// redirects): its kernel self-test failed and the probe mode degrades.
func (m *ebpfMesh) degraded() string {
	if m.d == nil {
		return ""
	}
	return m.d.Degraded()
}

// flows is the number of sockets in the short-circuit now.
func (m *ebpfMesh) flows() (int, error) {
	if m.d == nil {
		return 0, errors.New("ebpf datapath not installed")
	}
	st, err := m.d.Status()
	if err != nil {
		return 0, err
	}
	return st.Flows, nil
}

func (m *ebpfMesh) waitFlows(ctx context.Context, want int) (int, error) {
	return waitFlows(ctx, m.flows, want)
}

package conformance

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/meshbench/meshbench/datapath"
	"github.com/meshbench/meshbench/internal/mesh"
	"github.com/meshbench/meshbench/internal/substrate/local"
)

// ebpfMesh is the eBPF datapath on every node and pod of the cluster.
type ebpfMesh struct {
	c        *local.Cluster
	probe    datapath.ProbeMode
	maxFlows int // 0: the datapath's default
	selfTest map[string]string
	d        *datapath.Datapath
	base     map[string]int64 // counters of instances taken down
}

func newEBPF(ctx context.Context, c *local.Cluster, probe datapath.ProbeMode) (*ebpfMesh, error) {
	m := &ebpfMesh{c: c, probe: probe, base: map[string]int64{}, selfTest: map[string]string{}}
	// The kernel self-test on its own first, so the report shows every
	// check whatever the probe mode excuses.
	var res *datapath.ProbeResult
	err := exclusive(func() (err error) {
		res, err = datapath.Probe(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("kernel self-test: %w", err)
	}
	for _, ch := range res.Checks {
		v := "ok"
		if ch.Err != nil {
			v = "FAILED: " + ch.Err.Error()
		}
		m.selfTest["selftest "+ch.Name] = v
	}
	m.selfTest["splice_guard"] = res.Guard
	if res.Guard == "" {
		m.selfTest["splice_guard"] = "none (no BPF LSM or fmod_ret here)"
	}
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

// spliceStalls reports the kernel self-test's splice finding, "" when
// splice from a short-circuited socket works or is refused by the guard.
func (m *ebpfMesh) spliceStalls() string {
	if v := m.selfTest["selftest "+datapath.CheckSplice]; strings.HasPrefix(v, "FAILED") {
		return "the datapath's own kernel self-test found this (splice check " + v + "; splice guard: " + m.selfTest["splice_guard"] + ")"
	}
	return ""
}

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
	for _, p := range st.Pods {
		for k, v := range map[string]uint64{
			"conns_paired": p.ConnsPaired, "msgs_redirected": p.MsgsRedirected, "bytes_redirected": p.BytesRedirected,
			"msgs_fallback": p.MsgsFallback, "policy_denied": p.PolicyDenied, "pair_refused": p.PairRefused,
			"splice_refused": p.SpliceRefused,
		} {
			out[p.Name+"/"+k] = int64(v)
		}
	}
	if st.FastPath != nil {
		out["fastpath_packets"] = int64(st.FastPath.Peer + st.FastPath.Neigh)
		out["fastpath_passed"] = int64(st.FastPath.Pass)
	}
	return out, nil
}

// judge: on one node the traffic must have been redirected socket to
// socket, unless the datapath is degraded (it redirects nothing by
// design), where the tc fast path must have carried it, as across nodes.
func (m *ebpfMesh) judge(delta map[string]int64, pods []local.Pod, sameNode bool) (map[string]int64, string) {
	ev := perPod(delta, pods, "conns_paired", "msgs_redirected", "bytes_redirected", "msgs_fallback", "policy_denied", "pair_refused", "splice_refused")
	ev["fastpath_packets"] = delta["fastpath_packets"]
	switch {
	case sameNode && ev["msgs_redirected"] > 0:
		return ev, pathRedirect
	case (!sameNode || m.degraded() != "") && ev["fastpath_packets"] > 0:
		return ev, pathFastPath
	}
	return ev, pathFallback
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

// waitFlows waits until the flow map holds at most want sockets (closing
// sockets leave it on their last state change) and returns the count.
func (m *ebpfMesh) waitFlows(ctx context.Context, want int) (int, error) {
	for {
		n, err := m.flows()
		if err != nil || n <= want {
			return n, err
		}
		select {
		case <-ctx.Done():
			return n, nil
		case <-time.After(10 * time.Millisecond):
		}
	}
}

package mesh

import (
	"context"
	"strconv"
	"strings"

	"github.com/meshbench/meshbench/datapath"
	"github.com/meshbench/meshbench/internal/substrate/local"
	"github.com/meshbench/meshbench/scenarios"
)

// DatapathInstance names a cluster's datapath pins under
// /sys/fs/bpf/meshbench, so clusters never share or remove each other's.
func DatapathInstance(cluster string) string { return "mb-" + cluster }

// DatapathOptions attaches the datapath to every node cgroup of the cluster
// with every pod as an endpoint, the tc fast path on the node veths.
func DatapathOptions(c *local.Cluster, probe datapath.ProbeMode) (datapath.Options, error) {
	opts := datapath.Options{Instance: DatapathInstance(c.Name()), Probe: probe, MountBPFFS: true}
	for _, n := range c.Nodes() {
		cg, err := c.NodeCgroup(n)
		if err != nil {
			return opts, err
		}
		opts.Cgroups = append(opts.Cgroups, cg)
		opts.Nodes = append(opts.Nodes, datapath.Node{Name: n, Netns: local.NodeNetns(n)})
	}
	for _, p := range c.Pods() {
		opts.Endpoints = append(opts.Endpoints, datapath.Endpoint{Name: p.Name, IPv4: p.IPv4, IPv6: p.IPv6, Netns: p.Netns, Cgroup: p.Cgroup, Node: p.Node})
	}
	return opts, nil
}

// ebpfMesh is the eBPF datapath as a Mesh.
type ebpfMesh struct {
	d      *datapath.Datapath
	target Target
	probe  datapath.ProbeMode
	// degraded is why the datapath redirects nothing ("" when it
	// redirects), fixed when it came up.
	degraded string
}

// EBPF returns the Installer of mesh "ebpf": the datapath on every node of
// the cluster, its kernel self-test handled as probe says.
func EBPF(probe datapath.ProbeMode) Installer {
	return func(ctx context.Context, c *local.Cluster, t Target) (Mesh, error) {
		opts, err := DatapathOptions(c, probe)
		if err != nil {
			return nil, err
		}
		d, err := datapath.Up(ctx, opts)
		if err != nil {
			return nil, err
		}
		return &ebpfMesh{d: d, target: t, probe: probe, degraded: d.Degraded()}, nil
	}
}

func (m *ebpfMesh) sameNode() bool { return m.target.Client.Node == m.target.Server.Node }

// Evidence is the datapath's own counters for the two pods, and the fast
// path's packet counters.
func (m *ebpfMesh) Evidence(context.Context) (map[string]int64, error) {
	st, err := m.d.Status()
	if err != nil {
		return nil, err
	}
	ev := map[string]int64{"map_bytes": int64(st.MapBytes)}
	for _, p := range st.Pods {
		switch p.Name {
		case m.target.Client.Name:
			AddPodCounters(ev, "client", p.Counters)
		case m.target.Server.Name:
			AddPodCounters(ev, "server", p.Counters)
		}
	}
	if st.FastPath != nil {
		AddFastPathCounters(ev, *st.FastPath)
	}
	for _, p := range st.Programs {
		ev["prog_run_ns_"+p.Program] += p.RunTime.Nanoseconds()
		ev["prog_runs_"+p.Program] += int64(p.RunCount)
	}
	return ev, nil
}

// Verify requires the datapath to have carried the traffic (EBPFProblems).
func (m *ebpfMesh) Verify(ev map[string]int64, completed int64) []string {
	return EBPFProblems(ev, completed, m.sameNode(), m.degraded != "")
}

func (m *ebpfMesh) ProxyCgroups() map[string]string { return nil }

func (m *ebpfMesh) Info() map[string]string {
	info := map[string]string{"mesh": scenarios.MeshEBPF, "probe": m.probe.String(), "instance": m.d.Instance()}
	if st, err := m.d.Status(); err == nil {
		info["load_time_ms"] = strconv.FormatFloat(float64(st.LoadTime.Microseconds())/1000, 'f', 1, 64)
		info["probe_time_ms"] = strconv.FormatFloat(float64(st.ProbeTime.Microseconds())/1000, 'f', 1, 64)
		info["fast_path"] = strconv.FormatBool(st.FastPath != nil)
		info["splice_guard"] = strconv.FormatBool(st.Guard)
		if st.Degraded != "" {
			info["degraded"] = st.Degraded
		}
		if len(st.Warnings) > 0 {
			info["warnings"] = strings.Join(st.Warnings, "; ")
		}
	}
	return info
}

func (m *ebpfMesh) Remove() error { return m.d.Down() }

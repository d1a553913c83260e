package conformance

import (
	"context"
	"fmt"
	"strconv"

	"github.com/meshbench/meshbench/internal/cgroupv2"
	"github.com/meshbench/meshbench/internal/ifbpf"
	"github.com/meshbench/meshbench/internal/substrate/local"
)

// Mesh names, as --mesh takes them.
const (
	MeshNone    = "none"
	MeshSidecar = "sidecar"
	MeshEBPF    = "ebpf"
)

// Paths a result's traffic can have taken.
const (
	pathKernel   = "kernel"    // mesh none: the plain stack, nothing else
	pathRedirect = "redirect"  // eBPF: socket to socket, same node
	pathFastPath = "fast path" // eBPF: tc redirect between nodes
	pathProxies  = "proxies"   // sidecar: both proxies saw the connections
	pathFallback = "fallback"  // the mesh was there but did not carry it
)

// meshUnderTest is a mesh installed on every pod of the cluster for the
// whole suite. Counters are cumulative across uninstall and install, so a
// case that takes the mesh down and up again still gets deltas.
type meshUnderTest interface {
	name() string
	info() map[string]string
	// counters reads the mesh's counters: "<pod>/<counter>" per pod plus
	// global ones.
	counters(ctx context.Context) (map[string]int64, error)
	// judge sums the deltas of the pods a run used into its evidence and
	// says which path carried the traffic.
	judge(delta map[string]int64, pods []local.Pod, sameNode bool) (ev map[string]int64, path string)
	install(ctx context.Context) error
	uninstall() error
}

// perPod sums "<pod>/<counter>" deltas over pods into "<counter>".
func perPod(delta map[string]int64, pods []local.Pod, counters ...string) map[string]int64 {
	ev := map[string]int64{}
	for _, c := range counters {
		ev[c] = 0
		for _, p := range pods {
			ev[c] += delta[p.Name+"/"+c]
		}
	}
	return ev
}

// sub returns after - before per key.
func sub(after, before map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(after))
	for k, v := range after {
		out[k] = v - before[k]
	}
	return out
}

// addTo adds src into dst.
func addTo(dst, src map[string]int64) {
	for k, v := range src {
		dst[k] += v
	}
}

// noMesh is mesh "none". Its info records that nothing acts on the pods:
// no BPF program on their cgroups, no process in them.
type noMesh struct{ c *local.Cluster }

func (m *noMesh) name() string { return MeshNone }

func (m *noMesh) info() map[string]string {
	progs, procs := 0, 0
	var netns []string
	for _, p := range m.c.Pods() {
		n, err := cgroupv2.EffectiveBPF(p.Cgroup)
		if err != nil {
			return map[string]string{"evidence_error": err.Error()}
		}
		progs += n
		ps, err := cgroupv2.ProcsTree(p.Cgroup)
		if err != nil {
			return map[string]string{"evidence_error": err.Error()}
		}
		procs += len(ps)
		netns = append(netns, p.PacketNetns()...)
	}
	onIfs, err := ifbpf.Count(netns...)
	if err != nil {
		return map[string]string{"evidence_error": err.Error()}
	}
	return map[string]string{"bpf_programs_on_pods": strconv.Itoa(progs), "bpf_programs_on_interfaces": strconv.Itoa(onIfs),
		"processes_in_pods": strconv.Itoa(procs)}
}

func (m *noMesh) counters(context.Context) (map[string]int64, error) { return map[string]int64{}, nil }

func (m *noMesh) judge(map[string]int64, []local.Pod, bool) (map[string]int64, string) {
	return nil, pathKernel
}

func (m *noMesh) install(context.Context) error { return m.check() }
func (m *noMesh) uninstall() error              { return nil }

// check refuses to call a cluster "none" when something acts on its pods.
func (m *noMesh) check() error {
	i := m.info()
	if e := i["evidence_error"]; e != "" {
		return fmt.Errorf("mesh none: %s", e)
	}
	if i["bpf_programs_on_pods"] != "0" || i["bpf_programs_on_interfaces"] != "0" || i["processes_in_pods"] != "0" {
		return fmt.Errorf("mesh none: the pods are not bare: %s BPF programs on their cgroups, %s on their or their nodes' interfaces, %s processes in them",
			i["bpf_programs_on_pods"], i["bpf_programs_on_interfaces"], i["processes_in_pods"])
	}
	return nil
}

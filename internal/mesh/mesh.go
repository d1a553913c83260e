// Package mesh holds the mesh modes meshbench installs on a local cluster,
// behind one interface: none (nothing, with evidence that nothing is
// there), sidecar (a proxy beside each pod) and ebpf (the short-circuit
// datapath). The run and the conformance suite install them the same way,
// and each mode judges its own evidence.
package mesh

import (
	"context"
	"fmt"

	"github.com/meshbench/meshbench/internal/cgroupv2"
	"github.com/meshbench/meshbench/internal/ifbpf"
	"github.com/meshbench/meshbench/internal/substrate/local"
)

// Mesh is a mesh datapath installed on the topology. The runner installs a
// fresh one before every step and removes it after, so no mesh ever
// measures in a state another left behind.
type Mesh interface {
	// Evidence reads the counters that prove the mesh carried the step's
	// traffic (or, for none, that no mesh was present).
	Evidence(ctx context.Context) (map[string]int64, error)
	// Verify compares the evidence with the requests the load generator
	// completed and returns what does not match; empty means the run counts.
	Verify(evidence map[string]int64, completed int64) []string
	// ProxyCgroups maps pod names to the cgroup of that pod's proxy, so its
	// CPU and memory are reported apart from the application's.
	ProxyCgroups() map[string]string
	// Info describes the mesh for the results: proxy name and version,
	// workers, mTLS, datapath features.
	Info() map[string]string
	// Remove takes the mesh down completely.
	Remove() error
}

// Target says where a step's traffic goes, so a mesh can install itself on
// the right pods and judge its evidence against the right protocol.
type Target struct {
	Client, Server local.Pod
	Protocol       string // scenarios.ProtocolHTTP or ProtocolTCP
	Connections    int
}

// Installer installs a mesh for one step.
type Installer func(ctx context.Context, c *local.Cluster, t Target) (Mesh, error)

// noMesh is mesh "none": nothing to install, and evidence that nothing is
// there.
type noMesh struct{ pods []local.Pod }

// None is the Installer of mesh "none".
func None(_ context.Context, _ *local.Cluster, t Target) (Mesh, error) {
	return &noMesh{pods: []local.Pod{t.Client, t.Server}}, nil
}

// Evidence counts BPF programs acting on the pods' sockets (attached to their
// cgroups or any ancestor) and packets (on an interface of the pods or of
// their nodes), and processes in the pods besides the server and the load
// generator.
func (m *noMesh) Evidence(context.Context) (map[string]int64, error) {
	ev := map[string]int64{"bpf_programs": 0, "interface_bpf_programs": 0, "extra_processes": 0}
	var netns []string
	for _, p := range m.pods {
		netns = append(netns, p.PacketNetns()...)
	}
	n, err := ifbpf.Count(netns...)
	if err != nil {
		return nil, err
	}
	ev["interface_bpf_programs"] = int64(n)
	for _, p := range m.pods {
		n, err := cgroupv2.EffectiveBPF(p.Cgroup)
		if err != nil {
			return nil, err
		}
		ev["bpf_programs"] += int64(n)
		procs, err := cgroupv2.ProcsTree(p.Cgroup)
		if err != nil {
			return nil, err
		}
		if len(procs) > 1 {
			ev["extra_processes"] += int64(len(procs) - 1)
		}
	}
	return ev, nil
}

func (m *noMesh) Verify(ev map[string]int64, _ int64) []string {
	if ev["bpf_programs"] == 0 && ev["interface_bpf_programs"] == 0 && ev["extra_processes"] == 0 {
		return nil
	}
	return []string{fmt.Sprintf("evidence does not match mesh none: %d BPF programs on the pods' cgroups, %d on their or their nodes' interfaces, %d extra processes in the pods",
		ev["bpf_programs"], ev["interface_bpf_programs"], ev["extra_processes"])}
}

func (m *noMesh) ProxyCgroups() map[string]string { return nil }
func (m *noMesh) Info() map[string]string         { return map[string]string{"mesh": "none"} }
func (m *noMesh) Remove() error                   { return nil }

package local

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
)

// netnsDir is where named network namespaces live, as for `ip netns`.
const netnsDir = "/run/netns"

// layout is where the substrate keeps host-global state. Tests swap it for a
// sandbox so that DownAll can be exercised without touching other clusters.
type layout struct {
	stateDir    string // one state file per cluster
	bpfDir      string // the eBPF datapath's pins; DownAll removes it
	cgroupTop   string // our directory below the cgroup v2 mount
	netnsPrefix string // DownAll removes the /run/netns entries with this prefix
}

var host = layout{
	stateDir:    "/run/meshbench",
	bpfDir:      "/sys/fs/bpf/meshbench",
	cgroupTop:   "mb-meshbench",
	netnsPrefix: "mb-",
}

// Pod is one pod of a cluster.
type Pod struct {
	Name   string     `json:"name"` // also its netns name, what users type for `meshbench exec`
	Node   string     `json:"node"`
	IPv4   netip.Addr `json:"ipv4"`
	IPv6   netip.Addr `json:"ipv6"`
	Netns  string     `json:"netns"`  // path of the named netns, /run/netns/<Name>
	Cgroup string     `json:"cgroup"` // absolute path of the pod's cgroup v2 directory
}

// node is one node of a cluster; its name is also its netns name.
type node struct {
	Name   string       `json:"name"`
	Cgroup string       `json:"cgroup"`
	IPv4   netip.Prefix `json:"ipv4_cidr"`
	IPv6   netip.Prefix `json:"ipv6_cidr"`
}

// Cluster is a local cluster, brought up by Up or found by Load or FindPod.
// Its methods are safe for concurrent use; it holds no open resources.
type Cluster struct {
	name   string // "" for the default cluster
	cgroup string // the cluster's cgroup directory
	state  string // the state file
	nodes  []node
	pods   []Pod // node-major: all pods of node 0, then node 1, ...
}

// plan computes every name, path and address of the cluster cfg describes.
// cfg must be valid; cgroupMount is the cgroup v2 mount point.
func plan(cfg Config, l layout, cgroupMount string) *Cluster {
	c := &Cluster{
		name:   cfg.Name,
		cgroup: filepath.Join(cgroupMount, l.cgroupTop, key(cfg.Name)),
		state:  filepath.Join(l.stateDir, key(cfg.Name)+".json"),
	}
	for i := range cfg.Nodes {
		n := node{Name: nodeName(cfg.Name, i)}
		n.Cgroup = filepath.Join(c.cgroup, n.Name)
		n.IPv4, n.IPv6 = podCIDRs(i)
		c.nodes = append(c.nodes, n)
		for j := range cfg.PodsPerNode {
			v4, v6 := podAddrs(i, j)
			p := Pod{Name: podName(cfg.Name, i, j), Node: n.Name, IPv4: v4.Addr(), IPv6: v6.Addr()}
			p.Netns = filepath.Join(netnsDir, p.Name)
			p.Cgroup = filepath.Join(n.Cgroup, p.Name)
			c.pods = append(c.pods, p)
		}
	}
	return c
}

// Name returns the cluster's name, "default" for the default cluster.
func (c *Cluster) Name() string { return key(c.name) }

// Nodes returns the node names (which are also their netns names).
func (c *Cluster) Nodes() []string {
	names := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		names[i] = n.Name
	}
	return names
}

// Pods returns all pods, node by node.
func (c *Cluster) Pods() []Pod { return slices.Clone(c.pods) }

// Pod returns the pod with the given name.
func (c *Cluster) Pod(name string) (Pod, bool) {
	for _, p := range c.pods {
		if p.Name == name {
			return p, true
		}
	}
	return Pod{}, false
}

// NodeCgroup returns the cgroup v2 directory of a node, the parent of its
// pods' cgroups (where a node-wide eBPF program such as sockops attaches).
func (c *Cluster) NodeCgroup(node string) (string, error) {
	for _, n := range c.nodes {
		if n.Name == node {
			return n.Cgroup, nil
		}
	}
	return "", fmt.Errorf("cluster %s has no node %q (nodes: %v)", c.Name(), node, c.Nodes())
}

// NodeNetns is the path of a node's network namespace, where its bridge,
// its pods' veth ends and its wires to other nodes live.
func NodeNetns(node string) string { return filepath.Join(netnsDir, node) }

// PacketNetns are the network namespaces the pod's packets cross on their
// way in and out, where a datapath may hook its interfaces: the pod's own
// and its node's (the veth's other end, the bridge, the wires).
func (p Pod) PacketNetns() []string { return []string{p.Netns, NodeNetns(p.Node)} }

// netnsNames lists every netns of the cluster, pods first.
func (c *Cluster) netnsNames() []string {
	var names []string
	for _, p := range c.pods {
		names = append(names, p.Name)
	}
	return append(names, c.Nodes()...)
}

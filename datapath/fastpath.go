package datapath

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/meshbench/meshbench/internal/netnsutil"
)

// Node is one node of the topology, for the tc fast path.
type Node struct {
	Name string
	// Netns is the path of the node's network namespace, where the fast
	// path is attached. Empty marks a remote node, one this datapath does
	// not run on (a Kubernetes node agent lists the other nodes so):
	// nothing is attached there, and its pods are reached over the wire.
	Netns string
}

const (
	fwdPeer  = 1 // MB_FWD_PEER
	fwdNeigh = 2 // MB_FWD_NEIGH
)

// podPort is where a pod plugs into its node: the node end of its veth.
type podPort struct {
	hostIndex int
	hostMAC   net.HardwareAddr
	podMAC    net.HardwareAddr
}

// attachFastPath loads bpf/fastpath.c once per node (node id i+1), fills
// the forwarding map and attaches the programs with TCX: mb_tc_pod on the
// node end of every pod veth it can find, mb_tc_wire on every interface
// that routes to another node's pods. The programs pass everything until
// Up sets mb_cfg.enabled, after the last of them is attached. Pods whose interface is not a veth
// into their node are skipped with a warning: the topology does not allow
// the fast path for them.
func (d *Datapath) attachFastPath(opts Options) (warnings []string, err error) {
	spec, err := loadFastpath()
	if err != nil {
		return nil, fmt.Errorf("parse embedded fast path object: %w", err)
	}
	ports := map[string]podPort{} // by endpoint name
	for _, ep := range opts.Endpoints {
		if ep.Node == "" || ep.Netns == "" {
			continue
		}
		node, ok := nodeNamed(opts.Nodes, ep.Node)
		if !ok || node.Netns == "" {
			continue
		}
		p, err := findPodPort(ep, node.Netns)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("no fast path into %s: %v", ep.Name, err))
			continue
		}
		ports[ep.Name] = p
	}
	for i, node := range opts.Nodes {
		if node.Netns == "" {
			continue // remote: its pods are reached over the wire
		}
		if err := d.attachNode(spec, uint32(i+1), node, opts.Endpoints, ports); err != nil {
			return warnings, fmt.Errorf("fast path on node %s: %w", node.Name, err)
		}
	}
	return warnings, nil
}

func nodeNamed(nodes []Node, name string) (Node, bool) {
	for _, n := range nodes {
		if n.Name == name {
			return n, true
		}
	}
	return Node{}, false
}

func (d *Datapath) attachNode(spec *ebpf.CollectionSpec, id uint32, node Node, eps []Endpoint, ports map[string]podPort) error {
	spec = spec.Copy()
	if err := spec.Variables["node_id"].Set(id); err != nil {
		return fmt.Errorf("set node id: %w", err)
	}
	var objs fastpathObjects
	if err := spec.LoadAndAssign(&objs, &ebpf.CollectionOptions{Maps: ebpf.MapOptions{PinPath: d.dir}}); err != nil {
		return fmt.Errorf("load fast path programs: %w", err)
	}
	defer objs.fastpathPrograms.Close()
	if d.tcStats == nil {
		d.tcStats, d.tcFwd = objs.MbTcStats, objs.MbFwdMap
		// mb_cfg is the socket programs' pinned switch, which d.maps
		// holds open; the fast path only reads it (bpf/fastpath.c).
		defer objs.MbCfg.Close()
	} else {
		defer objs.fastpathMaps.Close()
	}
	h, nsh, err := nodeHandle(node.Netns)
	if err != nil {
		return err
	}
	defer nsh.Close()
	defer h.Close()
	hooks := map[int]*ebpf.Program{} // ifindex in the node's netns
	var errs []error
	for _, ep := range eps {
		for _, a := range []netip.Addr{ep.IPv4, ep.IPv6} {
			if !a.IsValid() {
				continue
			}
			key := fastpathMbFwdKey{Node: id, Addr: addrKey(a).W}
			var val fastpathMbFwd
			if p, ok := ports[ep.Name]; ok && ep.Node == node.Name {
				val = fastpathMbFwd{Ifindex: uint32(p.hostIndex), Flags: fwdPeer}
				copy(val.Dmac[:], p.podMAC)
				copy(val.Smac[:], p.hostMAC)
				hooks[p.hostIndex] = objs.MbTcPod
			} else if ep.Node != "" && ep.Node != node.Name {
				routes, err := h.RouteGet(a.AsSlice())
				if err != nil || len(routes) == 0 {
					continue // no route from this node: leave it to the stack
				}
				val = fastpathMbFwd{Ifindex: uint32(routes[0].LinkIndex), Flags: fwdNeigh}
				if hooks[routes[0].LinkIndex] == nil {
					hooks[routes[0].LinkIndex] = objs.MbTcWire
				}
			} else {
				continue
			}
			if err := d.tcFwd.Put(key, val); err != nil {
				errs = append(errs, fmt.Errorf("forwarding entry for %s: %w", a, err))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return netnsutil.Do(node.Netns, func() error {
		for ifindex, prog := range hooks {
			name := "wire"
			if prog == objs.MbTcPod {
				name = "pod"
			}
			l, err := link.AttachTCX(link.TCXOptions{Interface: ifindex, Program: prog, Attach: ebpf.AttachTCXIngress})
			if err != nil {
				return fmt.Errorf("%w: attach tc program to ifindex %d: %v (TCX needs Linux 6.6)", ErrUnsupported, ifindex, err)
			}
			d.links = append(d.links, attachment{name: fmt.Sprintf("link_tc_%s_n%d_if%d", name, id, ifindex), link: l})
		}
		return nil
	})
}

func nodeHandle(path string) (*netlink.Handle, netns.NsHandle, error) {
	nsh, err := netns.GetFromPath(path)
	if err != nil {
		return nil, 0, fmt.Errorf("open netns %s: %w", path, err)
	}
	h, err := netlink.NewHandleAt(nsh)
	if err != nil {
		nsh.Close()
		return nil, 0, fmt.Errorf("netlink in %s: %w", path, err)
	}
	return h, nsh, nil
}

// findPodPort finds the pod's interface (the one holding its address) and
// the node end of that veth.
func findPodPort(ep Endpoint, nodeNetns string) (podPort, error) {
	var p podPort
	h, nsh, err := nodeHandle(ep.Netns)
	if err != nil {
		return p, err
	}
	defer nsh.Close()
	defer h.Close()
	addrs, err := h.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil {
		return p, fmt.Errorf("list addresses: %w", err)
	}
	var podIf netlink.Link
	for _, a := range addrs {
		ip, _ := netip.AddrFromSlice(a.IP)
		if ip.Unmap() == ep.IPv4.Unmap() || ip == ep.IPv6 {
			if podIf, err = h.LinkByIndex(a.LinkIndex); err != nil {
				return p, fmt.Errorf("find interface %d: %w", a.LinkIndex, err)
			}
			break
		}
	}
	if podIf == nil {
		return p, errors.New("no interface holds the pod's address")
	}
	if podIf.Type() != "veth" {
		return p, fmt.Errorf("%s is a %s, not a veth", podIf.Attrs().Name, podIf.Type())
	}
	p.podMAC = podIf.Attrs().HardwareAddr
	nh, nnsh, err := nodeHandle(nodeNetns)
	if err != nil {
		return p, err
	}
	defer nnsh.Close()
	defer nh.Close()
	host, err := nh.LinkByIndex(podIf.Attrs().ParentIndex)
	if err != nil || host.Type() != "veth" {
		return p, fmt.Errorf("the peer of %s is not a veth in the node's namespace", podIf.Attrs().Name)
	}
	p.hostIndex, p.hostMAC = host.Attrs().Index, host.Attrs().HardwareAddr
	return p, nil
}

// TCCounters are the fast path's packet counters, summed over nodes.
type TCCounters struct {
	Peer  uint64 // packets put straight into a pod
	Neigh uint64 // packets sent straight onto a wire
	Pass  uint64 // packets left to the normal path
}

func readTCCounters(m *ebpf.Map) (TCCounters, error) {
	var out TCCounters
	for id := uint32(1); id < m.MaxEntries(); id++ {
		var per []fastpathMbTcCounters
		if err := m.Lookup(id, &per); err != nil {
			return out, fmt.Errorf("read fast path counters: %w", err)
		}
		for _, c := range per {
			out.Peer += c.Peer
			out.Neigh += c.Neigh
			out.Pass += c.Pass
		}
	}
	return out, nil
}

package local

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// nodeSysctls make a node namespace a router whose bridge bypasses
// netfilter. They apply inside the node's own namespace only.
var nodeSysctls = []sysctl{
	{key: "net/ipv4/ip_forward", value: "1"},
	{key: "net/ipv6/conf/all/forwarding", value: "1"},
	{key: "net/ipv6/conf/default/accept_dad", value: "0"},
	{key: "net/ipv6/conf/all/accept_dad", value: "0"},
	// Present (per namespace) only when br_netfilter is loaded.
	{key: "net/bridge/bridge-nf-call-iptables", value: "0", optional: true},
	{key: "net/bridge/bridge-nf-call-ip6tables", value: "0", optional: true},
	{key: "net/bridge/bridge-nf-call-arptables", value: "0", optional: true},
}

// podSysctls make IPv6 addresses usable at once on interfaces created later.
var podSysctls = []sysctl{
	{key: "net/ipv6/conf/default/accept_dad", value: "0"},
	{key: "net/ipv6/conf/all/accept_dad", value: "0"},
}

// newHandle opens a route netlink handle inside ns.
func newHandle(ns netns.NsHandle, what string) (*netlink.Handle, error) {
	h, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("open netlink in %s: %w", what, err)
	}
	return h, nil
}

// setupNode brings up lo and node i's bridge with its gateway addresses.
func setupNode(h *netlink.Handle, i int) error {
	if err := linkUp(h, "lo"); err != nil {
		return err
	}
	off := false
	br := &netlink.Bridge{
		LinkAttrs: netlink.LinkAttrs{
			Name: bridgeName,
			// A fixed MAC: otherwise the bridge takes its ports' lowest MAC
			// and changes it as pods are added.
			HardwareAddr: net.HardwareAddr{0x02, 0x6d, 0x62, 0x00, byte(i), 0x01},
		},
		MulticastSnooping: &off,
	}
	if err := h.LinkAdd(br); err != nil {
		return fmt.Errorf("add bridge %s: %w", bridgeName, err)
	}
	v4, v6 := bridgeAddrs(i)
	if err := addAddrs(h, br, v4, v6); err != nil {
		return err
	}
	return linkUp(h, bridgeName)
}

// setupWire creates the wire between nodes lo < hi, with both ends
// addressed and up.
func setupWire(hLo, hHi *netlink.Handle, nsHi netns.NsHandle, lo, hi int) error {
	lo4, hi4, lo6, hi6 := wireAddrs(lo, hi)
	v := &netlink.Veth{
		LinkAttrs:     netlink.LinkAttrs{Name: wireName(hi)},
		PeerName:      wireName(lo),
		PeerNamespace: netlink.NsFd(nsHi),
	}
	if err := hLo.LinkAdd(v); err != nil {
		return fmt.Errorf("add wire n%d-n%d: %w", lo, hi, err)
	}
	if err := configureLink(hLo, wireName(hi), lo4, lo6); err != nil {
		return fmt.Errorf("wire n%d-n%d: %w", lo, hi, err)
	}
	if err := configureLink(hHi, wireName(lo), hi4, hi6); err != nil {
		return fmt.Errorf("wire n%d-n%d: %w", lo, hi, err)
	}
	return nil
}

// setupRoutes routes node i's traffic for every other node's pod CIDRs
// across the wire to that node.
func setupRoutes(h *netlink.Handle, i, nodes int) error {
	for k := range nodes {
		if k == i {
			continue
		}
		link, err := h.LinkByName(wireName(k))
		if err != nil {
			return fmt.Errorf("find wire %s: %w", wireName(k), err)
		}
		lo4, hi4, lo6, hi6 := wireAddrs(min(i, k), max(i, k))
		gw4, gw6 := hi4, hi6 // the far end
		if k < i {
			gw4, gw6 = lo4, lo6
		}
		dst4, dst6 := podCIDRs(k)
		for _, r := range []struct{ dst, gw netip.Prefix }{{dst4, gw4}, {dst6, gw6}} {
			route := &netlink.Route{LinkIndex: link.Attrs().Index, Dst: ipNet(r.dst), Gw: r.gw.Addr().AsSlice()}
			if err := h.RouteAdd(route); err != nil {
				return fmt.Errorf("add route %s via %s: %w", r.dst, r.gw.Addr(), err)
			}
		}
	}
	return nil
}

// setupPod plugs pod j into node i: a veth whose node end is a bridge port
// and whose pod end is eth0 with the pod's addresses and default routes via
// the bridge.
func setupPod(hNode *netlink.Handle, podNS netns.NsHandle, i, j int) error {
	br, err := hNode.LinkByName(bridgeName)
	if err != nil {
		return fmt.Errorf("find bridge: %w", err)
	}
	v := &netlink.Veth{
		LinkAttrs:     netlink.LinkAttrs{Name: podPortName(j), MasterIndex: br.Attrs().Index},
		PeerName:      podIfName,
		PeerNamespace: netlink.NsFd(podNS),
	}
	if err := hNode.LinkAdd(v); err != nil {
		return fmt.Errorf("add veth %s: %w", podPortName(j), err)
	}
	if err := linkUp(hNode, podPortName(j)); err != nil {
		return err
	}
	h, err := newHandle(podNS, "pod")
	if err != nil {
		return err
	}
	defer h.Close()
	if err := linkUp(h, "lo"); err != nil {
		return err
	}
	v4, v6 := podAddrs(i, j)
	if err := configureLink(h, podIfName, v4, v6); err != nil {
		return err
	}
	eth0, err := h.LinkByName(podIfName)
	if err != nil {
		return fmt.Errorf("find %s: %w", podIfName, err)
	}
	gw4, gw6 := bridgeAddrs(i)
	for _, gw := range []netip.Prefix{gw4, gw6} {
		dst := netip.PrefixFrom(netip.IPv4Unspecified(), 0)
		if gw.Addr().Is6() {
			dst = netip.PrefixFrom(netip.IPv6Unspecified(), 0)
		}
		route := &netlink.Route{LinkIndex: eth0.Attrs().Index, Dst: ipNet(dst), Gw: gw.Addr().AsSlice()}
		if err := h.RouteAdd(route); err != nil {
			return fmt.Errorf("add default route via %s: %w", gw.Addr(), err)
		}
	}
	return nil
}

// configureLink sets a link up, then adds its addresses (up first, so the
// IPv4 connected route exists for gateways added next).
func configureLink(h *netlink.Handle, name string, addrs ...netip.Prefix) error {
	if err := linkUp(h, name); err != nil {
		return err
	}
	link, err := h.LinkByName(name)
	if err != nil {
		return fmt.Errorf("find %s: %w", name, err)
	}
	return addAddrs(h, link, addrs...)
}

// addAddrs adds addresses to link; IPv6 ones skip duplicate address
// detection so they are usable at once.
func addAddrs(h *netlink.Handle, link netlink.Link, addrs ...netip.Prefix) error {
	for _, p := range addrs {
		a := &netlink.Addr{IPNet: ipNet(p)}
		if p.Addr().Is6() {
			a.Flags = unix.IFA_F_NODAD
		}
		if err := h.AddrAdd(link, a); err != nil {
			return fmt.Errorf("add address %s to %s: %w", p, link.Attrs().Name, err)
		}
	}
	return nil
}

func linkUp(h *netlink.Handle, name string) error {
	link, err := h.LinkByName(name)
	if err != nil {
		return fmt.Errorf("find %s: %w", name, err)
	}
	if err := h.LinkSetUp(link); err != nil {
		return fmt.Errorf("set %s up: %w", name, err)
	}
	return nil
}

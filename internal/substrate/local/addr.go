package local

import (
	"net"
	"net/netip"
	"strconv"
)

// The address plan. Only the benchmarking ranges are used: 198.18.0.0/15
// (RFC 2544) and 2001:2::/48 (RFC 5180). Pod addresses mirror each other
// across families: the IPv6 groups are the IPv4 octets' decimal digits read
// as hex, so pod 198.18.1.23 is 2001:2:0:1::23.
//
//	node i pod CIDRs     198.18.i.0/24            2001:2:0:i::/64
//	node i bridge        198.18.i.1               2001:2:0:i::1
//	pod j on node i      198.18.i.(10+j)          2001:2:0:i::(10+j)
//	wire i-k (i < k)     198.19.(16i+k).0/24      2001:2:0:ff<i><k>::/64 (i, k as hex digits)
//	  node i's end       .1                       ::1
//	  node k's end       .2                       ::2
//
// The brief's suggestion of 2001:2:ff::/48 for wires lies outside 2001:2::/48,
// so wires take the 2001:2:0:ffXX::/64 subnets of the benchmarking range.
const (
	firstPodHost = 10
	bridgeHost   = 1
)

// podCIDRs returns node i's pod subnets.
func podCIDRs(node int) (v4, v6 netip.Prefix) {
	return netip.PrefixFrom(v4Addr(18, node, 0), 24), netip.PrefixFrom(v6Addr(dec(node), 0), 64)
}

// bridgeAddrs returns node i's bridge addresses with their prefix lengths; they
// are the pods' default gateways.
func bridgeAddrs(node int) (v4, v6 netip.Prefix) {
	return netip.PrefixFrom(v4Addr(18, node, bridgeHost), 24), netip.PrefixFrom(v6Addr(dec(node), dec(bridgeHost)), 64)
}

// podAddrs returns the addresses of pod j on node i, with prefix lengths.
func podAddrs(node, pod int) (v4, v6 netip.Prefix) {
	h := firstPodHost + pod
	return netip.PrefixFrom(v4Addr(18, node, h), 24), netip.PrefixFrom(v6Addr(dec(node), dec(h)), 64)
}

// wireAddrs returns the addresses of the two ends of the wire between nodes
// lo < hi: first lo's end, then hi's end.
func wireAddrs(lo, hi int) (lo4, hi4, lo6, hi6 netip.Prefix) {
	sub := 16*lo + hi
	group := uint16(0xff00 | sub)
	return netip.PrefixFrom(v4Addr(19, sub, 1), 24), netip.PrefixFrom(v4Addr(19, sub, 2), 24),
		netip.PrefixFrom(v6Addr(group, 1), 64), netip.PrefixFrom(v6Addr(group, 2), 64)
}

// v4Addr returns 198.<b>.<c>.<d>.
func v4Addr(b, c, d int) netip.Addr {
	return netip.AddrFrom4([4]byte{198, byte(b), byte(c), byte(d)})
}

// v6Addr returns 2001:2:0:<subnet>::<host>.
func v6Addr(subnet, host uint16) netip.Addr {
	var a [16]byte
	a[0], a[1], a[3] = 0x20, 0x01, 0x02
	a[6], a[7] = byte(subnet>>8), byte(subnet)
	a[14], a[15] = byte(host>>8), byte(host)
	return netip.AddrFrom16(a)
}

// dec returns n's decimal digits read as hex (23 -> 0x23), n < 10000.
func dec(n int) uint16 {
	v, _ := strconv.ParseUint(strconv.Itoa(n), 16, 16)
	return uint16(v)
}

// ipNet converts p to the form netlink wants.
func ipNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

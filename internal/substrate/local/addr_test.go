package local

import (
	"net/netip"
	"testing"
)

var (
	bench4 = netip.MustParsePrefix("198.18.0.0/15")
	bench6 = netip.MustParsePrefix("2001:2::/48")
)

func TestAddressPlan(t *testing.T) {
	tests := []struct {
		name string
		got  netip.Prefix
		want string
	}{
		{"node 0 pod CIDR v4", first(podCIDRs(0)), "198.18.0.0/24"},
		{"node 0 pod CIDR v6", second(podCIDRs(0)), "2001:2:0:0::/64"},
		{"node 15 pod CIDR v6", second(podCIDRs(15)), "2001:2:0:15::/64"},
		{"node 1 bridge v4", first(bridgeAddrs(1)), "198.18.1.1/24"},
		{"node 1 bridge v6", second(bridgeAddrs(1)), "2001:2:0:1::1/64"},
		{"pod 0 on node 0 v4", first(podAddrs(0, 0)), "198.18.0.10/24"},
		{"pod 0 on node 0 v6", second(podAddrs(0, 0)), "2001:2:0:0::10/64"},
		{"pod 13 on node 1 v4", first(podAddrs(1, 13)), "198.18.1.23/24"},
		{"pod 13 on node 1 v6", second(podAddrs(1, 13)), "2001:2:0:1::23/64"},
		{"pod 99 on node 15 v4", first(podAddrs(15, 99)), "198.18.15.109/24"},
		{"pod 99 on node 15 v6", second(podAddrs(15, 99)), "2001:2:0:15::109/64"},
	}
	for _, tt := range tests {
		if want := netip.MustParsePrefix(tt.want); tt.got != want {
			t.Errorf("%s = %s, want %s", tt.name, tt.got, want)
		}
	}
}

func TestWireAddrs(t *testing.T) {
	tests := []struct {
		lo, hi             int
		lo4, hi4, lo6, hi6 string
	}{
		{0, 1, "198.19.1.1/24", "198.19.1.2/24", "2001:2:0:ff01::1/64", "2001:2:0:ff01::2/64"},
		{1, 2, "198.19.18.1/24", "198.19.18.2/24", "2001:2:0:ff12::1/64", "2001:2:0:ff12::2/64"},
		{14, 15, "198.19.239.1/24", "198.19.239.2/24", "2001:2:0:ffef::1/64", "2001:2:0:ffef::2/64"},
	}
	for _, tt := range tests {
		lo4, hi4, lo6, hi6 := wireAddrs(tt.lo, tt.hi)
		for _, c := range []struct {
			got  netip.Prefix
			want string
		}{{lo4, tt.lo4}, {hi4, tt.hi4}, {lo6, tt.lo6}, {hi6, tt.hi6}} {
			if c.got != netip.MustParsePrefix(c.want) {
				t.Errorf("wireAddrs(%d, %d): got %s, want %s", tt.lo, tt.hi, c.got, c.want)
			}
		}
	}
}

// TestAddressPlanIsDisjointAndInRange checks the largest cluster: every
// address is in a benchmarking range and no two subnets or addresses collide.
func TestAddressPlanIsDisjointAndInRange(t *testing.T) {
	var subnets []netip.Prefix
	addrs := map[netip.Addr]string{}
	add := func(what string, p netip.Prefix) {
		t.Helper()
		if !bench4.Contains(p.Addr()) && !bench6.Contains(p.Addr()) {
			t.Fatalf("%s %s is outside the benchmarking ranges", what, p)
		}
		if prev, dup := addrs[p.Addr()]; dup {
			t.Fatalf("%s %s collides with %s", what, p, prev)
		}
		addrs[p.Addr()] = what
	}
	for i := range MaxNodes {
		v4, v6 := podCIDRs(i)
		subnets = append(subnets, v4, v6)
		b4, b6 := bridgeAddrs(i)
		add("bridge", b4)
		add("bridge", b6)
		for j := range MaxPodsPerNode {
			p4, p6 := podAddrs(i, j)
			add("pod", p4)
			add("pod", p6)
			if !v4.Contains(p4.Addr()) || !v6.Contains(p6.Addr()) || p4.Masked() != v4 || p6.Masked() != v6 {
				t.Fatalf("pod %d/%d %s %s not in its node's CIDRs %s %s", i, j, p4, p6, v4, v6)
			}
		}
		for k := i + 1; k < MaxNodes; k++ {
			lo4, hi4, lo6, hi6 := wireAddrs(i, k)
			subnets = append(subnets, lo4.Masked(), lo6.Masked())
			add("wire", lo4)
			add("wire", hi4)
			add("wire", lo6)
			add("wire", hi6)
			if lo4.Masked() != hi4.Masked() || lo6.Masked() != hi6.Masked() {
				t.Fatalf("wire %d-%d ends in different subnets", i, k)
			}
		}
	}
	for a := range subnets {
		for b := a + 1; b < len(subnets); b++ {
			if subnets[a].Overlaps(subnets[b]) {
				t.Fatalf("subnets %s and %s overlap", subnets[a], subnets[b])
			}
		}
	}
}

func first(a, _ netip.Prefix) netip.Prefix  { return a }
func second(_, b netip.Prefix) netip.Prefix { return b }

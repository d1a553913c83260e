package kind

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
)

// The address plan, inside the benchmarking ranges only. Each cluster takes
// one slot: pod subnet slot i is the i-th /21 of podRange, service subnet
// slot i the i-th /24 of serviceRange.
var (
	networkV4    = netip.MustParsePrefix("198.19.209.0/24")
	networkV6    = netip.MustParsePrefix("2001:2:0:d1::/64")
	podRange     = netip.MustParsePrefix("198.19.128.0/18")
	serviceRange = netip.MustParsePrefix("198.19.224.0/20")
)

const (
	podBits     = 21
	serviceBits = 24
	// maxSlots is how many clusters can run side by side: the /21s of the
	// pod range (the service range has room for 16 /24s).
	maxSlots = 1 << (podBits - 18)
)

// slotSubnets returns the pod and service subnets of slot i.
func slotSubnets(i int) (pod, service netip.Prefix) {
	return nth(podRange, podBits, i), nth(serviceRange, serviceBits, i)
}

// nth is the i-th subnet of length bits inside r (IPv4).
func nth(r netip.Prefix, bits, i int) netip.Prefix {
	a := r.Addr().As4()
	v := binary.BigEndian.Uint32(a[:]) + uint32(i)<<(32-bits)
	binary.BigEndian.PutUint32(a[:], v)
	return netip.PrefixFrom(netip.AddrFrom4(a), bits)
}

// slotOf returns the slot whose pod subnet is p, and false when p is no slot.
func slotOf(p netip.Prefix) (int, bool) {
	for i := range maxSlots {
		if pod, _ := slotSubnets(i); pod == p {
			return i, true
		}
	}
	return 0, false
}

// freeSlot returns the lowest slot that no cluster in used (slot -> kind
// cluster name) holds.
func freeSlot(used map[int]string) (int, error) {
	for i := range maxSlots {
		if _, taken := used[i]; !taken {
			return i, nil
		}
	}
	names := make([]string, 0, len(used))
	for _, n := range used {
		names = append(names, n)
	}
	slices.Sort(names)
	return 0, fmt.Errorf("all %d address slots are taken (clusters %s): remove one (meshbench down --substrate kind)",
		maxSlots, strings.Join(names, ", "))
}

// podSubnetRE finds the pod subnet in the kubeadm config kind writes to
// /kind/kubeadm.conf on every node (podSubnet: "198.19.128.0/21").
var podSubnetRE = regexp.MustCompile(`(?m)^\s*podSubnet:\s*"?([^"\s,]+)`)

// parsePodSubnet returns the (first) pod subnet of a kubeadm config.
func parsePodSubnet(kubeadmConf string) (netip.Prefix, error) {
	m := podSubnetRE.FindStringSubmatch(kubeadmConf)
	if m == nil {
		return netip.Prefix{}, fmt.Errorf("no podSubnet in kubeadm config")
	}
	p, err := netip.ParsePrefix(m[1])
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("podSubnet %q in kubeadm config: %w", m[1], err)
	}
	return p, nil
}

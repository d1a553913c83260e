package kind

import (
	"net/netip"
	"strings"
	"testing"
)

func TestSlotsAreDisjointAndInsideTheBenchmarkingRanges(t *testing.T) {
	bench := netip.MustParsePrefix("198.18.0.0/15")
	var pods, svcs []netip.Prefix
	for i := range maxSlots {
		pod, svc := slotSubnets(i)
		if pod.Bits() != 21 || svc.Bits() != 24 || pod.Masked() != pod || svc.Masked() != svc {
			t.Fatalf("slot %d: pod %s service %s: want a /21 and a /24", i, pod, svc)
		}
		if !podRange.Contains(pod.Addr()) || !serviceRange.Contains(svc.Addr()) || !bench.Overlaps(pod) || !bench.Overlaps(svc) {
			t.Errorf("slot %d: pod %s service %s outside their ranges", i, pod, svc)
		}
		for _, other := range append(append([]netip.Prefix{networkV4}, pods...), svcs...) {
			if pod.Overlaps(other) || svc.Overlaps(other) {
				t.Errorf("slot %d (%s, %s) overlaps %s", i, pod, svc, other)
			}
		}
		pods, svcs = append(pods, pod), append(svcs, svc)
		if got, ok := slotOf(pod); !ok || got != i {
			t.Errorf("slotOf(%s) = %d, %v; want %d", pod, got, ok, i)
		}
	}
	if first, _ := slotSubnets(0); first.String() != "198.19.128.0/21" {
		t.Errorf("slot 0 pod subnet %s", first)
	}
	if last, svc := slotSubnets(maxSlots - 1); last.String() != "198.19.184.0/21" || svc.String() != "198.19.231.0/24" {
		t.Errorf("last slot: pod %s service %s", last, svc)
	}
	if _, ok := slotOf(netip.MustParsePrefix("10.244.0.0/16")); ok {
		t.Error("kind's default pod subnet taken for a slot")
	}
}

func TestFreeSlot(t *testing.T) {
	if got, err := freeSlot(nil); err != nil || got != 0 {
		t.Errorf("empty: %d, %v", got, err)
	}
	if got, err := freeSlot(map[int]string{0: "mb-a", 1: "mb-b", 3: "mb-c"}); err != nil || got != 2 {
		t.Errorf("gap: %d, %v; want 2", got, err)
	}
	full := map[int]string{}
	for i := range maxSlots {
		full[i] = "mb-" + string(rune('a'+i))
	}
	if _, err := freeSlot(full); err == nil || !strings.Contains(err.Error(), "mb-a, mb-b") || !strings.Contains(err.Error(), "down --substrate kind") {
		t.Errorf("full: %v: want the clusters named and how to free a slot", err)
	}
}

func TestParsePodSubnet(t *testing.T) {
	// The networking block of the kubeadm config kind v0.30 writes.
	conf := `apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
networking:
  podSubnet: "198.19.136.0/21"
  serviceSubnet: "198.19.225.0/24"
`
	if got, err := parsePodSubnet(conf); err != nil || got.String() != "198.19.136.0/21" {
		t.Errorf("parsePodSubnet = %s, %v", got, err)
	}
	if got, err := parsePodSubnet("  podSubnet: 198.19.128.0/21,fd00::/56\n"); err != nil || got.String() != "198.19.128.0/21" {
		t.Errorf("dual stack, unquoted: %s, %v", got, err)
	}
	for _, bad := range []string{"", "networking: {}\n", `  podSubnet: "nonsense"`} {
		if _, err := parsePodSubnet(bad); err == nil {
			t.Errorf("parsePodSubnet(%q) accepted", bad)
		}
	}
}

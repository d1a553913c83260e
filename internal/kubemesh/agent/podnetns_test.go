package agent

import (
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/meshbench/meshbench/internal/netnsutil"
	"github.com/meshbench/meshbench/internal/testenv"
)

// addrNetns creates the named netns with a dummy interface holding addrs
// and removes it at the end of the test.
func addrNetns(t *testing.T, name string, addrs ...string) string {
	t.Helper()
	var h netns.NsHandle
	err := netnsutil.With(func() error {
		var err error
		h, err = netns.NewNamed(name)
		return err
	}, func() error {
		// A veth, not a dummy: the dummy module is not on every host.
		if err := netlink.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "pod0"}, PeerName: "pod1"}); err != nil {
			return err
		}
		l, err := netlink.LinkByName("pod0")
		if err != nil {
			return err
		}
		for _, a := range addrs {
			ipn, err := netlink.ParseIPNet(a)
			if err != nil {
				return err
			}
			if err := netlink.AddrAdd(l, &netlink.Addr{IPNet: ipn, Flags: 0x80 /* IFA_F_NODAD */}); err != nil {
				return err
			}
		}
		return netlink.LinkSetUp(l)
	})
	t.Cleanup(func() {
		h.Close()
		if err := netns.DeleteNamed(name); err != nil {
			t.Error(err)
		}
	})
	if err != nil {
		t.Fatalf("netns %s: %v", name, err)
	}
	return "/run/netns/" + name
}

// TestPodNetns finds each endpoint's netns through a process list, the way
// the agent does through the node's /proc: a netns reached by several
// processes counts once, an address in two namespaces is ambiguous and
// left out with a warning, an address nowhere (another node's pod) is left
// out silently, and a process that is gone is skipped.
func TestPodNetns(t *testing.T) {
	testenv.RequirePrivileged(t)
	a := addrNetns(t, "mb-test-agent-a", "198.18.250.1/32", "2001:2:0:fa::1/128")
	b := addrNetns(t, "mb-test-agent-b", "198.18.250.2/32")
	c := addrNetns(t, "mb-test-agent-c", "198.18.250.3/32")
	d := addrNetns(t, "mb-test-agent-d", "198.18.250.3/32")
	proc := t.TempDir()
	for pid, target := range map[string]string{"10": a, "11": a, "20": b, "30": c, "31": d, "40": "/run/netns/mb-test-agent-gone"} {
		if err := os.MkdirAll(filepath.Join(proc, pid, "ns"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, filepath.Join(proc, pid, "ns", "net")); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(proc, "self"), 0o755); err != nil {
		t.Fatal(err)
	}
	eps := []Endpoint{
		{Name: "a", IPv6: netip.MustParseAddr("2001:2:0:fa::1")},
		{Name: "b", IPv4: netip.MustParseAddr("198.18.250.2")},
		{Name: "dup", IPv4: netip.MustParseAddr("198.18.250.3")},
		{Name: "remote", IPv4: netip.MustParseAddr("198.18.250.9")},
	}
	found, warnings, err := podNetns(proc, eps)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": filepath.Join(proc, "10", "ns", "net"), "b": filepath.Join(proc, "20", "ns", "net")}
	if !reflect.DeepEqual(found, want) {
		t.Errorf("found %v, want %v", found, want)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "endpoint dup") || !strings.Contains(warnings[0], "2 network namespaces") {
		t.Errorf("warnings %q, want one about dup in 2 namespaces", warnings)
	}
}

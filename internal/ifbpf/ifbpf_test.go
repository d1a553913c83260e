package ifbpf_test

import (
	"sort"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/meshbench/meshbench/internal/ifbpf"
	"github.com/meshbench/meshbench/internal/netnsutil"
	"github.com/meshbench/meshbench/internal/testenv"
)

// newNetns creates a named netns for one test and removes it (and the
// links inside, which die with it) at the end.
func newNetns(t *testing.T, name string) string {
	t.Helper()
	var h netns.NsHandle
	if err := netnsutil.With(func() error {
		var err error
		h, err = netns.NewNamed(name)
		return err
	}, func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		h.Close()
		if err := netns.DeleteNamed(name); err != nil {
			t.Error(err)
		}
	})
	return "/run/netns/" + name
}

func program(t *testing.T, name string, typ ebpf.ProgramType, ret int32) *ebpf.Program {
	t.Helper()
	p, err := ebpf.NewProgram(&ebpf.ProgramSpec{Name: name, Type: typ, License: "GPL",
		Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, ret), asm.Return()}})
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func id(t *testing.T, p *ebpf.Program) ebpf.ProgramID {
	t.Helper()
	info, err := p.Info()
	if err != nil {
		t.Fatal(err)
	}
	id, ok := info.ID()
	if !ok {
		t.Fatal("no program ID")
	}
	return id
}

// TestListFindsEveryHook attaches one program to each kind of interface
// hook (TCX egress, a classic clsact ingress filter, generic XDP) on a veth
// in a fresh netns and finds exactly those, by ID and hook; a netns with
// nothing attached lists nothing.
func TestListFindsEveryHook(t *testing.T) {
	testenv.RequirePrivileged(t)
	path := newNetns(t, "mb-test-ifbpf")
	if progs, err := ifbpf.List(path); err != nil || len(progs) != 0 {
		t.Fatalf("fresh netns: %v, %v; want nothing", progs, err)
	}
	tcx := program(t, "mb_test_tcx", ebpf.SchedCLS, 0)
	cls := program(t, "mb_test_cls", ebpf.SchedCLS, 0)
	xdp := program(t, "mb_test_xdp", ebpf.XDP, 2) // XDP_PASS
	var links []link.Link
	t.Cleanup(func() {
		for _, l := range links {
			l.Close()
		}
	})
	err := netnsutil.Do(path, func() error {
		if err := netlink.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "mbt0"}, PeerName: "mbt1"}); err != nil {
			return err
		}
		l0, err := netlink.LinkByName("mbt0")
		if err != nil {
			return err
		}
		l1, err := netlink.LinkByName("mbt1")
		if err != nil {
			return err
		}
		if err := netlink.LinkSetUp(l0); err != nil {
			return err
		}
		tl, err := link.AttachTCX(link.TCXOptions{Interface: l0.Attrs().Index, Program: tcx, Attach: ebpf.AttachTCXEgress})
		if err != nil {
			return err
		}
		links = append(links, tl)
		xl, err := link.AttachXDP(link.XDPOptions{Interface: l0.Attrs().Index, Program: xdp, Flags: link.XDPGenericMode})
		if err != nil {
			return err
		}
		links = append(links, xl)
		qd := &netlink.GenericQdisc{QdiscAttrs: netlink.QdiscAttrs{LinkIndex: l1.Attrs().Index, Handle: netlink.MakeHandle(0xffff, 0), Parent: netlink.HANDLE_CLSACT}, QdiscType: "clsact"}
		if err := netlink.QdiscAdd(qd); err != nil {
			return err
		}
		return netlink.FilterAdd(&netlink.BpfFilter{
			FilterAttrs: netlink.FilterAttrs{LinkIndex: l1.Attrs().Index, Parent: netlink.HANDLE_MIN_INGRESS, Handle: 1, Protocol: unix.ETH_P_ALL, Priority: 1},
			Fd:          cls.FD(), Name: "mb_test_cls", DirectAction: true,
		})
	})
	if err != nil {
		t.Fatalf("set up hooks: %v", err)
	}
	got, err := ifbpf.List(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []ifbpf.Program{
		{ID: id(t, tcx), Interface: "mbt0", Hook: "tcx/egress"},
		{ID: id(t, xdp), Interface: "mbt0", Hook: "xdp"},
		{ID: id(t, cls), Interface: "mbt1", Hook: "tc/ingress"},
	}
	key := func(p ifbpf.Program) string { return p.String() }
	sort.Slice(got, func(i, j int) bool { return key(got[i]) < key(got[j]) })
	sort.Slice(want, func(i, j int) bool { return key(want[i]) < key(want[j]) })
	if len(got) != len(want) {
		t.Fatalf("found %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("found %v, want %v", got[i], want[i])
		}
	}
}

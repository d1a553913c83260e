package datapath

import (
	"context"
	"errors"
	"fmt"
	"github.com/meshbench/meshbench/internal/cgroupv2"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/meshbench/meshbench/internal/netnsutil"
)

// fixture is a tiny mesh for tests: one network namespace whose loopback
// holds every pod address, and one cgroup v2 per pod under a fixture root
// the datapath attaches to. A socket belongs to a pod when it is created
// inside the pod's cgroup and the netns.
type fixture struct {
	tb    testing.TB
	mount string
	root  string
	ns    *os.File
	pods  []*testPod
}

type testPod struct {
	name   string
	v4, v6 netip.Addr
	cgroup string // "" for a process outside the mesh
}

var fixtureSeq atomic.Int32

// Addresses outside the mesh, on the same loopback.
var (
	outsideV4 = netip.MustParseAddr("198.18.0.99")
	outsideV6 = netip.MustParseAddr("2001:2::99")
)

func newFixture(tb testing.TB, pods int) *fixture {
	f := &fixture{tb: tb}
	mount, err := cgroup2Mount()
	if err != nil {
		tb.Fatal(err)
	}
	f.mount = mount
	f.root = filepath.Join(mount, fmt.Sprintf("mb-meshbench-dptest-%d-%d", os.Getpid(), fixtureSeq.Add(1)))
	if err := os.Mkdir(f.root, 0o755); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { removeCgroup(tb, f.root) })
	addrs := []netip.Addr{outsideV4, outsideV6}
	for i := range pods {
		p := &testPod{
			name:   fmt.Sprintf("pod%d", i),
			v4:     netip.AddrFrom4([4]byte{198, 18, 0, byte(10 + i)}),
			v6:     netip.MustParseAddr(fmt.Sprintf("2001:2::%d", 10+i)),
			cgroup: filepath.Join(f.root, fmt.Sprintf("pod%d", i)),
		}
		if err := os.Mkdir(p.cgroup, 0o755); err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { removeCgroup(tb, p.cgroup) })
		f.pods = append(f.pods, p)
		addrs = append(addrs, p.v4, p.v6)
	}
	f.ns = newTestNetns(tb, addrs)
	return f
}

func removeCgroup(tb testing.TB, dir string) {
	// A cgroup with no task left can be removed even while sockets made
	// in it live on.
	if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		tb.Errorf("remove cgroup: %v", err)
	}
}

// newTestNetns makes a network namespace with lo up and addrs on it. It
// lives as long as the returned file or any socket made in it.
func newTestNetns(tb testing.TB, addrs []netip.Addr) *os.File {
	nsc := make(chan *os.File, 1)
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		home, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer home.Close()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		ns, err := os.Open("/proc/thread-self/ns/net")
		if serr := unix.Setns(int(home.Fd()), unix.CLONE_NEWNET); serr != nil {
			errc <- errors.Join(err, serr) // the thread stays locked and dies
			return
		}
		runtime.UnlockOSThread()
		if err != nil {
			errc <- err
			return
		}
		nsc <- ns
	}()
	var ns *os.File
	select {
	case err := <-errc:
		tb.Fatalf("create netns: %v", err)
	case ns = <-nsc:
	}
	tb.Cleanup(func() { ns.Close() })
	h, err := netlink.NewHandleAt(netns.NsHandle(ns.Fd()))
	if err != nil {
		tb.Fatal(err)
	}
	defer h.Close()
	lo, err := h.LinkByName("lo")
	if err != nil {
		tb.Fatal(err)
	}
	for _, a := range addrs {
		bits := a.BitLen()
		addr := &netlink.Addr{IPNet: &net.IPNet{IP: a.AsSlice(), Mask: net.CIDRMask(bits, bits)}, Flags: unix.IFA_F_NODAD}
		if err := h.AddrAdd(lo, addr); err != nil {
			tb.Fatalf("add %s: %v", a, err)
		}
	}
	if err := h.LinkSetUp(lo); err != nil {
		tb.Fatal(err)
	}
	return ns
}

func (f *fixture) netnsPath() string { return fdPath(f.ns) }

func fdPath(f *os.File) string { return fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), f.Fd()) }

// endpoints are the pods as the datapath sees them.
func (f *fixture) endpoints() []Endpoint {
	var eps []Endpoint
	for _, p := range f.pods {
		eps = append(eps, Endpoint{Name: p.name, IPv4: p.v4, IPv6: p.v6, Netns: f.netnsPath(), Cgroup: p.cgroup})
	}
	return eps
}

// up brings a datapath up on the fixture and takes it down at cleanup.
func (f *fixture) up(mutate func(*Options)) *Datapath {
	f.tb.Helper()
	opts := Options{
		Instance:  filepath.Base(f.root),
		Cgroups:   []string{f.root},
		Endpoints: f.endpoints(),
		Probe:     ProbeNoSplice,
	}
	if mutate != nil {
		mutate(&opts)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, err := Up(ctx, opts)
	if err != nil {
		f.tb.Fatalf("Up: %v", err)
	}
	f.tb.Cleanup(func() {
		if err := d.Down(); err != nil {
			f.tb.Errorf("Down: %v", err)
		}
	})
	return d
}

// in runs fn with sockets it creates belonging to pod p: on a thread in the
// fixture's netns, with this process in p's cgroup (an outsider stays put).
func (f *fixture) in(p *testPod, fn func() error) error {
	return netnsutil.Do(f.netnsPath(), func() error {
		if p.cgroup == "" {
			return fn()
		}
		return cgroupv2.RunIn(p.cgroup, fn)
	})
}

func outsider() *testPod { return &testPod{name: "outsider", v4: outsideV4, v6: outsideV6} }

// listen opens a TCP listener of pod p on network ("tcp4", "tcp6", or
// "tcp" for a dual-stack socket on [::]).
func (f *fixture) listen(p *testPod, network string) net.Listener {
	f.tb.Helper()
	addr := map[string]string{
		"tcp4": netip.AddrPortFrom(p.v4, 0).String(),
		"tcp6": netip.AddrPortFrom(p.v6, 0).String(),
		"tcp":  "[::]:0",
	}[network]
	var ln net.Listener
	err := f.in(p, func() (err error) {
		ln, err = net.Listen(network, addr)
		return err
	})
	if err != nil {
		f.tb.Fatalf("listen %s in %s: %v", addr, p.name, err)
	}
	f.tb.Cleanup(func() { ln.Close() })
	return ln
}

// dial connects from pod p to addr.
func (f *fixture) dial(p *testPod, network string, addr netip.AddrPort) (net.Conn, error) {
	local := p.v4
	if addr.Addr().Is6() && !addr.Addr().Is4In6() {
		local = p.v6
	}
	var c net.Conn
	err := f.in(p, func() (err error) {
		d := net.Dialer{LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(local, 0)), Timeout: 5 * time.Second}
		c, err = d.Dial(network, addr.String())
		return err
	})
	if err == nil {
		f.tb.Cleanup(func() { c.Close() })
	}
	return c, err
}

// pair returns a connected (client, server) from pod a to pod b.
func (f *fixture) pair(a, b *testPod, network string) (net.Conn, net.Conn) {
	f.tb.Helper()
	ln := f.listen(b, network)
	dst := netip.AddrPortFrom(b.v4, uint16(ln.Addr().(*net.TCPAddr).Port))
	if network == "tcp6" {
		dst = netip.AddrPortFrom(b.v6, dst.Port())
	}
	dialNet := network
	if network == "tcp" {
		dialNet = "tcp4" // dual-stack listener, IPv4 client
	}
	c, err := f.dial(a, dialNet, dst)
	if err != nil {
		f.tb.Fatalf("dial %s: %v", dst, err)
	}
	s, err := ln.Accept()
	if err != nil {
		f.tb.Fatalf("accept: %v", err)
	}
	f.tb.Cleanup(func() { s.Close() })
	return c, s
}

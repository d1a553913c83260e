package local

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/meshbench/meshbench/internal/netnsutil"
)

// listenIn opens a TCP listener inside pod's netns.
func listenIn(t *testing.T, pod Pod, addr netip.Addr) net.Listener {
	t.Helper()
	var ln net.Listener
	err := netnsutil.Do(pod.Netns, func() error {
		var err error
		ln, err = net.Listen("tcp", netip.AddrPortFrom(addr, 0).String())
		return err
	})
	if err != nil {
		t.Fatalf("listen in %s on %s: %v", pod.Name, addr, err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// dialFrom connects to dst from inside pod's netns.
func dialFrom(pod Pod, dst netip.AddrPort) (net.Conn, error) {
	var conn net.Conn
	err := netnsutil.Do(pod.Netns, func() error {
		var err error
		conn, err = net.DialTimeout("tcp", dst.String(), 3*time.Second)
		return err
	})
	return conn, err
}

// exchange sends payload bytes from pod "from" to pod "to" over TCP (IPv4 or
// IPv6) and checks they all arrive, from the sender's own address (no NAT).
func exchange(t *testing.T, from, to Pod, v6 bool, payload int) {
	t.Helper()
	src, dst := from.IPv4, to.IPv4
	if v6 {
		src, dst = from.IPv6, to.IPv6
	}
	ln := listenIn(t, to, dst)
	type result struct {
		n    int64
		peer string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			done <- result{err: err}
			return
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		n, err := io.Copy(io.Discard, conn)
		if err == nil {
			_, err = fmt.Fprintf(conn, "%d", n)
		}
		done <- result{n: n, peer: conn.RemoteAddr().(*net.TCPAddr).AddrPort().Addr().String(), err: err}
	}()
	conn, err := dialFrom(from, ln.Addr().(*net.TCPAddr).AddrPort())
	if err != nil {
		t.Fatalf("%s -> %s (%s): dial: %v", from.Name, to.Name, dst, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write(bytes.Repeat([]byte("x"), payload)); err != nil {
		t.Fatalf("%s -> %s: write: %v", from.Name, to.Name, err)
	}
	_ = conn.(*net.TCPConn).CloseWrite()
	reply, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("%s -> %s: read reply: %v", from.Name, to.Name, err)
	}
	r := <-done
	if r.err != nil || r.n != int64(payload) || string(reply) != fmt.Sprint(payload) {
		t.Fatalf("%s -> %s (%s): server got %d bytes (%v), reply %q; want %d", from.Name, to.Name, dst, r.n, r.err, reply, payload)
	}
	if r.peer != src.String() {
		t.Fatalf("%s -> %s: server saw peer %s, want %s", from.Name, to.Name, r.peer, src)
	}
}

// withHandle opens a netlink handle in the named netns.
func withHandle(t *testing.T, name string) *netlink.Handle {
	t.Helper()
	ns, err := netns.GetFromName(name)
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

// routeVia returns the output interface and gateway the kernel picks in h's
// namespace for dst.
func routeVia(t *testing.T, h *netlink.Handle, dst netip.Addr) (string, string) {
	t.Helper()
	routes, err := h.RouteGet(dst.AsSlice())
	if err != nil || len(routes) == 0 {
		t.Fatalf("route get %s: %v", dst, err)
	}
	link, err := h.LinkByIndex(routes[0].LinkIndex)
	if err != nil {
		t.Fatal(err)
	}
	gw := ""
	if routes[0].Gw != nil {
		gw = routes[0].Gw.String()
	}
	return link.Attrs().Name, gw
}

func txBytes(t *testing.T, h *netlink.Handle, link string) uint64 {
	t.Helper()
	l, err := h.LinkByName(link)
	if err != nil {
		t.Fatal(err)
	}
	return l.Attrs().Statistics.TxBytes
}

func readSysctlIn(t *testing.T, netnsPath, key string) string {
	t.Helper()
	var v []byte
	read := func() error {
		var err error
		v, err = os.ReadFile(filepath.Join("/proc/sys", key))
		return err
	}
	var err error
	if netnsPath == "" {
		err = read()
	} else {
		err = netnsutil.Do(netnsPath, read)
	}
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return strings.TrimSpace(string(v))
}

func TestTwoNodesConnectivity(t *testing.T) {
	hostForward := readSysctlIn(t, "", "net/ipv4/ip_forward")
	c := upCluster(t, 2, 2)
	pods := c.Pods()
	a, b, x := pods[0], pods[1], pods[2] // a and b on node 0, x on node 1
	if a.Node != b.Node || a.Node == x.Node {
		t.Fatalf("unexpected placement: %s %s %s", a.Node, b.Node, x.Node)
	}

	for _, v6 := range []bool{false, true} {
		fam := map[bool]string{false: "v4", true: "v6"}[v6]
		t.Run("same-node-"+fam, func(t *testing.T) { exchange(t, a, b, v6, 1000); exchange(t, b, a, v6, 1000) })
		t.Run("cross-node-"+fam, func(t *testing.T) { exchange(t, a, x, v6, 1000); exchange(t, x, b, v6, 1000) })
	}

	t.Run("paths", func(t *testing.T) {
		node0 := withHandle(t, a.Node)
		pa := withHandle(t, a.Name)
		// Same node: on-link through eth0, no gateway (the bridge switches it).
		if dev, gw := routeVia(t, pa, b.IPv4); dev != "eth0" || gw != "" {
			t.Errorf("pod route to same-node pod: dev %s gw %q, want eth0 on-link", dev, gw)
		}
		// Cross node: via the bridge address, then the node routes it over the wire.
		for _, dst := range []netip.Addr{x.IPv4, x.IPv6} {
			if dev, gw := routeVia(t, pa, dst); dev != "eth0" || (gw != "198.18.0.1" && gw != "2001:2::1") {
				t.Errorf("pod route to %s: dev %s gw %q, want eth0 via bridge", dst, dev, gw)
			}
			if dev, _ := routeVia(t, node0, dst); dev != "mb-w1" {
				t.Errorf("node route to %s: dev %s, want mb-w1", dst, dev)
			}
		}
		// Traffic counters agree: 1 MB across nodes crosses the wire, 1 MB
		// within a node does not.
		const payload = 1 << 20
		w0 := txBytes(t, node0, "mb-w1")
		exchange(t, a, b, false, payload)
		w1 := txBytes(t, node0, "mb-w1")
		exchange(t, a, x, false, payload)
		w2 := txBytes(t, node0, "mb-w1")
		if w1-w0 > payload/10 {
			t.Errorf("same-node transfer put %d bytes on the wire", w1-w0)
		}
		if w2-w1 < payload {
			t.Errorf("cross-node transfer put only %d bytes on the wire, want >= %d", w2-w1, payload)
		}
	})

	t.Run("sysctls stay in the nodes", func(t *testing.T) {
		node0 := filepath.Join(netnsDir, a.Node)
		if v := readSysctlIn(t, node0, "net/ipv4/ip_forward"); v != "1" {
			t.Errorf("node ip_forward = %s", v)
		}
		if v := readSysctlIn(t, node0, "net/ipv6/conf/all/forwarding"); v != "1" {
			t.Errorf("node ipv6 forwarding = %s", v)
		}
		if _, err := os.Stat("/proc/sys/net/bridge/bridge-nf-call-iptables"); err == nil {
			if v := readSysctlIn(t, node0, "net/bridge/bridge-nf-call-iptables"); v != "0" {
				t.Errorf("node bridge-nf-call-iptables = %s", v)
			}
		}
		if v := readSysctlIn(t, "", "net/ipv4/ip_forward"); v != hostForward {
			t.Errorf("host ip_forward changed from %s to %s", hostForward, v)
		}
		if _, err := netlink.LinkByName(bridgeName); err == nil {
			t.Errorf("%s exists in the host namespace", bridgeName)
		}
	})

	t.Run("state", func(t *testing.T) {
		l, err := Load(c.Name())
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(l.Pods()) != fmt.Sprint(c.Pods()) || fmt.Sprint(l.Nodes()) != fmt.Sprint(c.Nodes()) {
			t.Fatalf("Load = %v, want %v", l.Pods(), c.Pods())
		}
		fc, fp, err := FindPod(x.Name)
		if err != nil || fc.Name() != c.Name() || fp != x {
			t.Fatalf("FindPod(%s) = %v, %+v, %v", x.Name, fc, fp, err)
		}
	})
}

// TestFullMesh checks every pair of pods of a three-node cluster.
func TestFullMesh(t *testing.T) {
	c := upCluster(t, 3, 1)
	for _, from := range c.Pods() {
		for _, to := range c.Pods() {
			if from.Name != to.Name {
				exchange(t, from, to, false, 100)
				exchange(t, from, to, true, 100)
			}
		}
	}
}

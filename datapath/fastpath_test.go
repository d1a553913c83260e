package datapath

import (
	"context"
	"fmt"
	"github.com/meshbench/meshbench/internal/cgroupv2"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf/link"
	"github.com/meshbench/meshbench/internal/netnsutil"
	"github.com/meshbench/meshbench/internal/substrate/local"
)

// substrateMesh brings up a local cluster (2 nodes x 2 pods) and the
// datapath on it, both removed at cleanup.
func substrateMesh(t *testing.T, mutate func(*Options)) (*local.Cluster, *Datapath, map[string]local.Pod) {
	requireDatapath(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := local.Up(ctx, local.Config{Name: fmt.Sprintf("dpt%d", os.Getpid()%100000), Nodes: 2, PodsPerNode: 2})
	if err != nil {
		t.Fatalf("substrate: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Down(); err != nil {
			t.Errorf("substrate down: %v", err)
		}
	})
	pods := map[string]local.Pod{}
	var eps []Endpoint
	for i, p := range c.Pods() {
		pods[fmt.Sprintf("n%dp%d", i/2, i%2)] = p
		eps = append(eps, Endpoint{Name: p.Name, IPv4: p.IPv4, IPv6: p.IPv6, Netns: p.Netns, Cgroup: p.Cgroup, Node: p.Node})
	}
	var nodes []Node
	for _, n := range c.Nodes() {
		nodes = append(nodes, Node{Name: n, Netns: filepath.Join("/run/netns", n)})
	}
	nodeCg, err := c.NodeCgroup(c.Nodes()[0])
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{
		Instance:  "dptest-" + c.Name(),
		Cgroups:   []string{filepath.Dir(nodeCg)},
		Endpoints: eps,
		Nodes:     nodes,
		Probe:     ProbeNoSplice,
	}
	if mutate != nil {
		mutate(&opts)
	}
	d, err := Up(ctx, opts)
	if err != nil {
		t.Fatalf("Up: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Down(); err != nil {
			t.Errorf("Down: %v", err)
		}
	})
	return c, d, pods
}

// podPair connects pod a to pod b over network, sockets created in the pods.
func podPair(t *testing.T, a, b local.Pod, network string) (net.Conn, net.Conn) {
	t.Helper()
	dst, src := b.IPv4, a.IPv4
	if network == "tcp6" {
		dst, src = b.IPv6, a.IPv6
	}
	var ln net.Listener
	err := netnsutil.Do(b.Netns, func() error {
		return cgroupv2.RunIn(b.Cgroup, func() (err error) {
			ln, err = net.Listen(network, netip.AddrPortFrom(dst, 0).String())
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var c net.Conn
	err = netnsutil.Do(a.Netns, func() error {
		return cgroupv2.RunIn(a.Cgroup, func() (err error) {
			d := net.Dialer{LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(src, 0)), Timeout: 5 * time.Second}
			c, err = d.Dial(network, ln.Addr().String())
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	return c, s
}

func TestSubstrateSameNodeAndCrossNode(t *testing.T) {
	_, d, pods := substrateMesh(t, nil)
	st, err := d.Status()
	if err != nil {
		t.Fatal(err)
	}
	var other []string // warnings besides the risks no-splice accepts
	for _, w := range st.Warnings {
		if !strings.Contains(w, "accepted by probe mode no-splice") {
			other = append(other, w)
		}
	}
	if st.FastPath == nil || len(other) > 0 {
		t.Fatalf("fast path not attached everywhere: %+v", st.Warnings)
	}
	for _, network := range []string{"tcp4", "tcp6"} {
		t.Run(network+"/same node short-circuits", func(t *testing.T) {
			a := pods["n0p0"]
			before := podStatus(t, d, a.Name)
			c, s := podPair(t, a, pods["n0p1"], network)
			send(t, c, s, 4<<20, 256<<10)
			send(t, s, c, 4<<20, 256<<10)
			if got := podStatus(t, d, a.Name).BytesRedirected - before.BytesRedirected; got != 4<<20 {
				t.Errorf("redirected %d bytes, want %d", got, 4<<20)
			}
		})
		t.Run(network+"/cross node takes the fast path", func(t *testing.T) {
			a := pods["n0p0"]
			before := podStatus(t, d, a.Name)
			tcBefore := *mustStatus(t, d).FastPath
			c, s := podPair(t, a, pods["n1p1"], network)
			send(t, c, s, 4<<20, 256<<10)
			send(t, s, c, 4<<20, 256<<10)
			after := podStatus(t, d, a.Name)
			if after.MsgsRedirected != before.MsgsRedirected || after.ConnsPaired != before.ConnsPaired {
				t.Errorf("pods on different nodes were short-circuited")
			}
			tc := *mustStatus(t, d).FastPath
			if tc.Neigh-tcBefore.Neigh < 100 || tc.Peer-tcBefore.Peer < 100 {
				t.Errorf("fast path counters %+v -> %+v: want packets sent onto the wire and into pods", tcBefore, tc)
			}
		})
	}
}

// TestSubstrateDownDetachesFastPath: Down removes the TCX links too, and the
// connection that ran over the fast path keeps working on the normal path.
// Only this instance's links are checked: other tests (the conformance
// suite) may run datapaths of their own at the same time.
func TestSubstrateDownDetachesFastPath(t *testing.T) {
	_, d, pods := substrateMesh(t, nil)
	c, s := podPair(t, pods["n0p0"], pods["n1p0"], "tcp4")
	send(t, c, s, 1<<20, 64<<10)
	var ours []link.ID
	for _, a := range d.links {
		if info, err := a.link.Info(); err == nil && info.Type == link.TCXType {
			ours = append(ours, info.ID)
		}
	}
	if len(ours) == 0 {
		t.Fatal("no TCX link attached: the test proves nothing")
	}
	if err := Down(d.Instance()); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	send(t, c, s, 1<<20, 64<<10)
	send(t, s, c, 1<<20, 64<<10)
	for _, id := range ours {
		if l, err := link.NewFromID(id); err == nil {
			l.Close()
			t.Errorf("TCX link %d still attached after Down", id)
		}
	}
}

func mustStatus(t *testing.T, d *Datapath) *Status {
	t.Helper()
	st, err := d.Status()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestSubstrateCrossNodeOption(t *testing.T) {
	_, d, pods := substrateMesh(t, func(o *Options) { o.CrossNode = true; o.NoFastPath = true })
	if mustStatus(t, d).FastPath != nil {
		t.Error("fast path attached despite NoFastPath")
	}
	a := pods["n0p0"]
	c, s := podPair(t, a, pods["n1p0"], "tcp4")
	send(t, c, s, 1<<20, 64<<10)
	if got := podStatus(t, d, a.Name).BytesRedirected; got != 1<<20 {
		t.Errorf("with CrossNode, redirected %d bytes across nodes, want %d", got, 1<<20)
	}
}

// TestSubstrateSwitchGatesFastPath: the tc programs obey the datapath's
// switch (mb_cfg.enabled), the one Up turns on after the last attach and
// Down turns off before the first detach. Switched off, a node's pod and
// wire hooks both leave every packet to the normal path, so no node ever
// carries one direction of a connection past its conntrack and the other
// through it (which Kubernetes' INVALID drop turns into a hang).
func TestSubstrateSwitchGatesFastPath(t *testing.T) {
	_, d, pods := substrateMesh(t, nil)
	moved := func(on uint32) TCCounters {
		t.Helper()
		setEnabled(t, d, on)
		before := *mustStatus(t, d).FastPath
		c, s := podPair(t, pods["n0p0"], pods["n1p1"], "tcp4")
		send(t, c, s, 1<<20, 64<<10)
		send(t, s, c, 1<<20, 64<<10)
		after := *mustStatus(t, d).FastPath
		return TCCounters{Peer: after.Peer - before.Peer, Neigh: after.Neigh - before.Neigh, Pass: after.Pass - before.Pass}
	}
	// Off is not a decision, so not even counted as passed.
	if got := moved(0); got.Peer != 0 || got.Neigh != 0 || got.Pass != 0 {
		t.Errorf("switched off, the fast path still acted on packets: %+v", got)
	}
	if got := moved(1); got.Peer < 50 || got.Neigh < 50 {
		t.Errorf("switched back on, the fast path redirected too little: %+v", got)
	}
}

package datapath

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"
)

// setEnabled flips the datapath's switch (mb_cfg.enabled), as Up and Down do.
func setEnabled(tb testing.TB, d *Datapath, on uint32) {
	tb.Helper()
	if err := d.maps.updateConfig(func(c *meshMbConfig) { c.Enabled = on }); err != nil {
		tb.Fatal(err)
	}
}

// podStatus returns the counters of the named pod.
func podStatus(t testing.TB, d *Datapath, name string) Counters {
	t.Helper()
	st, err := d.Status()
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	for _, p := range st.Pods {
		if p.Name == name {
			return p.Counters
		}
	}
	t.Fatalf("no pod %q in status", name)
	return Counters{}
}

// send writes n pattern bytes from w while r reads them, in writes of at
// most chunk bytes, and fails t unless r got exactly those bytes.
func send(t testing.TB, w, r net.Conn, n, chunk int) {
	t.Helper()
	want := pattern(n, byte(n))
	errc := make(chan error, 1)
	go func() {
		for b := want; len(b) > 0; {
			k := min(len(b), chunk)
			if _, err := w.Write(b[:k]); err != nil {
				errc <- err
				return
			}
			b = b[k:]
		}
		errc <- nil
	}()
	got := make([]byte, n)
	r.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, rerr := io.ReadFull(r, got)
	if err := errors.Join(<-errc, rerr); err != nil {
		t.Fatalf("send %d bytes: %v", n, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("send %d bytes: received bytes differ", n)
	}
}

var sizes = []int{1, 100, 1500, 64 << 10, 1 << 20, 16 << 20}

// TestRedirectByteExact sends 1 B to 16 MiB both ways over IPv4, IPv6 and
// a dual-stack listener with an IPv4 client, and checks that the redirect
// counters of the sending pod grew by exactly what it sent.
func TestRedirectByteExact(t *testing.T) {
	requireDatapath(t)
	f := newFixture(t, 2)
	d := f.up(nil)
	a, b := f.pods[0], f.pods[1]
	for _, network := range []string{"tcp4", "tcp6", "tcp"} {
		t.Run(network, func(t *testing.T) {
			c, s := f.pair(a, b, network)
			for _, n := range sizes {
				for _, dir := range []struct {
					from      *testPod
					w, r      net.Conn
					direction string
				}{{a, c, s, "client-to-server"}, {b, s, c, "server-to-client"}} {
					before := podStatus(t, d, dir.from.name)
					send(t, dir.w, dir.r, n, 1<<20)
					after := podStatus(t, d, dir.from.name)
					if got := after.BytesRedirected - before.BytesRedirected; got != uint64(n) {
						t.Errorf("%s %d bytes: %d bytes redirected, want all %d (fallback %d)",
							dir.direction, n, got, n, after.BytesFallback-before.BytesFallback)
					}
				}
			}
			if c := podStatus(t, d, a.name); c.ConnsPaired == 0 {
				t.Errorf("pod %s: no connection paired", a.name)
			}
		})
	}
}

// TestNonMeshPeerFallsBack: a peer outside the mesh, or a mesh address
// served by a socket outside the pods' cgroups, gets the normal stack.
func TestNonMeshPeerFallsBack(t *testing.T) {
	requireDatapath(t)
	f := newFixture(t, 2)
	d := f.up(nil)
	a := f.pods[0]
	t.Run("outside address", func(t *testing.T) {
		ln := f.listen(outsider(), "tcp4")
		c, err := f.dial(a, "tcp4", addrPort(ln))
		if err != nil {
			t.Fatal(err)
		}
		s, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		before := podStatus(t, d, a.name)
		send(t, c, s, 1<<20, 64<<10)
		send(t, s, c, 1000, 1000)
		after := podStatus(t, d, a.name)
		if after.MsgsRedirected != before.MsgsRedirected || after.MsgsFallback != before.MsgsFallback {
			t.Errorf("a connection to a non-mesh address was touched: %+v -> %+v", before, after)
		}
	})
	t.Run("mesh address, socket outside the cgroups", func(t *testing.T) {
		impostor := &testPod{name: "impostor", v4: f.pods[1].v4, v6: f.pods[1].v6}
		ln := f.listen(impostor, "tcp4")
		c, err := f.dial(a, "tcp4", addrPort(ln))
		if err != nil {
			t.Fatal(err)
		}
		s, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		before := podStatus(t, d, a.name)
		send(t, c, s, 1<<20, 64<<10)
		send(t, s, c, 1000, 1000)
		after := podStatus(t, d, a.name)
		if after.MsgsRedirected != before.MsgsRedirected {
			t.Errorf("redirected towards a socket outside the mesh")
		}
		if after.MsgsFallback == before.MsgsFallback {
			t.Errorf("the client's sends were not counted as fallback")
		}
	})
}

func addrPort(ln net.Listener) netip.AddrPort {
	return ln.Addr().(*net.TCPAddr).AddrPort()
}

// TestHalfCloseFallsBack: after shutdown(SHUT_WR) the reader gets every byte
// then EOF, and the answer on the still-open direction takes the normal
// stack.
func TestHalfCloseFallsBack(t *testing.T) {
	requireDatapath(t)
	f := newFixture(t, 2)
	d := f.up(nil)
	a, b := f.pods[0], f.pods[1]
	c, s := f.pair(a, b, "tcp4")
	want := pattern(300<<10, 9)
	if _, err := c.Write(want); err != nil {
		t.Fatal(err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	s.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(s)
	if err != nil {
		t.Fatalf("read to EOF: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes before EOF, want %d, exact", len(got), len(want))
	}
	before := podStatus(t, d, b.name)
	send(t, s, c, 100<<10, 8<<10)
	after := podStatus(t, d, b.name)
	if after.MsgsRedirected != before.MsgsRedirected {
		t.Errorf("server redirected after half-close")
	}
	if after.BytesFallback-before.BytesFallback != 100<<10 {
		t.Errorf("fallback bytes %d, want %d", after.BytesFallback-before.BytesFallback, 100<<10)
	}
}

func TestProbe(t *testing.T) {
	requireDatapath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := Probe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Checks) != len(probeChecks) {
		t.Fatalf("ran %d checks, want %d: %v", len(res.Checks), len(probeChecks), res.Checks)
	}
	for _, c := range res.Checks {
		t.Logf("%s: %v", c.Name, c.Err)
		if (c.Name == CheckSplice && res.Guard == "") || c.Name == CheckFIONREADHalfClose || c.Name == CheckBlockingRead {
			// Without a guard the splice check reports the kernel's
			// own behaviour, and no guard touches FIONREAD or a
			// blocking read: Up must not hide any of them.
			if c.Err != nil && res.Err(ProbeRequired) == nil {
				t.Errorf("a failed %s check passes the required mode", c.Name)
			}
			continue
		}
		if c.Err != nil {
			t.Errorf("%s: %v", c.Name, c.Err)
		}
	}
	if err := res.Err(ProbeNoSplice); err != nil {
		t.Errorf("no-splice mode: %v", err)
	}
}

package datapath

import (
	"github.com/meshbench/meshbench/internal/cgroupv2"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/meshbench/meshbench/internal/netnsutil"
)

// TestOtherNetnsNeverPairs: sockets in a pod's cgroup but in another network
// namespace that reuses the pods' addresses stay out of the short-circuit,
// and their traffic flows on the normal stack.
func TestOtherNetnsNeverPairs(t *testing.T) {
	requireDatapath(t)
	f := newFixture(t, 2)
	d := f.up(nil)
	log := collectEvents(t, d)
	a, b := f.pods[0], f.pods[1]
	other := newTestNetns(t, []netip.Addr{a.v4, b.v4})
	var ln net.Listener
	var c net.Conn
	err := netnsutil.Do(fdPath(other), func() error {
		return cgroupv2.RunIn(b.cgroup, func() (err error) {
			if ln, err = net.Listen("tcp4", netip.AddrPortFrom(b.v4, 0).String()); err != nil {
				return err
			}
			d := net.Dialer{LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(a.v4, 0))}
			c, err = d.Dial("tcp4", ln.Addr().String())
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	defer c.Close()
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	send(t, c, s, 200<<10, 16<<10)
	send(t, s, c, 200<<10, 16<<10)
	st, err := d.Status()
	if err != nil {
		t.Fatal(err)
	}
	if st.Total.MsgsRedirected != 0 || st.Total.ConnsPaired != 0 {
		t.Errorf("sockets of another netns were short-circuited: %+v", st.Total)
	}
	if st.Total.PairRefused != 2 {
		t.Errorf("pair refused %d, want 2 (both sockets)", st.Total.PairRefused)
	}
	log.wait(t, "refused", func(ev Event) bool { return ev.Type == EventRefused && ev.LocalPod == b.name })
}

// TestBypass: a bypassed flow never joins the short-circuit, others do.
func TestBypass(t *testing.T) {
	requireDatapath(t)
	f := newFixture(t, 3)
	a, b, c := f.pods[0], f.pods[1], f.pods[2]
	ln := f.listen(b, "tcp4")
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	d := f.up(func(o *Options) {
		o.Policy.Rules = []Rule{{From: a.name, To: b.name, Port: port, Action: Bypass}}
	})
	for _, tc := range []struct {
		from     *testPod
		redirect bool
	}{{a, false}, {c, true}} {
		conn, err := f.dial(tc.from, "tcp4", netip.AddrPortFrom(b.v4, port))
		if err != nil {
			t.Fatal(err)
		}
		s, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		before := podStatus(t, d, tc.from.name)
		send(t, conn, s, 1<<20, 32<<10)
		after := podStatus(t, d, tc.from.name)
		if got := after.BytesRedirected > before.BytesRedirected; got != tc.redirect {
			t.Errorf("from %s: redirected %v, want %v", tc.from.name, got, tc.redirect)
		}
		if !tc.redirect && after.MsgsFallback != before.MsgsFallback {
			t.Errorf("from %s: a bypassed flow went through sk_msg", tc.from.name)
		}
		conn.Close()
		s.Close()
	}
}

func TestEventsAndStatus(t *testing.T) {
	requireDatapath(t)
	f := newFixture(t, 2)
	d := f.up(nil)
	log := collectEvents(t, d)
	a, b := f.pods[0], f.pods[1]
	c, s := f.pair(a, b, "tcp6")
	send(t, c, s, 12345, 12345)
	if flows, err := d.Flows(); err != nil || len(flows) != 2 {
		t.Errorf("flows %v, %v; want the 2 sockets", flows, err)
	}
	local := c.LocalAddr().(*net.TCPAddr).AddrPort()
	c.Close()
	s.Close()
	paired := log.wait(t, "paired", func(ev Event) bool { return ev.Type == EventPaired })
	if paired.LocalPod != b.name || paired.RemotePod != a.name || paired.Remote != local {
		t.Errorf("paired event %+v", paired)
	}
	closed := log.wait(t, "closed", func(ev Event) bool { return ev.Type == EventClosed && ev.Local == local })
	if closed.Bytes != 12345 || closed.Msgs != 1 || closed.LocalPod != a.name || closed.Cookie == 0 {
		t.Errorf("closed event %+v, want 12345 bytes in 1 send from %s", closed, a.name)
	}
	if time.Since(closed.Time) > time.Minute || time.Until(closed.Time) > time.Second {
		t.Errorf("event time %v is not now", closed.Time)
	}
	st, err := d.Status()
	if err != nil {
		t.Fatal(err)
	}
	if st.Total.ConnsClosed != 2 || st.Flows != 0 || st.MapBytes == 0 || st.MapMemory["mb_pairs"] == 0 || st.LoadTime <= 0 {
		t.Errorf("status %+v", st)
	}
	t.Logf("load %v, probe %v, maps %d bytes", st.LoadTime, st.ProbeTime, st.MapBytes)
	var sawSkMsg bool
	for _, p := range st.Programs {
		sawSkMsg = sawSkMsg || (p.Link == "link_sk_msg" && p.Program == "mb_sk_msg")
	}
	if !sawSkMsg {
		t.Errorf("programs %+v lack the sk_msg link", st.Programs)
	}
	var out strings.Builder
	if err := WritePrometheus(&out, st); err != nil {
		t.Fatal(err)
	}
	line := `meshbench_datapath_bytes_redirected_total{datapath="` + d.Instance() + `",pod="pod0"} 12345`
	if !strings.Contains(out.String(), line+"\n") {
		t.Errorf("metrics lack %q:\n%s", line, out.String())
	}
}

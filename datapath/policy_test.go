package datapath

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"testing"
	"time"
)

// eventLog collects the events of d until the test ends.
type eventLog struct {
	mu  sync.Mutex
	evs []Event
}

func collectEvents(t *testing.T, d *Datapath) *eventLog {
	l := &eventLog{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- d.ReadEvents(ctx, func(ev Event) error {
			l.mu.Lock()
			l.evs = append(l.evs, ev)
			l.mu.Unlock()
			return nil
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ReadEvents: %v", err)
		}
	})
	return l
}

// wait returns the first event matching ok, failing t after 5 seconds.
func (l *eventLog) wait(t *testing.T, what string, ok func(Event) bool) Event {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		l.mu.Lock()
		for _, ev := range l.evs {
			if ok(ev) {
				l.mu.Unlock()
				return ev
			}
		}
		l.mu.Unlock()
	}
	t.Fatalf("no %s event", what)
	return Event{}
}

func TestPolicy(t *testing.T) {
	requireDatapath(t)
	f := newFixture(t, 3)
	a, b, c := f.pods[0], f.pods[1], f.pods[2]
	ln := f.listen(b, "tcp")
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	go func() {
		for {
			s, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer s.Close(); buf := make([]byte, 1024); s.Read(buf); s.Write(buf[:10]) }()
		}
	}()
	d := f.up(func(o *Options) {
		o.Policy = Policy{Rules: []Rule{{From: a.name, To: b.name, Port: port, Action: Deny}}}
	})
	log := collectEvents(t, d)

	t.Run("denied connect is refused", func(t *testing.T) {
		for _, dst := range []netip.Addr{b.v4, b.v6} {
			start := time.Now()
			_, err := f.dial(a, "tcp", netip.AddrPortFrom(dst, port))
			if !errors.Is(err, syscall.ECONNREFUSED) {
				t.Errorf("connect to %s: %v, want ECONNREFUSED", dst, err)
			}
			if time.Since(start) > time.Second {
				t.Errorf("refusal took %v", time.Since(start))
			}
		}
		if got := podStatus(t, d, a.name).PolicyDenied; got != 2 {
			t.Errorf("policy denied counter %d, want 2", got)
		}
		ev := log.wait(t, "denied", func(ev Event) bool { return ev.Type == EventDenied })
		if ev.LocalPod != a.name || ev.RemotePod != b.name || ev.Remote.Port() != port {
			t.Errorf("denied event %+v", ev)
		}
	})
	t.Run("other pod is allowed", func(t *testing.T) {
		conn, err := f.dial(c, "tcp4", netip.AddrPortFrom(b.v4, port))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write([]byte("hello")); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 10)
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := conn.Read(buf); err != nil {
			t.Fatal(err)
		}
		log.wait(t, "paired", func(ev Event) bool { return ev.Type == EventPaired && ev.RemotePod == c.name })
	})
	t.Run("a new deny fails sends on an open connection", func(t *testing.T) {
		cl, sv := f.pair(c, a, "tcp4")
		send(t, cl, sv, 1000, 1000)
		err := d.SetPolicy(Policy{Rules: []Rule{{From: c.name, To: a.name, Action: Deny}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cl.Write([]byte("x")); !errors.Is(err, syscall.EACCES) {
			t.Errorf("send after deny: %v, want EACCES", err)
		}
		// The earlier rule is gone: a may connect to b again.
		conn, err := f.dial(a, "tcp4", netip.AddrPortFrom(b.v4, port))
		if err != nil {
			t.Fatalf("connect after the rule was removed: %v", err)
		}
		conn.Close()
	})
	t.Run("default deny", func(t *testing.T) {
		err := d.SetPolicy(Policy{DefaultDeny: true, Rules: []Rule{{From: a.name, To: b.name, Port: port, Action: Allow}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.dial(c, "tcp4", netip.AddrPortFrom(b.v4, port)); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("unlisted flow: %v, want ECONNREFUSED", err)
		}
		conn, err := f.dial(a, "tcp4", netip.AddrPortFrom(b.v4, port))
		if err != nil {
			t.Fatalf("allowed flow: %v", err)
		}
		conn.Close()
	})
	t.Run("bad policy", func(t *testing.T) {
		err := d.SetPolicy(Policy{Rules: []Rule{{From: "nobody", To: b.name, Action: Deny}}})
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("unknown pod: %v, want ErrInvalid", err)
		}
	})
}

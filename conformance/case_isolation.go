package conformance

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/meshbench/meshbench/internal/substrate/local"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

const isolationBytes = 256 << 10

func runIsolation(e *Env) error {
	if err := samePorts(e); err != nil {
		return err
	}
	return sameTuple(e)
}

// samePorts: two server pods listen on the same port, two client pods
// connect to both from the same local port. Each connection announces
// (client, server); the server checks it is the one meant and echoes a
// stream only that connection has, which the client checks.
func samePorts(e *Env) error {
	servers := []local.Pod{e.server(), e.third()}
	clients := []local.Pod{e.client(), e.neighbor()}
	var lns []*net.TCPListener
	for _, p := range servers {
		ln, err := e.listenOn(p, e.port, sockOpts{reuseAddr: true})
		if err != nil {
			return err
		}
		lns = append(lns, ln)
	}
	var g group
	for j, ln := range lns {
		g.spawn(func() error {
			for range clients {
				s, err := e.accept(ln)
				if err != nil {
					return fmt.Errorf("server %s: %w", servers[j].Name, err)
				}
				g.spawn(func() error { return isolationServer(s, j, servers[j]) })
			}
			return nil
		})
	}
	e.setStep("exchanging between %d clients and %d servers on one port", len(clients), len(servers))
	for i, cp := range clients {
		for j, sp := range servers {
			c, err := e.dialFromPort(cp, e.port+1, netip.AddrPortFrom(e.ip(sp), e.port), sockOpts{reuseAddr: true})
			if err != nil {
				return errors.Join(err, closeWait(e, &g))
			}
			g.spawn(func() error {
				hdr := []byte{byte(i), byte(j)}
				if err := writeOnce(c, append(hdr, stream(500+10*i+j, isolationBytes)...)); err != nil {
					return fmt.Errorf("client %s to %s: %w", cp.Name, sp.Name, err)
				}
				if err := readExpect(c, stream(600+10*i+j, isolationBytes)); err != nil {
					return fmt.Errorf("client %s got from %s: %w", cp.Name, sp.Name, err)
				}
				return nil
			})
		}
	}
	return g.wait()
}

func closeWait(e *Env, g *group) error { e.closeAll(); return g.wait() }

func isolationServer(s *net.TCPConn, j int, self local.Pod) error {
	hdr := make([]byte, 2)
	if _, err := io.ReadFull(s, hdr); err != nil {
		return fmt.Errorf("server %s: header: %w", self.Name, err)
	}
	i := int(hdr[0])
	if int(hdr[1]) != j {
		return fmt.Errorf("server %s received a connection meant for server %d", self.Name, hdr[1])
	}
	if err := readExpect(s, stream(500+10*i+j, isolationBytes)); err != nil {
		return fmt.Errorf("server %s from client %d: %w", self.Name, i, err)
	}
	return writeOnce(s, stream(600+10*i+j, isolationBytes))
}

// sameTuple: pod Y borrows pod X's address; X and Y each connect
// X.ip:Q -> X.ip:P inside themselves, the same 4-tuple in two pods. Each
// must get only its own bytes; the datapath must keep Y's sockets out.
func sameTuple(e *Env) error {
	x, y := e.server(), e.third()
	addr := e.ip(x)
	undo, err := addLoopbackAddr(y, addr)
	if err != nil {
		return err
	}
	defer undo()
	var g group
	for k, p := range []local.Pod{x, y} {
		ln, err := e.listenAt(p, netip.AddrPortFrom(addr, e.port+2), sockOpts{reuseAddr: true})
		if err != nil {
			return err
		}
		c, err := dialFrom(e.ctx, p, netip.AddrPortFrom(addr, e.port+3), addrOf(ln), sockOpts{reuseAddr: true})
		if err != nil {
			return err
		}
		e.track(c, p)
		if err := c.SetDeadline(e.deadline); err != nil {
			return err
		}
		s, err := e.accept(ln)
		if err != nil {
			return err
		}
		e.setStep("exchanging on the same 4-tuple %s -> %s in %s and %s", c.LocalAddr(), c.RemoteAddr(), x.Name, y.Name)
		g.spawn(func() error {
			if err := exchange(c, s, stream(700+2*k, isolationBytes), stream(701+2*k, isolationBytes), writeOnce); err != nil {
				return fmt.Errorf("4-tuple %s -> %s in pod %s: %w", c.LocalAddr(), c.RemoteAddr(), p.Name, err)
			}
			return nil
		})
	}
	return g.wait()
}

// addLoopbackAddr puts addr on pod p's loopback and returns how to take
// it off again.
func addLoopbackAddr(p local.Pod, addr netip.Addr) (func(), error) {
	ns, err := netns.GetFromPath(p.Netns)
	if err != nil {
		return nil, fmt.Errorf("open netns of %s: %w", p.Name, err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return nil, fmt.Errorf("netlink in %s: %w", p.Name, err)
	}
	lo, err := h.LinkByName("lo")
	if err != nil {
		h.Close()
		return nil, fmt.Errorf("loopback of %s: %w", p.Name, err)
	}
	bits := addr.BitLen()
	a := &netlink.Addr{IPNet: &net.IPNet{IP: addr.AsSlice(), Mask: net.CIDRMask(bits, bits)}, Flags: unix.IFA_F_NODAD}
	if err := h.AddrAdd(lo, a); err != nil {
		h.Close()
		return nil, fmt.Errorf("add %s to the loopback of %s: %w", addr, p.Name, err)
	}
	undo := func() {
		_ = h.AddrDel(lo, a) // the pod dies with the cluster at the latest
		h.Close()
	}
	// The kernel installs the local route a moment later (IPv6 does it
	// from a work queue even without DAD).
	for start := time.Now(); ; time.Sleep(5 * time.Millisecond) {
		rs, err := h.RouteGet(addr.AsSlice())
		if err == nil && len(rs) > 0 && rs[0].Type == unix.RTN_LOCAL {
			return undo, nil
		}
		if time.Since(start) > 2*time.Second {
			undo()
			return nil, fmt.Errorf("%s on the loopback of %s: no local route after 2 s (%v)", addr, p.Name, err)
		}
	}
}

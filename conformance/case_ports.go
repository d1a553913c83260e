package conformance

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
)

func runDualStack(e *Env) error {
	ln, err := e.listenAt(e.server(), netip.AddrPortFrom(netip.IPv6Unspecified(), 0), sockOpts{})
	if err != nil {
		return err
	}
	c, err := e.dial(e.client(), netip.AddrPortFrom(e.ip(e.server()), addrOf(ln).Port()))
	if err != nil {
		return err
	}
	s, err := e.accept(ln)
	if err != nil {
		return err
	}
	e.setStep("exchanging through a dual-stack listener")
	return exchange(c, s, stream(100, 256<<10), stream(101, 256<<10), writeOnce)
}

// reuseRounds is how often port-reuse connects the same 4-tuple.
const reuseRounds = 20

func runPortReuse(e *Env) error {
	ln, err := e.listenOn(e.server(), e.port, sockOpts{reuseAddr: true})
	if err != nil {
		return err
	}
	for i := range reuseRounds {
		e.setStep("connecting the same 4-tuple, round %d", i+1)
		c, err := e.dialRetry(e.port+1, addrOf(ln))
		if err != nil {
			return fmt.Errorf("round %d: %w", i+1, err)
		}
		s, err := e.accept(ln)
		if err != nil {
			return fmt.Errorf("round %d: %w", i+1, err)
		}
		if err := exchange(c, s, stream(110+i, 4096), stream(140+i, 4096), writeOnce); err != nil {
			return fmt.Errorf("round %d: %w", i+1, err)
		}
		// The server closes first, so its side of the 4-tuple sits in
		// TIME_WAIT when the next round connects it again.
		if err := s.Close(); err != nil {
			return err
		}
		if err := expectEOF(c); err != nil {
			return fmt.Errorf("round %d: %w", i+1, err)
		}
		if err := c.Close(); err != nil {
			return err
		}
	}
	return e.checkNoLeak()
}

// dialRetry connects from the client's fixed port to dst; while the
// previous connection's client socket finishes closing, the kernel may
// refuse the 4-tuple for a moment (EADDRNOTAVAIL), as without a mesh.
func (e *Env) dialRetry(port uint16, dst netip.AddrPort) (*net.TCPConn, error) {
	for try := 0; ; try++ {
		c, err := e.dialFromPort(e.client(), port, dst, sockOpts{reuseAddr: true})
		busy := errors.Is(err, syscall.EADDRNOTAVAIL) || errors.Is(err, syscall.EADDRINUSE)
		if !busy || try == 50 {
			e.record("reconnect_retries", int64(try))
			return c, err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkNoLeak waits for the datapath's flow map to empty (closing sockets
// leave it on their last state change) and fails when it does not.
func (e *Env) checkNoLeak() error {
	m, ok := e.mesh.(flowMesh)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(e.ctx, 3*time.Second)
	defer cancel()
	n, err := m.waitFlows(ctx, 0)
	if err != nil {
		return err
	}
	e.record("flows_left", int64(n))
	if n != 0 {
		return fmt.Errorf("%d sockets still in the datapath's flow map 3 s after every connection closed (leaked entries)", n)
	}
	return nil
}

// churnConns is how many connections churn opens, one after another.
const churnConns = 200

func runChurn(e *Env) error {
	ln, err := e.listenOn(e.server(), 0, sockOpts{})
	if err != nil {
		return err
	}
	var servers group
	servers.spawn(func() error {
		for i := range churnConns {
			s, err := e.accept(ln)
			if err != nil {
				return fmt.Errorf("connection %d: %w", i, err)
			}
			servers.spawn(func() error {
				if err := readExpect(s, stream(200+i%50, 64)); err != nil {
					return fmt.Errorf("server, connection %d: %w", i, err)
				}
				if err := writeOnce(s, stream(300+i%50, 64)); err != nil {
					return fmt.Errorf("server, connection %d: %w", i, err)
				}
				return errors.Join(expectEOF(s), s.Close())
			})
		}
		return nil
	})
	for i := range churnConns {
		e.setStep("connection %d of %d", i+1, churnConns)
		c, err := e.dial(e.client(), addrOf(ln))
		if err != nil {
			return fmt.Errorf("connection %d: %w", i, err)
		}
		if err := writeOnce(c, stream(200+i%50, 64)); err != nil {
			return fmt.Errorf("connection %d: %w", i, err)
		}
		if err := readExpect(c, stream(300+i%50, 64)); err != nil {
			return fmt.Errorf("connection %d: %w", i, err)
		}
		if err := c.Close(); err != nil {
			return err
		}
	}
	if err := servers.wait(); err != nil {
		return err
	}
	return e.checkNoLeak()
}

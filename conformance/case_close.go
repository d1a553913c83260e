package conformance

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
	"time"
)

// runHalfClose: the client sends A and shuts down its write side; the
// server reads A and EOF while it keeps sending B, half of it after the
// EOF; the client gets all of B, then EOF.
func runHalfClose(e *Env) error {
	c, s, err := e.pair(e.client(), e.server())
	if err != nil {
		return err
	}
	a, b := stream(30, 256<<10), stream(31, 1<<20)
	sawEOF := make(chan struct{})
	var g group
	g.spawn(func() error {
		if err := writeOnce(c, a); err != nil {
			return fmt.Errorf("client write: %w", err)
		}
		if err := c.CloseWrite(); err != nil {
			return fmt.Errorf("client shutdown(SHUT_WR): %w", err)
		}
		return nil
	})
	g.spawn(func() error {
		defer close(sawEOF)
		if err := readExpect(s, a); err != nil {
			return fmt.Errorf("server, before the client's FIN: %w", err)
		}
		if err := expectEOF(s); err != nil {
			return fmt.Errorf("server, at the client's FIN: %w", err)
		}
		return nil
	})
	g.spawn(func() error {
		if err := writeOnce(s, b[:len(b)/2]); err != nil {
			return fmt.Errorf("server write before EOF: %w", err)
		}
		<-sawEOF
		if err := writeOnce(s, b[len(b)/2:]); err != nil {
			return fmt.Errorf("server write after the client's shutdown: %w", err)
		}
		return s.CloseWrite()
	})
	g.spawn(func() error {
		if err := readExpect(c, b); err != nil {
			return fmt.Errorf("client, after its own shutdown: %w", err)
		}
		return expectEOF(c)
	})
	e.setStep("half-closed exchange")
	return g.wait()
}

// runReset: each side in turn aborts with SO_LINGER 0; the other side,
// blocked in read, must get an error, not a clean EOF. Both directions
// always run: an abort turned into a graceful close is a signalling
// failure, and the other direction may still be right.
func runReset(e *Env) error {
	var softened []string
	for _, dir := range []struct{ name, peer string }{{"server", "client"}, {"client", "server"}} {
		c, s, err := e.pair(e.client(), e.server())
		if err != nil {
			return err
		}
		aborter, peer := s, c
		if dir.name == "client" {
			aborter, peer = c, s
		}
		// Some data first, so the connection is really in use.
		if err := exchange(c, s, stream(40, 1000), stream(41, 1000), writeOnce); err != nil {
			return err
		}
		e.setStep("waiting for the %s to see the %s's reset", dir.peer, dir.name)
		got := make(chan error, 1)
		go func() {
			_, err := peer.Read(make([]byte, 64))
			got <- err
		}()
		time.Sleep(20 * time.Millisecond) // let the peer block in read
		if err := aborter.SetLinger(0); err != nil {
			return fmt.Errorf("SO_LINGER 0: %w", err)
		}
		if err := aborter.Close(); err != nil {
			return fmt.Errorf("abortive close: %w", err)
		}
		err = <-got
		switch {
		case errors.Is(err, syscall.ECONNRESET):
		case err == nil:
			return fmt.Errorf("%s aborted (RST), %s read data instead of an error", dir.name, dir.peer)
		case errors.Is(err, io.EOF):
			softened = append(softened, fmt.Sprintf("%s aborted (RST), %s saw a clean EOF instead of ECONNRESET", dir.name, dir.peer))
		default:
			return fmt.Errorf("%s aborted (RST), %s read: %w (want ECONNRESET)", dir.name, dir.peer, err)
		}
	}
	if len(softened) > 0 {
		return signalling("%s: the abort became a graceful close (every byte sent before it arrived)", strings.Join(softened, "; "))
	}
	return nil
}

// runGracefulClose: the server writes and closes at once; the client only
// starts reading afterwards and must get everything, then EOF.
func runGracefulClose(e *Env) error {
	for i, n := range []int{64 << 10, 4 << 20} {
		c, s, err := e.pair(e.client(), e.server())
		if err != nil {
			return err
		}
		data := stream(50+i, n)
		written := make(chan error, 1)
		go func() {
			err := writeOnce(s, data)
			written <- errors.Join(err, s.Close())
		}()
		if n <= 64<<10 {
			// Fits in the socket buffers: closed while all of it is
			// still in flight.
			if err := <-written; err != nil {
				return fmt.Errorf("server write and close: %w", err)
			}
		}
		time.Sleep(50 * time.Millisecond)
		e.setStep("reading %d bytes written before close", n)
		if err := readExpect(c, data); err != nil {
			return fmt.Errorf("%d B written then closed: %w", n, err)
		}
		if err := expectEOF(c); err != nil {
			return fmt.Errorf("%d B written then closed: %w", n, err)
		}
		if n > 64<<10 {
			if err := <-written; err != nil {
				return fmt.Errorf("server write and close: %w", err)
			}
		}
	}
	return nil
}

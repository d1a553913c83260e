package conformance

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
)

// echoPlain echoes with read(2) and write(2) only (io.Copy would splice)
// until EOF, then half-closes.
func echoPlain(s *net.TCPConn) error {
	buf := make([]byte, 64<<10)
	for {
		n, err := s.Read(buf)
		if n > 0 {
			if _, werr := s.Write(buf[:n]); werr != nil {
				return fmt.Errorf("echo: %w", werr)
			}
		}
		if errors.Is(err, io.EOF) {
			return s.CloseWrite()
		}
		if err != nil {
			return fmt.Errorf("echo: %w", err)
		}
	}
}

// runSpliceRelay: client -> relay -> echo server and back, the relay
// copying with io.Copy between *net.TCPConn, which splices. Across nodes
// every hop crosses nodes (client n0, relay n1, server n0).
func runSpliceRelay(e *Env) error {
	relay, server := e.third(), e.pod(false, 1)
	srvLn, err := e.listenOn(server, 0, sockOpts{})
	if err != nil {
		return err
	}
	relayLn, err := e.listenOn(relay, 0, sockOpts{})
	if err != nil {
		return err
	}
	var g group
	g.spawn(func() error {
		s, err := e.accept(srvLn)
		if err != nil {
			return err
		}
		return echoPlain(s)
	})
	g.spawn(func() error {
		in, err := e.accept(relayLn)
		if err != nil {
			return err
		}
		out, err := e.dial(relay, addrOf(srvLn))
		if err != nil {
			return err
		}
		var copies group
		copies.spawn(func() error { return relayCopy(out, in, "client to server") })
		copies.spawn(func() error { return relayCopy(in, out, "server to client") })
		return copies.wait()
	})
	c, err := e.dial(e.client(), addrOf(relayLn))
	if err != nil {
		return err
	}
	// Request and answer on an open connection, as a proxied protocol
	// does; the end of the stream only afterwards.
	data := stream(85, 1<<20)
	g.spawn(func() error { return writeOnce(c, data) })
	e.setStep("relaying 1 MiB through io.Copy (splice) and back")
	err = readExpect(c, data)
	if err == nil {
		err = c.CloseWrite()
	}
	if err == nil {
		err = expectEOF(c)
	}
	if err != nil {
		c.Close() // unblock the relay, then report
		return errors.Join(fmt.Errorf("client, echo through the relay: %w", err), g.wait())
	}
	return g.wait()
}

func relayCopy(dst, src *net.TCPConn, what string) error {
	if _, err := io.Copy(dst, src); err != nil {
		return fmt.Errorf("relay %s (io.Copy): %w", what, err)
	}
	return dst.CloseWrite()
}

// tempFile is a file of data in the temporary directory, removed with the
// run.
func (e *Env) tempFile(data []byte) (*os.File, error) {
	f, err := os.CreateTemp("", "meshbench-conformance-*")
	if err != nil {
		return nil, fmt.Errorf("temporary file: %w", err)
	}
	e.track(closeRemove{f})
	if data != nil {
		if _, err := f.Write(data); err != nil {
			return nil, fmt.Errorf("write %s: %w", f.Name(), err)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
	}
	return f, nil
}

type closeRemove struct{ f *os.File }

func (c closeRemove) Close() error {
	return errors.Join(c.f.Close(), os.Remove(c.f.Name()))
}

// runSendfile: the server sends a file with io.Copy(conn, file), which
// uses sendfile(2).
func runSendfile(e *Env) error {
	data := stream(90, 2<<20+3)
	f, err := e.tempFile(data)
	if err != nil {
		return err
	}
	c, s, err := e.pair(e.client(), e.server())
	if err != nil {
		return err
	}
	sent := make(chan error, 1)
	go func() {
		_, err := io.Copy(s, f)
		sent <- errors.Join(err, s.Close())
	}()
	e.setStep("receiving a file sent with sendfile")
	if err := readExpect(c, data); err != nil {
		return err
	}
	return errors.Join(expectEOF(c), <-sent)
}

// runSpliceToFile: the client saves what the server sends with
// io.Copy(file, conn), which splices from the socket into the file.
func runSpliceToFile(e *Env) error {
	data := stream(91, 2<<20+5)
	f, err := e.tempFile(nil)
	if err != nil {
		return err
	}
	c, s, err := e.pair(e.client(), e.server())
	if err != nil {
		return err
	}
	go func() {
		if writeOnce(s, data) == nil {
			s.Close()
		}
	}()
	e.setStep("saving a download with io.Copy(file, conn) (splice)")
	n, err := io.Copy(f, c)
	if err != nil {
		return fmt.Errorf("io.Copy(file, conn) after %d of %d bytes: %w", n, len(data), err)
	}
	if n != int64(len(data)) {
		return fmt.Errorf("io.Copy(file, conn) reported success after %d of %d bytes: the download was silently truncated", n, len(data))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if err := readExpect(f, data); err != nil {
		return fmt.Errorf("saved file: %w", err)
	}
	return expectEOF(f)
}

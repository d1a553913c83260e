package conformance

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"

	"github.com/meshbench/meshbench/bench/workload"
)

// exchange sends up from c to s and down from s to c at the same time,
// with write, and checks both byte for byte.
func exchange(c, s *net.TCPConn, up, down []byte, write func(io.Writer, []byte) error) error {
	var g group
	g.spawn(func() error {
		if err := write(c, up); err != nil {
			return fmt.Errorf("client write: %w", err)
		}
		return nil
	})
	g.spawn(func() error {
		if err := write(s, down); err != nil {
			return fmt.Errorf("server write: %w", err)
		}
		return nil
	})
	g.spawn(func() error {
		if err := readExpect(s, up); err != nil {
			return fmt.Errorf("client to server, %d B: %w", len(up), err)
		}
		return nil
	})
	g.spawn(func() error {
		if err := readExpect(c, down); err != nil {
			return fmt.Errorf("server to client, %d B: %w", len(down), err)
		}
		return nil
	})
	return g.wait()
}

func writeOnce(w io.Writer, b []byte) error {
	_, err := w.Write(b)
	return err
}

func runLargeWrites(e *Env) error {
	for i, n := range []int{1, 1500, 65537, 1<<20 + 7, maxStream} {
		c, s, err := e.pair(e.client(), e.server())
		if err != nil {
			return err
		}
		e.setStep("exchanging %d bytes each way in single writes", n)
		if err := exchange(c, s, stream(2*i, n), stream(2*i+1, n), writeOnce); err != nil {
			return err
		}
		e.record("bytes", int64(2*n))
		c.Close()
		s.Close()
	}
	return nil
}

func runSmallWrites(e *Env) error {
	c, s, err := e.pair(e.client(), e.server())
	if err != nil {
		return err
	}
	e.setStep("exchanging 1 MiB each way in small writes")
	return exchange(c, s, stream(20, 1<<20), stream(21, 1<<20), func(w io.Writer, b []byte) error {
		n, err := writeSmall(w, b)
		e.record("writes", int64(n))
		return err
	})
}

// Ordering: every frame carries its connection, its sequence number and a
// payload only that (connection, sequence) has.
const (
	orderConns = 16
	orderMsgs  = 200
)

func orderFrame(conn, seq int) []byte {
	p := stream(1000+conn*orderMsgs+seq, 1+(conn*131+seq*17)%4096)
	b := binary.BigEndian.AppendUint32(nil, uint32(conn))
	b = binary.BigEndian.AppendUint32(b, uint32(seq))
	return workload.AppendFrame(nil, append(b, p...))
}

func runOrdering(e *Env) error {
	var g group
	for conn := range orderConns {
		c, s, err := e.pair(e.client(), e.server())
		if err != nil {
			return err
		}
		g.spawn(func() error { return echoFrames(s) })
		g.spawn(func() error {
			for seq := range orderMsgs {
				if _, err := c.Write(orderFrame(conn, seq)); err != nil {
					return fmt.Errorf("connection %d: write frame %d: %w", conn, seq, err)
				}
			}
			return nil
		})
		g.spawn(func() error { return checkFrames(c, conn) })
	}
	e.setStep("echoing %d frames on each of %d connections", orderMsgs, orderConns)
	e.record("frames", 2*orderConns*orderMsgs)
	return g.wait()
}

// echoFrames answers every frame with itself until EOF.
func echoFrames(s *net.TCPConn) error {
	var buf []byte
	for {
		f, err := workload.ReadFrame(s, buf)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("server: %w", err)
		}
		if _, err := s.Write(f); err != nil {
			return fmt.Errorf("server: echo: %w", err)
		}
		buf = f
	}
}

// checkFrames reads the echoes of connection conn and wants them whole, in
// order and its own.
func checkFrames(c *net.TCPConn, conn int) error {
	defer c.Close() // the server's echo loop ends on EOF
	var buf []byte
	for seq := range orderMsgs {
		f, err := workload.ReadFrame(c, buf)
		if err != nil {
			return fmt.Errorf("connection %d: echo of frame %d: %w", conn, seq, err)
		}
		want := orderFrame(conn, seq)
		if string(f) != string(want) {
			gotConn, gotSeq := -1, -1
			if len(f) >= 12 {
				gotConn, gotSeq = int(binary.BigEndian.Uint32(f[4:])), int(binary.BigEndian.Uint32(f[8:]))
			}
			return fmt.Errorf("connection %d: frame %d came back as connection %d frame %d (%d bytes, want %d)",
				conn, seq, gotConn, gotSeq, len(f), len(want))
		}
		buf = f
	}
	return nil
}

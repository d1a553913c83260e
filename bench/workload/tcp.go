package workload

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// ioBufSize is the read and write buffer of each echo connection: large
// enough that small frames cost one read and one write system call each.
const ioBufSize = 32 << 10

// listener is one of the raw TCP listeners with its connection handler.
type listener struct {
	ln     net.Listener
	what   string
	conns  *atomic.Int64
	handle func(net.Conn)
}

// listeners lists the raw TCP listeners the server has.
func (s *Server) listeners() []listener {
	var ls []listener
	for _, l := range []listener{
		{s.tcpLn, "tcp echo", &s.stats.tcpConns, s.echo},
		{s.onceLn, "tcp echo once", &s.stats.onceConns, s.echoOnce},
		{s.streamLn, "stream", &s.stats.streamConns, s.source},
	} {
		if l.ln != nil {
			ls = append(ls, l)
		}
	}
	return ls
}

// accept accepts connections on l until the listener is closed, which is how
// shutdown stops it (it then returns nil). Resource exhaustion (EMFILE and
// friends) is waited out with backoff, as net/http does.
func (s *Server) accept(ctx context.Context, wg *sync.WaitGroup, l listener) error {
	var backoff time.Duration
	for {
		c, err := l.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || ctx.Err() != nil {
				return nil
			}
			if !transientAcceptError(err) {
				return fmt.Errorf("accept %s connection: %w", l.what, err)
			}
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(backoff):
			}
			continue
		}
		backoff = 0
		if !s.track(c) {
			// Shutting down: the connection was accepted after the sweep.
			_ = c.Close()
			return nil
		}
		l.conns.Add(1)
		wg.Go(func() {
			defer s.untrack(c)
			l.handle(c)
		})
	}
}

func transientAcceptError(err error) bool {
	for _, errno := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED, syscall.EINTR} {
		if errors.Is(err, errno) {
			return true
		}
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// echo answers frames on c until the peer closes it or breaks the protocol.
// The steady state allocates nothing: one read buffer, one write buffer and
// one frame buffer per connection. A response is flushed as soon as no
// complete request is waiting behind it, so a pipelining client gets its
// responses batched into few writes and a request-response client gets each
// one at once.
func (s *Server) echo(c net.Conn) {
	defer c.Close() // the peer is gone or misbehaved; nothing to report
	br := bufio.NewReaderSize(c, ioBufSize)
	bw := bufio.NewWriterSize(c, ioBufSize)
	frame := make([]byte, 0, 4<<10)
	for {
		var err error
		frame, err = ReadFrame(br, frame)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				s.stats.tcpErrors.Add(1)
			}
			return
		}
		if _, err := bw.Write(frame); err != nil {
			return
		}
		s.stats.tcpRequests.Add(1)
		if !nextFrameBuffered(br) {
			if err := bw.Flush(); err != nil {
				return
			}
		}
	}
}

// nextFrameBuffered reports whether a complete frame is already buffered in
// br, so it can be answered before flushing.
func nextFrameBuffered(br *bufio.Reader) bool {
	n := br.Buffered()
	if n < FrameHeaderLen {
		return false
	}
	hdr, err := br.Peek(FrameHeaderLen)
	if err != nil {
		return false
	}
	return n >= FrameHeaderLen+int(binary.BigEndian.Uint32(hdr))
}

package loadgen

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/meshbench/meshbench/bench/workload"
)

// session is one worker's connection and the protocol spoken on it. The
// request bytes are built once; reading a tcp response reuses one buffer.
type session struct {
	ctx      context.Context
	cfg      *Config
	req      []byte // the complete request, written with one Write
	wantBody int64  // expected response payload bytes; -1: any (http default)

	nc      net.Conn
	br      *bufio.Reader
	buf     []byte      // tcp response frame
	release func() bool // undoes the context.AfterFunc of nc
}

func newSession(ctx context.Context, cfg *Config) *session {
	s := &session{
		ctx:      ctx,
		cfg:      cfg,
		wantBody: int64(cfg.PayloadBytes),
	}
	switch cfg.Protocol {
	case ProtocolTCP:
		payload := make([]byte, cfg.PayloadBytes)
		for i := range payload {
			payload[i] = byte('a' + i%26)
		}
		s.req = workload.AppendFrame(nil, payload)
		s.buf = make([]byte, 0, workload.FrameHeaderLen+cfg.PayloadBytes)
	case ProtocolHTTP:
		path := "/"
		if cfg.PayloadBytes > 0 {
			path = "/?size=" + strconv.Itoa(cfg.PayloadBytes)
		} else {
			s.wantBody = -1
		}
		hdr := ""
		if cfg.Churn {
			hdr = "Connection: close\r\n"
		}
		s.req = []byte("GET " + path + " HTTP/1.1\r\nHost: " + cfg.Target + "\r\nUser-Agent: meshbench-loadgen\r\n" + hdr + "\r\n")
	case ProtocolStream:
		s.req = binary.BigEndian.AppendUint32(nil, uint32(cfg.PayloadBytes))
		s.buf = make([]byte, cfg.PayloadBytes)
	}
	return s
}

// connect opens the session's connection if it has none, giving up at
// deadline. A cancelled run context interrupts whatever the connection is
// doing.
func (s *session) connect(deadline time.Time) error {
	if s.nc != nil {
		return nil
	}
	d := net.Dialer{Deadline: deadline}
	nc, err := d.DialContext(s.ctx, "tcp", s.cfg.Target)
	if err != nil {
		return &reqError{kind: "connect", err: err}
	}
	s.nc = nc
	s.release = context.AfterFunc(s.ctx, func() {
		// Unblock a read or write in progress; the worker then stops.
		_ = nc.SetDeadline(time.Unix(1, 0))
	})
	if s.cfg.Protocol == ProtocolStream {
		// Ask for the stream; it then only flows towards us.
		if err := nc.SetWriteDeadline(deadline); err != nil {
			s.close()
			return &reqError{kind: "io", err: err}
		}
		if _, err := nc.Write(s.req); err != nil {
			s.close()
			return ioError("write stream header", err)
		}
		return nil
	}
	if s.br == nil {
		s.br = bufio.NewReaderSize(nc, 32<<10)
	} else {
		s.br.Reset(nc)
	}
	return nil
}

// close drops the connection; the next request reconnects.
func (s *session) close() {
	if s.nc == nil {
		return
	}
	s.release()
	// The connection is abandoned after an error or at the end of the run:
	// a failing Close has nothing left to tell.
	_ = s.nc.Close()
	s.nc = nil
}

// roundTrip sends the request and reads the complete response, connecting
// first if needed, all before deadline. On any error the connection is
// closed, so the next request starts on a fresh one.
func (s *session) roundTrip(deadline time.Time) error {
	if err := s.connect(deadline); err != nil {
		return err
	}
	err := s.exchange(deadline)
	if err == nil && s.cfg.Churn {
		err = s.awaitClose()
		s.close()
	}
	if err != nil {
		s.close()
	}
	return err
}

// awaitClose waits for the server to close the connection after its one
// response (churn), under the request's deadline. Closing first would leave
// this side in TIME_WAIT, and a client opening thousands of connections per
// second would soon run out of ephemeral ports.
func (s *session) awaitClose() error {
	switch _, err := s.br.ReadByte(); {
	case err == nil:
		return &reqError{kind: "protocol", err: errors.New("server sent more after its response instead of closing")}
	case errors.Is(err, io.EOF):
		return nil
	default:
		return ioError("await close", err)
	}
}

func (s *session) exchange(deadline time.Time) error {
	if err := s.nc.SetDeadline(deadline); err != nil {
		return &reqError{kind: "io", err: err}
	}
	if _, err := s.nc.Write(s.req); err != nil {
		return ioError("write", err)
	}
	if s.cfg.Protocol == ProtocolTCP {
		return s.readFrame()
	}
	return s.readHTTP()
}

func (s *session) readFrame() error {
	frame, err := workload.ReadFrame(s.br, s.buf)
	s.buf = frame[:0]
	if err != nil {
		return ioError("read", err)
	}
	if got := int64(len(frame) - workload.FrameHeaderLen); got != s.wantBody {
		return &reqError{kind: "protocol", err: fmt.Errorf("echo carried %d bytes, sent %d", got, s.wantBody)}
	}
	return nil
}

func (s *session) readHTTP() error {
	resp, err := readResponse(s.br)
	if err != nil {
		var re *reqError
		if errors.As(err, &re) {
			return err
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isNetError(err) {
			return ioError("read", err)
		}
		return &reqError{kind: "protocol", err: err}
	}
	if resp.status != 200 {
		return &reqError{kind: "status", err: fmt.Errorf("HTTP %s", resp.reason)}
	}
	if s.wantBody >= 0 && resp.body != s.wantBody {
		return &reqError{kind: "protocol", err: fmt.Errorf("body %d bytes, asked for %d", resp.body, s.wantBody)}
	}
	if resp.close && !s.cfg.Churn {
		s.close() // the server ends the connection after this response
	}
	return nil
}

// isNetError reports whether err came from the connection rather than
// from parsing.
func isNetError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne)
}

// reqError is a failed request, classified for the error samples.
type reqError struct {
	kind string // connect, timeout, io, status, protocol
	err  error
}

func (e *reqError) Error() string { return e.kind + ": " + e.err.Error() }
func (e *reqError) Unwrap() error { return e.err }

func ioError(op string, err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF // the server closed mid-exchange
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &reqError{kind: "timeout", err: fmt.Errorf("%s: %w", op, stripAddrs(err))}
	}
	return &reqError{kind: "io", err: fmt.Errorf("%s: %w", op, stripAddrs(err))}
}

// stripAddrs drops the local address from a net.OpError, so the same failure
// on different connections reads the same in the error samples.
func stripAddrs(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}

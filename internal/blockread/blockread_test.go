package blockread

import (
	"bytes"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// loopbackPair is a connected TCP pair on loopback; the client end is
// returned as a blocking descriptor of its own.
func loopbackPair(t *testing.T) (fd int, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	f, err := c.(*net.TCPConn).File()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close(); _ = c.Close(); _ = s.Close() })
	// Blocking mode lives in the open file description, which c shares:
	// c is not used again.
	if err := unix.SetNonblock(int(f.Fd()), false); err != nil {
		t.Fatal(err)
	}
	return int(f.Fd()), s
}

// TestPlainTCPRestartsSignalledRead: on plain TCP the signals are not
// seen, the data arrives, and then the close.
func TestPlainTCPRestartsSignalledRead(t *testing.T) {
	fd, s := loopbackPair(t)
	want := bytes.Repeat([]byte("meshbench"), 100)
	if err := Check(fd, want, 5, func() error { _, err := s.Write(want); return err }, time.Now().Add(2*time.Second)); err != nil {
		t.Fatalf("plain TCP: %v", err)
	}
	r, err := Run(fd, 0, 3, s.Close, time.Now().Add(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if p := r.Problem(0); p != "" || !r.EOF {
		t.Fatalf("plain TCP at the peer's close: %s (EOF %v)", p, r.EOF)
	}
}

// TestEarlyReturnsAreCounted: a wait the kernel ends early is seen. A
// receive timeout (SO_RCVTIMEO) ends each wait with EAGAIN, as a
// signal does on a short-circuited socket.
func TestEarlyReturnsAreCounted(t *testing.T) {
	fd, s := loopbackPair(t)
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Usec: 20_000}); err != nil {
		t.Fatal(err)
	}
	want := []byte("late")
	r, err := Run(fd, len(want), 0, func() error {
		time.Sleep(100 * time.Millisecond)
		_, err := s.Write(want)
		return err
	}, time.Now().Add(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	p := r.Problem(len(want))
	if r.Spurious == 0 || !strings.Contains(p, "returned EAGAIN") {
		t.Fatalf("reads ended by the receive timeout not reported: spurious %d, problem %q", r.Spurious, p)
	}
	if !bytes.Equal(r.Data, want) {
		t.Fatalf("read %q after retrying, want %q", r.Data, want)
	}
}

// TestTimeLimitReleasesReader: nothing sent, the reader is freed at the
// limit and says so.
func TestTimeLimitReleasesReader(t *testing.T) {
	fd, _ := loopbackPair(t)
	r, err := Run(fd, 10, 0, func() error { return nil }, time.Now().Add(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if !r.TimedOut || !strings.Contains(r.Problem(10), "got 0 of 10 bytes") {
		t.Fatalf("timed-out reader: %+v, problem %q", r, r.Problem(10))
	}
}

// TestNonBlockingRefused: a non-blocking socket cannot hold a blocked
// reader; Run says so instead of spinning on EAGAIN.
func TestNonBlockingRefused(t *testing.T) {
	fd, _ := loopbackPair(t)
	if err := unix.SetNonblock(fd, true); err != nil {
		t.Fatal(err)
	}
	_, err := Run(fd, 10, 1, func() error { return nil }, time.Now().Add(time.Second))
	if err == nil || !strings.Contains(err.Error(), "non-blocking") {
		t.Fatalf("Run on a non-blocking fd: %v, want an error naming it", err)
	}
}

// TestCheckNamesTheDifference: bytes that differ are named by offset.
func TestCheckNamesTheDifference(t *testing.T) {
	fd, s := loopbackPair(t)
	err := Check(fd, []byte("abcd"), 0, func() error { _, err := s.Write([]byte("abXd")); return err }, time.Now().Add(2*time.Second))
	if err == nil || !strings.Contains(err.Error(), "bytes differ: 4 bytes read blocking differ from those sent, first at offset 2") {
		t.Fatalf("Check with a changed byte: %v", err)
	}
}

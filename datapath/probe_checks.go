package datapath

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/meshbench/meshbench/internal/blockread"
	"golang.org/x/sys/unix"
)

// probeChecks run in this order, each on its own connection. Each must see
// its bytes go through the redirect; a check whose data took the normal
// stack proves nothing.
var probeChecks = []struct {
	name string
	fn   func(*probeRig, *sockPair, time.Time) error
}{
	{CheckRedirect, checkExact},
	{CheckFIONREAD, checkFIONREAD},
	{CheckFIONREADHalfClose, checkFIONREADHalfClose},
	{CheckEpoll, checkEpoll},
	{CheckBlockingRead, checkBlockingRead},
	{CheckSplice, checkSplice},
	{CheckHalfClose, checkHalfClose},
}

func (r *probeRig) runChecks(ctx context.Context, pairs []*sockPair) *ProbeResult {
	res := &ProbeResult{Guard: r.guard}
	for i, c := range probeChecks {
		deadline := time.Now().Add(checkTimeout)
		if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
		before, err := r.redirected()
		if err == nil {
			err = pairs[i].connect(deadline)
		}
		if err == nil {
			err = c.fn(r, pairs[i], deadline)
		}
		if err == nil {
			after, cerr := r.redirected()
			if err = cerr; err == nil && after == before {
				err = errors.New("the bytes were not redirected")
			}
		}
		res.Checks = append(res.Checks, CheckResult{Name: c.name, Err: err})
		if err != nil && i == 0 {
			break // without redirection the other checks mean nothing
		}
	}
	return res
}

func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7+i/251)
	}
	return b
}

// checkExact sends 256 KiB in odd-sized writes and reads it back exactly.
func checkExact(_ *probeRig, p *sockPair, deadline time.Time) error {
	want := pattern(256<<10, 1)
	errc := make(chan error, 1)
	go func() {
		b := want
		for len(b) > 0 {
			n := min(len(b), 3001)
			if err := writeAll(p.client, b[:n], deadline); err != nil {
				errc <- err
				return
			}
			b = b[n:]
		}
		errc <- nil
	}()
	got := make([]byte, len(want))
	rerr := readFull(p.server, got, deadline)
	if err := errors.Join(<-errc, rerr); err != nil {
		return err
	}
	if !bytes.Equal(got, want) {
		return errors.New("bytes differ")
	}
	return nil
}

// sendPending sends b from client to server, reads FIONREAD on the server
// once the bytes are readable, then reads them.
func sendPending(p *sockPair, b []byte, deadline time.Time) (pending int, got []byte, err error) {
	if err := writeAll(p.client, b, deadline); err != nil {
		return 0, nil, err
	}
	if err := waitFD(p.server, unix.POLLIN, deadline); err != nil {
		return 0, nil, err
	}
	if pending, err = unix.IoctlGetInt(p.server, unix.SIOCINQ); err != nil {
		return 0, nil, fmt.Errorf("ioctl FIONREAD: %w", err)
	}
	got = make([]byte, len(b))
	return pending, got, readFull(p.server, got, deadline)
}

// checkFIONREAD: the receiver must see redirected bytes as pending.
func checkFIONREAD(_ *probeRig, p *sockPair, deadline time.Time) error {
	want := pattern(1000, 2)
	n, got, err := sendPending(p, want, deadline)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, want) {
		return errors.New("bytes differ")
	}
	if n != len(want) {
		return fmt.Errorf("FIONREAD reported %d pending bytes, want %d", n, len(want))
	}
	return nil
}

// checkFIONREADHalfClose: bytes the normal stack brings to a socket that
// is still in the SOCKHASH must count too. After a redirected exchange the
// receiver half-closes, so the sender, in CLOSE_WAIT, leaves the
// short-circuit and sends the normal way.
func checkFIONREADHalfClose(_ *probeRig, p *sockPair, deadline time.Time) error {
	first := pattern(100, 8)
	if err := writeAll(p.client, first, deadline); err != nil {
		return err
	}
	if err := readFull(p.server, make([]byte, len(first)), deadline); err != nil {
		return err
	}
	if err := unix.Shutdown(p.server, unix.SHUT_WR); err != nil {
		return fmt.Errorf("shutdown(SHUT_WR): %w", err)
	}
	if err := waitFD(p.client, unix.POLLIN, deadline); err != nil {
		return fmt.Errorf("waiting for the peer's FIN: %w", err)
	}
	tail := pattern(300, 9)
	n, got, err := sendPending(p, tail, deadline)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, tail) {
		return errors.New("bytes sent after the peer's half-close differ")
	}
	if n != len(tail) {
		return fmt.Errorf("FIONREAD reported %d pending bytes for %d that came the normal way to a socket in the SOCKHASH (tcp_bpf counts only its redirect queue), want %d", n, len(tail), len(tail))
	}
	return nil
}

// checkEpoll: a reader blocked in epoll_wait before the send must wake.
func checkEpoll(_ *probeRig, p *sockPair, deadline time.Time) error {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return fmt.Errorf("epoll_create: %w", err)
	}
	defer unix.Close(ep)
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(p.server)}
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, p.server, &ev); err != nil {
		return fmt.Errorf("epoll_ctl: %w", err)
	}
	woke := make(chan error, 1)
	go func() {
		evs := make([]unix.EpollEvent, 1)
		for {
			n, err := unix.EpollWait(ep, evs, int(time.Until(deadline)/time.Millisecond)+1)
			if errors.Is(err, unix.EINTR) {
				continue
			}
			if err == nil && n == 0 {
				err = errors.New("blocked reader never woke up")
			}
			woke <- err
			return
		}
	}()
	time.Sleep(20 * time.Millisecond) // let the reader block first
	want := pattern(100, 3)
	if err := writeAll(p.client, want, deadline); err != nil {
		return err
	}
	if err := <-woke; err != nil {
		return err
	}
	return readFull(p.server, make([]byte, len(want)), deadline)
}

// checkBlockingRead: a thread blocked in read(2) on a blocking socket,
// signalled while it waits, must go on waiting and then get the bytes. On
// Linux 6.18 tcp_bpf's receive ends the wait with EAGAIN instead of
// restarting it.
func checkBlockingRead(_ *probeRig, p *sockPair, deadline time.Time) error {
	if err := unix.SetNonblock(p.server, false); err != nil {
		return fmt.Errorf("make the socket blocking: %w", err)
	}
	want := pattern(1000, 7)
	return blockread.Check(p.server, want, 5, func() error { return writeAll(p.client, want, deadline) }, deadline)
}

// checkSplice: splice(2) from the receiving socket. The kernel's
// tcp_splice_read never looks at the queue redirected bytes land in; with
// the splice guard the splice must fail at once with EINVAL and read(2) must
// then return the bytes, without it the splice itself must return them
// (a kernel that fixed the bug).
func checkSplice(r *probeRig, p *sockPair, deadline time.Time) error {
	var pipe [2]int
	if err := unix.Pipe2(pipe[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return fmt.Errorf("pipe: %w", err)
	}
	defer unix.Close(pipe[0])
	defer unix.Close(pipe[1])
	want := pattern(4096, 4)
	if err := writeAll(p.client, want, deadline); err != nil {
		return err
	}
	if err := waitFD(p.server, unix.POLLIN, deadline); err != nil {
		return err
	}
	if r.guard != "" {
		n, err := unix.Splice(p.server, nil, pipe[1], nil, len(want), unix.SPLICE_F_NONBLOCK)
		if !errors.Is(err, unix.EINVAL) {
			return fmt.Errorf("splice returned %d, %v; want EINVAL from the splice guard", n, err)
		}
		return readExact(p.server, want, deadline)
	}
	// The bytes are queued (POLLIN) before the first call: a splice that
	// sees them returns at once, one that keeps saying EAGAIN never will.
	patience := time.Now().Add(100 * time.Millisecond)
	if deadline.Before(patience) {
		patience = deadline
	}
	got := 0
	for got < len(want) {
		n, err := unix.Splice(p.server, nil, pipe[1], nil, len(want)-got, unix.SPLICE_F_NONBLOCK)
		switch {
		case errors.Is(err, unix.EAGAIN) && time.Now().Before(patience):
			time.Sleep(time.Millisecond)
			continue
		case errors.Is(err, unix.EAGAIN):
			return fmt.Errorf("splice keeps returning EAGAIN while %d redirected bytes are queued: it never sees them", len(want)-got)
		case err != nil:
			return fmt.Errorf("spliced %d of %d bytes: %w", got, len(want), err)
		case n == 0:
			return fmt.Errorf("spliced %d of %d bytes: early EOF", got, len(want))
		}
		got += int(n)
	}
	return readExact(pipe[0], want, deadline)
}

// readExact reads len(want) bytes and compares them.
func readExact(fd int, want []byte, deadline time.Time) error {
	got := make([]byte, len(want))
	if err := readFull(fd, got, deadline); err != nil {
		return err
	}
	if !bytes.Equal(got, want) {
		return errors.New("bytes differ")
	}
	return nil
}

// checkHalfClose: data then shutdown(SHUT_WR); the reader gets all the data,
// then EOF, and can still answer over the other direction.
func checkHalfClose(_ *probeRig, p *sockPair, deadline time.Time) error {
	want := pattern(5000, 5)
	if err := writeAll(p.client, want, deadline); err != nil {
		return err
	}
	if err := unix.Shutdown(p.client, unix.SHUT_WR); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	got := make([]byte, len(want))
	if err := readFull(p.server, got, deadline); err != nil {
		return err
	}
	if !bytes.Equal(got, want) {
		return errors.New("bytes before the FIN differ")
	}
	if err := readEOF(p.server, deadline); err != nil {
		return err
	}
	reply := pattern(300, 6)
	if err := writeAll(p.server, reply, deadline); err != nil {
		return fmt.Errorf("reply after half-close: %w", err)
	}
	if err := readFull(p.client, make([]byte, len(reply)), deadline); err != nil {
		return fmt.Errorf("reply after half-close: %w", err)
	}
	return nil
}

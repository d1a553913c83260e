package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/meshbench/meshbench/internal/blockread"
	"golang.org/x/sys/unix"
)

// wakeLimit is how long a blocked reader may take to notice data.
const wakeLimit = 2 * time.Second

// blockedRead starts a read on c and returns where its result arrives.
func blockedRead(c *net.TCPConn, n int) <-chan error {
	got := make(chan error, 1)
	go func() {
		b := make([]byte, n)
		_, err := io.ReadFull(c, b)
		got <- err
	}()
	return got
}

func awaitWake(got <-chan error, what string) error {
	select {
	case err := <-got:
		return err
	case <-time.After(wakeLimit):
		return fmt.Errorf("reader blocked before %s did not wake within %s after it arrived", what, wakeLimit)
	}
}

func runWakeup(e *Env) error {
	c, s, err := e.pair(e.client(), e.server())
	if err != nil {
		return err
	}
	e.setStep("waking a reader blocked in the netpoller")
	got := blockedRead(c, 100)
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	if err := writeOnce(s, stream(60, 100)); err != nil {
		return fmt.Errorf("server write: %w", err)
	}
	if err := awaitWake(got, "data"); err != nil {
		return fmt.Errorf("netpoller: %w", err)
	}
	e.record("wake_us", time.Since(start).Microseconds())
	eof := blockedRead(c, 1)
	time.Sleep(50 * time.Millisecond)
	if err := s.Close(); err != nil {
		return err
	}
	if err := awaitWake(eof, "EOF"); !errors.Is(err, io.EOF) {
		return fmt.Errorf("netpoller, at the peer's close: %v (want EOF)", err)
	}
	e.setStep("waking a reader blocked in epoll_wait")
	c2, s2, err := e.pair(e.client(), e.server())
	if err != nil {
		return err
	}
	return epollWake(c2, func() error { return writeOnce(s2, stream(61, 100)) })
}

// epollWake blocks a thread in epoll_wait (level-triggered) on c, then
// sends, and wants the wait to report c readable.
func epollWake(c *net.TCPConn, send func() error) error {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return fmt.Errorf("epoll_create1: %w", err)
	}
	defer unix.Close(ep)
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var cerr error
	if err := rc.Control(func(fd uintptr) {
		cerr = unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, int(fd), &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)})
	}); err != nil || cerr != nil {
		return fmt.Errorf("epoll_ctl: %w", errors.Join(err, cerr))
	}
	woke := make(chan error, 1)
	go func() {
		evs := make([]unix.EpollEvent, 1)
		for {
			n, err := unix.EpollWait(ep, evs, int((wakeLimit + 100*time.Millisecond).Milliseconds()))
			switch {
			case errors.Is(err, unix.EINTR):
				continue
			case err == nil && n == 0:
				err = fmt.Errorf("epoll_wait did not report the socket readable within %s after data arrived", wakeLimit)
			}
			woke <- err
			return
		}
	}()
	time.Sleep(50 * time.Millisecond)
	if err := send(); err != nil {
		return errors.Join(fmt.Errorf("send: %w", err), <-woke)
	}
	return <-woke // the wait itself is bounded: ep stays open until then
}

// fionread is the pending byte count of c, from ioctl(FIONREAD).
func fionread(c *net.TCPConn) (int, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	var n int
	var ierr error
	if err := rc.Control(func(fd uintptr) { n, ierr = unix.IoctlGetInt(int(fd), unix.SIOCINQ) }); err != nil {
		return 0, err
	}
	if ierr != nil {
		return 0, fmt.Errorf("ioctl(FIONREAD): %w", ierr)
	}
	return n, nil
}

// awaitFIONREAD polls FIONREAD until it reports want or time runs out.
func awaitFIONREAD(c *net.TCPConn, want int) (int, error) {
	limit := time.Now().Add(wakeLimit)
	for {
		n, err := fionread(c)
		if err != nil || n >= want || time.Now().After(limit) {
			return n, err
		}
		time.Sleep(time.Millisecond)
	}
}

func runFIONREAD(e *Env) error {
	c, s, err := e.pair(e.client(), e.server())
	if err != nil {
		return err
	}
	data := stream(70, 1000)
	if err := writeOnce(s, data); err != nil {
		return fmt.Errorf("server write: %w", err)
	}
	e.setStep("polling FIONREAD")
	for _, step := range []struct{ read, pending int }{{0, 1000}, {400, 600}, {600, 0}} {
		if step.read > 0 {
			off := 1000 - step.pending - step.read
			if err := readExpect(c, data[off:off+step.read]); err != nil {
				return err
			}
		}
		n, err := awaitFIONREAD(c, step.pending)
		if err != nil {
			return err
		}
		if n != step.pending {
			return fmt.Errorf("after reading %d of 1000 bytes, FIONREAD reports %d pending, want %d", 1000-step.pending, n, step.pending)
		}
	}
	// The server keeps sending after the client's shutdown(SHUT_WR): a
	// socket on its way to closing leaves the short-circuit, so these
	// bytes come the normal way to a client socket that may still be in
	// the datapath's maps.
	e.setStep("polling FIONREAD after the client's half-close")
	if err := c.CloseWrite(); err != nil {
		return fmt.Errorf("client shutdown(SHUT_WR): %w", err)
	}
	if err := expectEOF(s); err != nil {
		return fmt.Errorf("server, at the client's FIN: %w", err)
	}
	tail := stream(71, 500)
	if err := writeOnce(s, tail); err != nil {
		return fmt.Errorf("server write after the client's half-close: %w", err)
	}
	n, err := awaitFIONREAD(c, len(tail))
	if err != nil {
		return err
	}
	if n != len(tail) {
		return fmt.Errorf("after the client's half-close the server sent %d more bytes; FIONREAD reports %d pending, want %d", len(tail), n, len(tail))
	}
	return readExpect(c, tail)
}

func runNonblocking(e *Env) error {
	c, s, err := e.pair(e.client(), e.server())
	if err != nil {
		return err
	}
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	buf := make([]byte, 4096)
	var n int
	var rerr error
	once := func(fd uintptr) bool { n, rerr = unix.Read(int(fd), buf); return true }
	if err := rc.Read(once); err != nil || !errors.Is(rerr, unix.EAGAIN) {
		return fmt.Errorf("non-blocking read with nothing queued: %d bytes, %v, want EAGAIN", n, errors.Join(err, rerr))
	}
	data := stream(80, 3000)
	if err := writeOnce(s, data); err != nil {
		return fmt.Errorf("server write: %w", err)
	}
	e.setStep("reading non-blocking")
	got := 0
	for got < len(data) {
		err := rc.Read(func(fd uintptr) bool {
			n, rerr = unix.Read(int(fd), buf[got:len(data)])
			return !errors.Is(rerr, unix.EAGAIN) // EAGAIN: wait for readiness
		})
		if err = errors.Join(err, rerr); err != nil || n == 0 {
			return fmt.Errorf("non-blocking read after %d of %d bytes: %d bytes, %v", got, len(data), n, err)
		}
		got += n
	}
	if !bytes.Equal(buf[:got], data) {
		return fmt.Errorf("%w: %d bytes read non-blocking differ, first at offset %d", errCorrupt, got, diffAt(buf[:got], data))
	}
	if err := rc.Read(once); err != nil || !errors.Is(rerr, unix.EAGAIN) {
		return fmt.Errorf("non-blocking read after the data: %d bytes, %v, want EAGAIN", n, errors.Join(err, rerr))
	}
	return nil
}

// runBlockingRead: a thread blocked in read(2) on a blocking socket is
// signalled while it waits (SIGURG, whose Go handler has SA_RESTART as most
// programs' do); it must go on waiting, get the bytes, and then see the
// peer's close as 0.
func runBlockingRead(e *Env) error {
	c, s, err := e.pair(e.client(), e.server())
	if err != nil {
		return err
	}
	f, err := c.File()
	if err != nil {
		return err
	}
	e.track(f) // closed with the run's sockets, also when the case hangs
	fd := int(f.Fd())
	// Blocking mode lives in the open file description, which c shares:
	// c is not read again.
	if err := unix.SetNonblock(fd, false); err != nil {
		return fmt.Errorf("make the socket blocking: %w", err)
	}
	e.setStep("signalling a reader blocked in read(2)")
	data := stream(90, 1000)
	if err := blockread.Check(fd, data, 5, func() error { return writeOnce(s, data) }, time.Now().Add(wakeLimit)); errors.Is(err, blockread.ErrDiffer) {
		return fmt.Errorf("%w: %w", errCorrupt, err)
	} else if err != nil {
		return err
	}
	e.setStep("waking a blocked reader at the peer's close")
	r, err := blockread.Run(fd, 0, 2, s.Close, time.Now().Add(wakeLimit))
	if err != nil {
		return err
	}
	if msg := r.Problem(0); msg != "" {
		return fmt.Errorf("at the peer's close: %s", msg)
	}
	return nil
}

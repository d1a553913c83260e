package datapath

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"
)

// sockPair is a connected pair of raw non-blocking TCP sockets. The probe
// uses raw descriptors, not net.Conn, so that it sees exactly what the
// kernel does: no runtime poller in between, every wait bounded.
type sockPair struct {
	ln, client, server int
}

func newSockPair(client, server netip.Addr) (*sockPair, error) {
	p := &sockPair{ln: -1, client: -1, server: -1}
	var err error
	if p.ln, err = tcpSocket(server); err != nil {
		return nil, err
	}
	if err := unix.Listen(p.ln, 1); err != nil {
		return nil, errors.Join(fmt.Errorf("listen: %w", err), p.close())
	}
	if p.client, err = tcpSocket(client); err != nil {
		return nil, errors.Join(err, p.close())
	}
	return p, nil
}

// tcpSocket is a non-blocking TCP socket bound to addr, port 0.
func tcpSocket(addr netip.Addr) (int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: addr.As4()}); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("bind %s: %w", addr, err)
	}
	return fd, nil
}

func (p *sockPair) connect(deadline time.Time) error {
	sa, err := unix.Getsockname(p.ln)
	if err != nil {
		return fmt.Errorf("getsockname: %w", err)
	}
	if err := unix.Connect(p.client, sa); err != nil && !errors.Is(err, unix.EINPROGRESS) {
		return fmt.Errorf("connect: %w", err)
	}
	if err := waitFD(p.client, unix.POLLOUT, deadline); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	if soerr, err := unix.GetsockoptInt(p.client, unix.SOL_SOCKET, unix.SO_ERROR); err != nil || soerr != 0 {
		return fmt.Errorf("connect: %w", errors.Join(err, unix.Errno(soerr)))
	}
	if err := waitFD(p.ln, unix.POLLIN, deadline); err != nil {
		return fmt.Errorf("accept: %w", err)
	}
	p.server, _, err = unix.Accept4(p.ln, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
	if err != nil {
		return fmt.Errorf("accept: %w", err)
	}
	return nil
}

func (p *sockPair) close() error {
	var errs []error
	for _, fd := range []*int{&p.client, &p.server, &p.ln} {
		if *fd >= 0 {
			errs = append(errs, unix.Close(*fd))
			*fd = -1
		}
	}
	return errors.Join(errs...)
}

var errTimeout = errors.New("timed out")

// waitFD polls fd for events until deadline.
func waitFD(fd int, events int16, deadline time.Time) error {
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return errTimeout
		}
		fds := []unix.PollFd{{Fd: int32(fd), Events: events}}
		n, err := unix.Poll(fds, int(left/time.Millisecond)+1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("poll: %w", err)
		}
		if n > 0 {
			return nil
		}
	}
}

func writeAll(fd int, b []byte, deadline time.Time) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
			if err := waitFD(fd, unix.POLLOUT, deadline); err != nil {
				return fmt.Errorf("write: %w", err)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("write: %w", err)
		}
		b = b[n:]
	}
	return nil
}

// readFull reads len(b) bytes; io.ErrUnexpectedEOF-like errors name what
// was missing.
func readFull(fd int, b []byte, deadline time.Time) error {
	got := 0
	for got < len(b) {
		n, err := unix.Read(fd, b[got:])
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
			if err := waitFD(fd, unix.POLLIN, deadline); err != nil {
				return fmt.Errorf("read %d of %d bytes: %w", got, len(b), err)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("read %d of %d bytes: %w", got, len(b), err)
		}
		if n == 0 {
			return fmt.Errorf("read %d of %d bytes: early EOF", got, len(b))
		}
		got += n
	}
	return nil
}

// readEOF expects end of stream and nothing before it.
func readEOF(fd int, deadline time.Time) error {
	var b [64]byte
	for {
		n, err := unix.Read(fd, b[:])
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
			if err := waitFD(fd, unix.POLLIN, deadline); err != nil {
				return fmt.Errorf("wait for EOF: %w", err)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("wait for EOF: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("wait for EOF: %d unexpected bytes", n)
		}
		return nil
	}
}

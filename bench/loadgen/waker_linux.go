package loadgen

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// waker is a timerfd registered with the Go netpoller. Arming it for the
// instant a Go timer expires makes the runtime's epoll_wait return then,
// instead of at the next whole millisecond. Nobody reads it: the netpoller
// registers descriptors edge-triggered, so each expiry is one wake-up.
type waker struct {
	fd int
	f  *os.File // owns fd and its netpoller registration
}

func newWaker() (*waker, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("timerfd_create: %w", err)
	}
	// A non-blocking descriptor given to os.NewFile joins the netpoller.
	return &waker{fd: fd, f: os.NewFile(uintptr(fd), "loadgen-timerfd")}, nil
}

// arm makes the timerfd fire once, d from now (CLOCK_MONOTONIC, the clock
// of Go's timers).
func (w *waker) arm(d time.Duration) error {
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d))}
	if err := unix.TimerfdSettime(w.fd, 0, &spec, nil); err != nil {
		return fmt.Errorf("timerfd_settime: %w", err)
	}
	return nil
}

func (w *waker) close() error { return w.f.Close() }

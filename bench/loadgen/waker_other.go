//go:build !linux

package loadgen

import (
	"errors"
	"time"
)

// waker exists only on Linux; elsewhere the pacer relies on Go timers alone.
type waker struct{}

func newWaker() (*waker, error) { return nil, errors.New("no timerfd on this platform") }

func (*waker) arm(time.Duration) error { return nil }

func (*waker) close() error { return nil }

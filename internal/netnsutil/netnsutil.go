// Package netnsutil runs code inside a network namespace without moving the
// caller: the work happens on a dedicated, locked OS thread that enters the
// namespace and comes back. Sockets created there stay in that namespace for
// their whole life, and processes forked there start in it. A thread that
// cannot get back stays locked, so the Go runtime retires it instead of
// reusing it in the wrong namespace (never let a locked goroutine exit on
// the main thread for that: Go parks the main thread instead of ending it).
package netnsutil

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"

	"github.com/vishvananda/netns"
)

// With runs enter and then fn on a dedicated locked OS thread and moves the
// thread back to its original network namespace afterwards. enter switches
// the thread's namespace (setns, or unshare to make a new one).
func With(enter, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("get current netns: %w", err)
			return
		}
		defer orig.Close()
		if err := enter(); err != nil {
			if rerr := netns.Set(orig); rerr != nil {
				errc <- errors.Join(err, fmt.Errorf("restore netns: %w", rerr))
				return // the thread stays locked and dies with this goroutine
			}
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		err = fn()
		if rerr := netns.Set(orig); rerr != nil {
			errc <- errors.Join(err, fmt.Errorf("restore netns: %w", rerr))
			return // the thread stays locked and dies with this goroutine
		}
		runtime.UnlockOSThread()
		errc <- err
	}()
	return <-errc
}

// Do runs fn inside the network namespace at path (such as
// /run/netns/<pod>).
func Do(path string, fn func() error) error {
	h, err := netns.GetFromPath(path)
	if err != nil {
		return fmt.Errorf("open netns %s: %w", path, err)
	}
	defer h.Close()
	return With(func() error {
		if err := netns.Set(h); err != nil {
			return fmt.Errorf("enter netns %s: %w", path, err)
		}
		return nil
	}, fn)
}

// DialContext returns a dial function (for http.Transport.DialContext and
// the like) whose connections are made from inside the namespace at path.
func DialContext(path string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var c net.Conn
		err := Do(path, func() error {
			var err error
			c, err = (&net.Dialer{}).DialContext(ctx, network, addr)
			return err
		})
		return c, err
	}
}

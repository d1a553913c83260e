package conformance

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"github.com/meshbench/meshbench/internal/cgroupv2"
	"github.com/meshbench/meshbench/internal/netnsutil"
	"github.com/meshbench/meshbench/internal/substrate/local"
	"golang.org/x/sys/unix"
)

// moveMu serialises every move of this process between cgroups, and
// everything that must not see the process in a pod's cgroup: connect(2)
// (the datapath attributes it to the caller's cgroup first) and
// datapath.Up (its self-test moves the process too).
var moveMu sync.Mutex

// exclusive runs fn while no socket is being made in a pod.
func exclusive(fn func() error) error {
	moveMu.Lock()
	defer moveMu.Unlock()
	return fn()
}

// inPod runs fn so that sockets it creates belong to pod p: on a thread in
// p's network namespace, with this whole process in p's cgroup. fn must be
// short; connects it makes are attributed to p.
func inPod(p local.Pod, fn func() error) error {
	moveMu.Lock()
	defer moveMu.Unlock()
	home, err := cgroupv2.Own()
	if err != nil {
		return err
	}
	return netnsutil.Do(p.Netns, func() error {
		if err := cgroupv2.MoveProcess(p.Cgroup); err != nil {
			return fmt.Errorf("pod %s: %w", p.Name, err)
		}
		ferr := fn()
		if err := cgroupv2.MoveProcess(home); err != nil {
			return errors.Join(ferr, fmt.Errorf("pod %s: back to %s: %w", p.Name, home, err))
		}
		return ferr
	})
}

// sockOpts are what a test socket needs besides its addresses.
type sockOpts struct {
	reuseAddr bool // SO_REUSEADDR: bind a port others (or TIME_WAIT) use
}

func (o sockOpts) control(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		if o.reuseAddr {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
		}
	})
	return errors.Join(err, serr)
}

// listenIn opens a TCP listener of pod p on addr ("[::]:P" is dual-stack).
func listenIn(ctx context.Context, p local.Pod, addr netip.AddrPort, o sockOpts) (*net.TCPListener, error) {
	network := "tcp4"
	switch {
	case addr.Addr() == netip.IPv6Unspecified():
		network = "tcp" // Go makes it dual-stack
	case addr.Addr().Is6():
		network = "tcp6"
	}
	var ln net.Listener
	err := inPod(p, func() (err error) {
		lc := net.ListenConfig{Control: o.control}
		ln, err = lc.Listen(ctx, network, addr.String())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listen on %s in %s: %w", addr, p.Name, err)
	}
	return ln.(*net.TCPListener), nil
}

// dialTimeout bounds a connect: it runs with the process in the pod's
// cgroup, so nothing else may wait on it for long.
const dialTimeout = 3 * time.Second

// dialFrom connects from pod p (bound to local, port 0 for any) to dst.
func dialFrom(ctx context.Context, p local.Pod, local, dst netip.AddrPort, o sockOpts) (*net.TCPConn, error) {
	var c net.Conn
	err := inPod(p, func() (err error) {
		d := net.Dialer{LocalAddr: net.TCPAddrFromAddrPort(local), Timeout: dialTimeout, Control: o.control}
		c, err = d.DialContext(ctx, "tcp", dst.String())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("connect from %s (%s) to %s: %w", p.Name, local, dst, err)
	}
	return c.(*net.TCPConn), nil
}

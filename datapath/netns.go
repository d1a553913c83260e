package datapath

import (
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/meshbench/meshbench/internal/netnsutil"
)

// soNetnsCookie is SO_NETNS_COOKIE (Linux 5.14), missing from x/sys/unix.
const soNetnsCookie = 71

// netnsCookie returns the cookie of the network namespace at path, the
// value bpf_get_netns_cookie gives programs running for it.
func netnsCookie(path string) (cookie uint64, err error) {
	err = netnsutil.Do(path, func() error {
		cookie, err = socketNetnsCookie()
		return err
	})
	return cookie, err
}

// socketNetnsCookie is the cookie of the calling thread's network namespace.
func socketNetnsCookie() (uint64, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		fd, err = unix.Socket(unix.AF_INET6, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	}
	if err != nil {
		return 0, fmt.Errorf("socket: %w", err)
	}
	defer unix.Close(fd)
	c, err := unix.GetsockoptUint64(fd, unix.SOL_SOCKET, soNetnsCookie)
	if err != nil {
		return 0, fmt.Errorf("%w: SO_NETNS_COOKIE: %v (needs Linux 5.14)", ErrUnsupported, err)
	}
	return c, nil
}

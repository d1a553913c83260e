package local

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/meshbench/meshbench/internal/netnsutil"
)

// createNetns creates the named network namespace /run/netns/<name> and runs
// setup inside it (for sysctls, which follow the writing thread's netns). It
// returns a handle to the new namespace; the caller closes it. An existing
// name is an error wrapping fs.ErrExist and is left untouched.
func createNetns(name string, setup func() error) (netns.NsHandle, error) {
	h := netns.None()
	err := netnsutil.With(func() error {
		var err error
		h, err = netns.NewNamed(name)
		return err
	}, setup)
	if err == nil {
		return h, nil
	}
	if h.IsOpen() {
		h.Close()
	}
	if errors.Is(err, fs.ErrExist) {
		return netns.None(), fmt.Errorf("create netns %s: %w (left over from an earlier run? `meshbench down` removes it)", name, err)
	}
	// The file may exist half-made (created but not mounted); it is ours.
	return netns.None(), errors.Join(fmt.Errorf("create netns %s: %w", name, err), deleteNetns(name))
}

// deleteNetns removes the named netns: unmounts /run/netns/<name> (which
// frees the namespace once nothing else holds it) and removes the file. A
// missing or never-mounted file is fine.
func deleteNetns(name string) error {
	p := filepath.Join(netnsDir, name)
	for range 8 { // undo stacked mounts too
		err := unix.Unmount(p, unix.MNT_DETACH)
		if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOENT) {
			break // not (or no longer) a mount point
		}
		if err != nil {
			return fmt.Errorf("delete netns %s: unmount: %w", name, err)
		}
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete netns %s: %w", name, err)
	}
	return nil
}

// nsID identifies a namespace: the device and inode of its nsfs file.
type nsID struct{ dev, ino uint64 }

// netnsID returns the identity of the netns at path (a /run/netns file or a
// /proc/PID/ns/net link).
func netnsID(path string) (nsID, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return nsID{}, err
	}
	return nsID{dev: st.Dev, ino: st.Ino}, nil
}

// sysctl is one /proc/sys setting; optional ones may be absent.
type sysctl struct {
	key, value string
	optional   bool
}

// writeSysctls writes settings of the calling thread's network namespace.
// Call it on a locked thread inside the namespace (see withNetns).
func writeSysctls(settings ...sysctl) error {
	for _, s := range settings {
		err := os.WriteFile(filepath.Join("/proc/sys", s.key), []byte(s.value), 0)
		if err != nil && !(s.optional && errors.Is(err, fs.ErrNotExist)) {
			return fmt.Errorf("set sysctl %s=%s: %w", s.key, s.value, err)
		}
	}
	return nil
}

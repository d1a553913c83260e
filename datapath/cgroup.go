package datapath

import (
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/meshbench/meshbench/internal/cgroupv2"
)

// cgroup2Mount is the cgroup v2 mount, or ErrUnsupported saying how to get one.
func cgroup2Mount() (string, error) {
	mount, err := cgroupv2.Mountpoint()
	if err != nil {
		return "", fmt.Errorf("%w: %v; mount one with: mount -t cgroup2 none /sys/fs/cgroup/unified", ErrUnsupported, err)
	}
	return mount, nil
}

// cgroupID is the id the kernel reports for a cgroup v2 directory
// (bpf_get_current_cgroup_id): its inode number on the cgroup2 filesystem.
func cgroupID(path string) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, fmt.Errorf("stat cgroup %s: %w", path, err)
	}
	return st.Ino, nil
}

// isCgroup2 reports whether path is a directory on a cgroup2 filesystem.
func isCgroup2(path string) error {
	var fs unix.Statfs_t
	if err := unix.Statfs(path, &fs); err != nil {
		return fmt.Errorf("cgroup %s: %w", path, err)
	}
	if fs.Type != unix.CGROUP2_SUPER_MAGIC {
		return fmt.Errorf("%s is not on a cgroup v2 filesystem", path)
	}
	return nil
}

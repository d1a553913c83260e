package datapath

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// Cgroup2Mount returns where the cgroup v2 hierarchy is mounted, read from
// /proc/self/mountinfo (on hybrid hosts it is often /sys/fs/cgroup/unified).
func Cgroup2Mount() (string, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return "", fmt.Errorf("read mountinfo: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		// id parent major:minor root mountpoint opts [optional...] - fstype source superopts
		fields := strings.Fields(sc.Text())
		for i, f := range fields {
			if f == "-" && i+1 < len(fields) && fields[i+1] == "cgroup2" && len(fields) > 4 {
				return fields[4], nil
			}
		}
	}
	return "", fmt.Errorf("%w: no cgroup2 mount in /proc/self/mountinfo; mount one with: mount -t cgroup2 none /sys/fs/cgroup/unified", ErrUnsupported)
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

// ownCgroup returns the cgroup v2 directory this process runs in.
func ownCgroup(mount string) (string, error) {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return "", fmt.Errorf("read /proc/self/cgroup: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "0::"); ok {
			return filepath.Join(mount, filepath.Clean("/"+rest)), nil
		}
	}
	return "", errors.New("no cgroup v2 entry in /proc/self/cgroup")
}

// moveMu serialises moves of this process between cgroups.
var moveMu sync.Mutex

// inCgroup runs fn with this whole process moved into cgroup cg, then moves
// it back. Sockets take their cgroup from the creating task, so sockets fn
// creates stay in cg for good; this is how the probe gets sockets a sockops
// program on cg will see without starting another process. Keep fn short:
// every thread of the process is in cg while it runs.
func inCgroup(mount, cg string, fn func() error) (err error) {
	moveMu.Lock()
	defer moveMu.Unlock()
	home, err := ownCgroup(mount)
	if err != nil {
		return err
	}
	pid := []byte(strconv.Itoa(os.Getpid()))
	if err := os.WriteFile(filepath.Join(cg, "cgroup.procs"), pid, 0); err != nil {
		return fmt.Errorf("move process into %s: %w", cg, err)
	}
	defer func() {
		if werr := os.WriteFile(filepath.Join(home, "cgroup.procs"), pid, 0); werr != nil {
			err = errors.Join(err, fmt.Errorf("move process back to %s: %w", home, werr))
		}
	}()
	return fn()
}

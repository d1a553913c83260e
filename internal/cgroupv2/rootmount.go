package cgroupv2

import (
	"bufio"
	"fmt"
	"io"
)

// ParseRootMount returns the mount point of a cgroup2 mount of the
// hierarchy's root, as the reading process's cgroup namespace sees it
// ("/" in the root field), from text in /proc/PID/mountinfo format. Unlike
// ParseMountinfo it never falls back to a mount of a subtree, so a process
// that must attach to its namespace's whole hierarchy can tell the two
// apart. It returns ErrNotMounted when there is none.
func ParseRootMount(r io.Reader) (string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		root, mnt, fstype, ok := parseMountinfoLine(sc.Text())
		if ok && fstype == "cgroup2" && root == "/" {
			return mnt, nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("read mountinfo: %w", err)
	}
	return "", ErrNotMounted
}

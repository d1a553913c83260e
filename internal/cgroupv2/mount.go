// Package cgroupv2 finds the cgroup v2 (unified) hierarchy and manages
// cgroups in it: find the mount, kill every process in a subtree, wait until a
// subtree is empty, remove it leaf-first, and read cpu.stat.
//
// It works on pure v2 hosts and on hybrid hosts where v2 is mounted beside the
// v1 controllers (often at /sys/fs/cgroup/unified). It needs no v2 controllers
// to be enabled: cgroup.procs, cgroup.events, cgroup.kill and cpu.stat exist in
// every non-root v2 cgroup regardless.
package cgroupv2

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// ErrNotMounted means no cgroup2 file system is mounted in this mount namespace.
var ErrNotMounted = errors.New("cgroup v2 is not mounted (no cgroup2 entry in /proc/self/mountinfo)")

// Mountpoint returns where the cgroup v2 hierarchy is mounted, read from
// /proc/self/mountinfo. It never assumes /sys/fs/cgroup.
func Mountpoint() (string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", fmt.Errorf("find cgroup v2 mount: %w", err)
	}
	defer f.Close()
	return ParseMountinfo(f)
}

// ParseMountinfo returns the mount point of the cgroup2 file system described
// in r, which has the format of /proc/PID/mountinfo (see proc(5)). A mount of
// the hierarchy's root ("/") wins over bind mounts of a subtree; otherwise the
// first cgroup2 mount is returned. It returns ErrNotMounted when there is none.
func ParseMountinfo(r io.Reader) (string, error) {
	var first string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		root, mnt, fstype, ok := parseMountinfoLine(sc.Text())
		if !ok || fstype != "cgroup2" {
			continue
		}
		if root == "/" {
			return mnt, nil
		}
		if first == "" {
			first = mnt
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("read mountinfo: %w", err)
	}
	if first == "" {
		return "", ErrNotMounted
	}
	return first, nil
}

// parseMountinfoLine splits one mountinfo line:
//
//	36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
//
// The optional fields end at a lone "-", after which comes the fs type.
func parseMountinfoLine(line string) (root, mountpoint, fstype string, ok bool) {
	f := strings.Fields(line)
	if len(f) < 7 {
		return "", "", "", false
	}
	for i := 6; i < len(f)-1; i++ {
		if f[i] == "-" {
			return unescapeMountinfo(f[3]), unescapeMountinfo(f[4]), f[i+1], true
		}
	}
	return "", "", "", false
}

// unescapeMountinfo undoes the kernel's octal escaping of space, tab, newline
// and backslash (\040, \011, \012, \134) in mountinfo paths.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

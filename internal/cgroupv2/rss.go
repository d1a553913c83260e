package cgroupv2

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// RSS returns the resident memory in bytes of the processes now in dir and
// the cgroups below it: the sum of their VmRSS, because the v2 memory
// controller is not enabled on every host. Memory shared between processes
// is counted once per process.
func RSS(dir string) (uint64, error) {
	pids, err := ProcsTree(dir)
	if err != nil {
		return 0, err
	}
	var total uint64
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ESRCH) {
			continue // exited meanwhile
		}
		if err != nil {
			return 0, err
		}
		rss, err := parseVmRSS(b)
		if err != nil {
			return 0, fmt.Errorf("pid %d: %w", pid, err)
		}
		total += rss
	}
	return total, nil
}

// parseVmRSS returns the VmRSS line of /proc/PID/status in bytes; 0 when the
// line is absent (kernel threads, zombies).
func parseVmRSS(status []byte) (uint64, error) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		num, unit, _ := strings.Cut(strings.TrimSpace(v), " ")
		if strings.TrimSpace(unit) != "kB" {
			return 0, fmt.Errorf("parse VmRSS %q: unit is not kB", strings.TrimSpace(v))
		}
		kb, err := strconv.ParseUint(num, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse VmRSS: %w", err)
		}
		return kb * 1024, nil
	}
	return 0, nil
}

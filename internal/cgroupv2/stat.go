package cgroupv2

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// CPUStat is the CPU time a cgroup and its descendants have used, from
// cpu.stat. It is present in every v2 cgroup even when the cpu controller is
// not enabled.
type CPUStat struct {
	UsageUsec  uint64 // user + system, microseconds
	UserUsec   uint64
	SystemUsec uint64
}

// ReadCPUStat reads dir/cpu.stat.
func ReadCPUStat(dir string) (CPUStat, error) {
	f, err := os.Open(filepath.Join(dir, "cpu.stat"))
	if err != nil {
		return CPUStat{}, fmt.Errorf("read cpu.stat: %w", err)
	}
	defer f.Close()
	s, err := ParseCPUStat(f)
	if err != nil {
		return CPUStat{}, fmt.Errorf("%s: %w", f.Name(), err)
	}
	return s, nil
}

// ParseCPUStat parses the flat keyed format of cpu.stat ("usage_usec 123"
// per line). Unknown keys are ignored; usage_usec, user_usec and system_usec
// must all be present.
func ParseCPUStat(r io.Reader) (CPUStat, error) {
	var s CPUStat
	fields := map[string]*uint64{
		"usage_usec":  &s.UsageUsec,
		"user_usec":   &s.UserUsec,
		"system_usec": &s.SystemUsec,
	}
	seen := 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, val, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		dst := fields[key]
		if !ok || dst == nil {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSpace(val), 10, 64)
		if err != nil {
			return CPUStat{}, fmt.Errorf("parse cpu.stat %s: %w", key, err)
		}
		*dst = n
		delete(fields, key)
		seen++
	}
	if err := sc.Err(); err != nil {
		return CPUStat{}, fmt.Errorf("read cpu.stat: %w", err)
	}
	if seen != 3 {
		missing := make([]string, 0, len(fields))
		for k := range fields {
			missing = append(missing, k)
		}
		slices.Sort(missing)
		return CPUStat{}, fmt.Errorf("parse cpu.stat: missing %s", strings.Join(missing, ", "))
	}
	return s, nil
}

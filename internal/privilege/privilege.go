// Package privilege checks, by capability rather than by user id, whether
// this process may build network namespaces, cgroups and BPF state.
package privilege

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Linux capability bit numbers meshbench needs.
const (
	CapNetAdmin = 12
	CapSysAdmin = 21
)

// ErrMissing is wrapped when a needed capability is absent.
var ErrMissing = errors.New("missing privileges")

// Check returns nil when the process holds CAP_NET_ADMIN and CAP_SYS_ADMIN in
// its effective set, and otherwise an error that says how to get them.
func Check() error {
	eff, err := effective()
	if err != nil {
		return fmt.Errorf("%w: cannot read capabilities: %v", ErrMissing, err)
	}
	var missing []string
	if eff&(1<<CapNetAdmin) == 0 {
		missing = append(missing, "CAP_NET_ADMIN")
	}
	if eff&(1<<CapSysAdmin) == 0 {
		missing = append(missing, "CAP_SYS_ADMIN")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s (network namespaces, cgroups and BPF need them): run as root, e.g. with sudo", ErrMissing, strings.Join(missing, " and "))
	}
	return nil
}

// effective reads the CapEff mask from /proc/self/status.
func effective() (uint64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return parseCapEff(f)
}

// parseCapEff finds the CapEff line of a /proc/PID/status file.
func parseCapEff(r io.Reader) (uint64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				return 0, fmt.Errorf("parse CapEff: %w", err)
			}
			return caps, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no CapEff line in /proc/self/status")
}

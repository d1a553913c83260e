package cgroupv2

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRootMount(t *testing.T) {
	// What a kind node's agent pod may see: the node's own view of the
	// hierarchy (a subtree, from the host) and its own mount of the root.
	const subtreeOnly = "30 25 0:26 /docker/abc /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
	const both = subtreeOnly + "40 25 0:26 / /run/meshbench/cgroup2 rw - cgroup2 none rw\n"
	if _, err := ParseRootMount(strings.NewReader(subtreeOnly)); !errors.Is(err, ErrNotMounted) {
		t.Errorf("subtree only: err = %v, want ErrNotMounted", err)
	}
	if got, err := ParseRootMount(strings.NewReader(both)); err != nil || got != "/run/meshbench/cgroup2" {
		t.Errorf("root and subtree: %q, %v; want /run/meshbench/cgroup2", got, err)
	}
	if got, err := ParseRootMount(strings.NewReader(hybrid)); err != nil || got != "/sys/fs/cgroup/unified" {
		t.Errorf("hybrid host: %q, %v; want /sys/fs/cgroup/unified", got, err)
	}
}

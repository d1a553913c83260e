package local

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meshbench/meshbench/internal/cgroupv2"
	"github.com/meshbench/meshbench/internal/testenv"
)

// TestMain lets the test binary double as a helper process that tests start
// inside pods (MB_TEST_HELPER selects what it does).
func TestMain(m *testing.M) {
	if mode := os.Getenv("MB_TEST_HELPER"); mode != "" {
		os.Exit(helper(mode))
	}
	os.Exit(m.Run())
}

func helper(mode string) int {
	switch mode {
	case "spin": // burn CPU for MB_TEST_MS milliseconds
		ms, _ := strconv.Atoi(os.Getenv("MB_TEST_MS"))
		x := 0
		for end := time.Now().Add(time.Duration(ms) * time.Millisecond); time.Now().Before(end); {
			for i := range 10000 {
				x += i * i
			}
		}
		fmt.Println(x != 0)
		return 0
	case "rss": // hold MB_TEST_MB MiB resident until stdin closes
		mb, _ := strconv.Atoi(os.Getenv("MB_TEST_MB"))
		buf := make([]byte, mb<<20)
		for i := 0; i < len(buf); i += 4096 {
			buf[i] = 1
		}
		fmt.Println("ready")
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
		fmt.Println(buf[len(buf)/2])
		return 0
	}
	fmt.Fprintf(os.Stderr, "unknown helper mode %q\n", mode)
	return 2
}

// testName returns a cluster name no other test or run uses.
func testName() string { return fmt.Sprintf("t%06x", rand.Uint32()&0xffffff) }

// snapshot is what the substrate may leave on the host: named netns, cgroup
// directories below the cgroup v2 mount, state files.
type snapshot struct{ netns, cgroups, state []string }

func takeSnapshot(t testing.TB) snapshot {
	t.Helper()
	var s snapshot
	if entries, err := os.ReadDir(netnsDir); err == nil {
		for _, e := range entries {
			s.netns = append(s.netns, e.Name())
		}
	}
	mount, err := cgroupv2.Mountpoint()
	if err != nil {
		t.Fatal(err)
	}
	tops, _ := filepath.Glob(filepath.Join(mount, "mb-*"))
	for _, top := range tops {
		_ = filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				rel, _ := filepath.Rel(mount, p)
				s.cgroups = append(s.cgroups, rel)
			}
			return nil
		})
	}
	if entries, err := os.ReadDir(host.stateDir); err == nil {
		for _, e := range entries {
			s.state = append(s.state, e.Name())
		}
	}
	return s
}

// ours keeps the entries of the test's own clusters (and sandboxes), so
// that other meshbench runs on the host do not make the comparison flaky.
// The shared "mb-meshbench" directory counts unless other clusters exist.
func (s snapshot) ours(names ...string) snapshot {
	mine := func(path string) bool {
		for _, part := range strings.Split(path, "/") {
			for _, n := range names {
				if c, ok := clusterOf(part); (ok && c == n) || part == n || part == n+".json" || part == "mb-meshbench-"+n {
					return true
				}
			}
		}
		return false
	}
	var out snapshot
	foreign := false
	for _, lists := range [][2]*[]string{{&s.netns, &out.netns}, {&s.cgroups, &out.cgroups}, {&s.state, &out.state}} {
		for _, e := range *lists[0] {
			switch {
			case mine(e):
				*lists[1] = append(*lists[1], e)
			case e != host.cgroupTop:
				foreign = true
			}
		}
	}
	if !foreign && slices.Contains(s.cgroups, host.cgroupTop) {
		out.cgroups = append(out.cgroups, host.cgroupTop)
	}
	return out
}

func (s snapshot) String() string {
	return fmt.Sprintf("netns %v\ncgroups %v\nstate %v", s.netns, s.cgroups, s.state)
}

// checkSnapshot fails t unless the host looks as it did in before, for the
// given clusters.
func checkSnapshot(t testing.TB, before snapshot, names ...string) {
	t.Helper()
	after := takeSnapshot(t)
	b, a := before.ours(names...), after.ours(names...)
	if b.String() != a.String() {
		t.Errorf("host state changed:\nbefore: %s\nafter:  %s", b, a)
	}
}

// upCluster brings up a uniquely named cluster that is taken down (and
// checked to leave nothing behind) when the test ends.
func upCluster(t *testing.T, nodes, pods int) *Cluster {
	t.Helper()
	testenv.RequirePrivileged(t)
	name := testName()
	before := takeSnapshot(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := Up(ctx, Config{Name: name, Nodes: nodes, PodsPerNode: pods})
	if err != nil {
		t.Fatalf("Up: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Down(); err != nil {
			t.Errorf("Down: %v", err)
		}
		checkSnapshot(t, before, name)
	})
	return c
}

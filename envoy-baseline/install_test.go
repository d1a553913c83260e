package baseline

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meshbench/meshbench/envoy-baseline/intercept"
	"github.com/meshbench/meshbench/internal/netnsutil"
	"github.com/meshbench/meshbench/internal/substrate/local"
)

// TestInstallUndoesFailures makes Install fail in the middle and checks
// that it leaves nothing behind (and does not touch what it did not make).
func TestInstallUndoesFailures(t *testing.T) {
	requireProxy(t, ProxyHAProxy)
	c := newCluster(t, 1, 2)
	pods := c.Pods()
	a, b := pods[0], pods[1]

	install := func(t *testing.T, pods []local.Pod) error {
		t.Helper()
		before := runDirs(t)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		sc, err := Install(ctx, c, pods, Options{Proxy: ProxyHAProxy, MTLS: true})
		if err == nil {
			t.Fatalf("Install succeeded: %+v", sc.Info())
		}
		t.Logf("Install failed as it should: %v", err)
		if left := proxiesInNetns(t, ProxyHAProxy, pods); len(left) > 0 {
			t.Errorf("haproxy left running: %v", left)
		}
		for _, p := range pods {
			if _, serr := os.Stat(filepath.Join(p.Cgroup, proxyCgroupName)); !errors.Is(serr, os.ErrNotExist) {
				t.Errorf("pod %s: proxy cgroup left behind (%v)", p.Name, serr)
			}
		}
		if after := runDirs(t); !slices.Equal(before, after) {
			t.Errorf("run directories before %v, after %v", before, after)
		}
		return err
	}

	t.Run("capture already installed", func(t *testing.T) {
		theirs, err := intercept.Install(b.Netns, intercept.Config{})
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := theirs.Remove(); err != nil {
				t.Error(err)
			}
		}()
		err = install(t, []local.Pod{a, b})
		if !errors.Is(err, intercept.ErrInstalled) {
			t.Fatalf("Install = %v, want ErrInstalled", err)
		}
		if ok, err := intercept.Exists(a.Netns); err != nil || ok {
			t.Errorf("pod %s: capture left behind (%v)", a.Name, err)
		}
		if ok, err := intercept.Exists(b.Netns); err != nil || !ok {
			t.Errorf("pod %s: the capture Install did not make was removed (%v)", b.Name, err)
		}
	})

	t.Run("proxy cannot bind", func(t *testing.T) {
		var ln net.Listener
		err := netnsutil.Do(b.Netns, func() error {
			var err error
			ln, err = net.Listen("tcp4", "0.0.0.0:15006")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		err = install(t, []local.Pod{a, b})
		if err == nil || !strings.Contains(err.Error(), "15006") {
			t.Fatalf("Install = %v, want HAProxy's complaint about port 15006", err)
		}
		for _, p := range []local.Pod{a, b} {
			if ok, err := intercept.Exists(p.Netns); err != nil || ok {
				t.Errorf("pod %s: capture installed although a proxy failed (%v)", p.Name, err)
			}
		}
	})

	t.Run("pod of another cluster", func(t *testing.T) {
		stranger := a
		stranger.Name = "mb-nosuchpod-n0-p0"
		if err := install(t, []local.Pod{a, stranger}); !errors.Is(err, local.ErrPodNotFound) {
			t.Fatalf("Install = %v, want ErrPodNotFound", err)
		}
	})
}

// runDirs lists the run directories of every local cluster.
func runDirs(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob("/run/meshbench/run/*")
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

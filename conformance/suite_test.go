package conformance

import (
	"context"
	"fmt"
	"github.com/meshbench/meshbench/internal/cgroupv2"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meshbench/meshbench/datapath"
	baseline "github.com/meshbench/meshbench/envoy-baseline"
	"github.com/meshbench/meshbench/internal/mesh"
	"github.com/meshbench/meshbench/internal/testenv"
)

// knownFindings are failures the suite found that stay unfixed here. Each
// may fail only where and as described; any other failure, and any pass
// via fallback, fails the test. A finding that no longer fails is logged,
// so the list can shrink.
var knownFindings = []struct{ mesh, cs, placement, detail string }{
	// HAProxy (like most proxies) closes the other side with a FIN when
	// one side resets: the peer sees a clean end of stream.
	{MeshSidecar, "reset", "", "the abort became a graceful close"},
	// splice(2) never sees redirected bytes; only where the datapath's
	// own self-test found it (no splice guard loads on this host).
	{MeshEBPF, "splice-relay", "same-node", "known kernel limitation"},
	{MeshEBPF, "splice-to-file", "same-node", "known kernel limitation"},
}

func known(r Result) bool {
	for _, k := range knownFindings {
		if r.Mesh == k.mesh && r.Case == k.cs && (k.placement == "" || k.placement == r.Placement) && strings.Contains(r.Detail, k.detail) {
			return true
		}
	}
	return false
}

// TestSuite runs the suite for all three meshes on a real topology (in
// -short mode a subset of cases) and wants every case carried by the mesh
// and passed, but for the known findings; then nothing may be left.
func TestSuite(t *testing.T) {
	testenv.RequirePrivileged(t)
	if err := datapath.CheckEnvironment(); err != nil && !datapath.IsEnvironment(err) {
		t.Fatal(err)
	} else if err != nil {
		requireOrSkip(t, "the eBPF datapath: %v", err)
	}
	proxy, err := baseline.Resolve(baseline.ProxyAuto)
	if err != nil {
		requireOrSkip(t, "a sidecar proxy: %v", err)
	}
	run := ""
	if testing.Short() {
		run = "^(ordering|half-close|wakeup|splice-relay|policy|lifecycle|capacity)$"
	}
	cluster := fmt.Sprintf("cf%06x", rand.Uint32()&0xffffff)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	home, err := cgroupv2.Own()
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(ctx, Config{Run: run, Cluster: cluster, Probe: datapath.ProbeNoSplice, Sidecar: baseline.Options{Proxy: proxy}})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range r.Meshes {
		if m.Error != "" {
			t.Errorf("mesh %s: %s", m.Name, m.Error)
		}
	}
	for _, res := range r.Results {
		switch {
		case res.Status == StatusPass, res.Status == StatusNA:
		case res.Status == StatusFail && known(res):
			t.Logf("known finding: %s %s %s: %s", res.Case, res.Mesh, res.Variant(), res.Detail)
		default:
			t.Errorf("%s %s %s: %s: %s (evidence %s)", res.Case, res.Mesh, res.Variant(), res.Status, res.Detail, evidenceString(res.Evidence))
		}
	}
	for _, k := range knownFindings {
		ran := slicesAny(r.Results, func(res Result) bool { return res.Mesh == k.mesh && res.Case == k.cs })
		if ran && !slicesAny(r.Results, func(res Result) bool { return res.Status == StatusFail && res.Mesh == k.mesh && res.Case == k.cs }) {
			t.Logf("known finding %s/%s did not fail here; if it is fixed, drop it from knownFindings", k.mesh, k.cs)
		}
	}
	checkNothingLeft(t, cluster, home)
}

func requireOrSkip(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("conformance needs "+format+" (CI=true, so this fails instead of skipping)", args...)
	}
	t.Skipf("skipping: conformance needs "+format, args...)
}

func slicesAny(rs []Result, f func(Result) bool) bool {
	for _, r := range rs {
		if f(r) {
			return true
		}
	}
	return false
}

// checkNothingLeft: no namespace, datapath pin or cgroup of the cluster,
// and this process back in its own cgroup.
func checkNothingLeft(t *testing.T, cluster, home string) {
	t.Helper()
	if ns, _ := filepath.Glob("/run/netns/mb-" + cluster + "-*"); len(ns) > 0 {
		t.Errorf("namespaces left: %v", ns)
	}
	if _, err := os.Stat(filepath.Join(datapath.DefaultPinRoot, mesh.DatapathInstance(cluster))); !os.IsNotExist(err) {
		t.Errorf("datapath pins left (stat: %v)", err)
	}
	if now, err := cgroupv2.Own(); err != nil || now != home {
		t.Errorf("process left in cgroup %s (%v), started in %s", now, err, home)
	}
}

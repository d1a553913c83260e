package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meshbench/meshbench/bench/results"
	"github.com/meshbench/meshbench/internal/substrate/kind/kindtest"
	"github.com/meshbench/meshbench/reports/schema"
)

// TestRunOnKind is the user's path on Kubernetes: the smoke scenario with
// all three meshes on a kind cluster meshbench creates and deletes. Every
// result must be valid with its mode's evidence, the fingerprint must name
// the cluster, and nothing of the cluster may be left.
func TestRunOnKind(t *testing.T) {
	kindtest.Require(t)
	name := fmt.Sprintf("run%d", time.Now().UnixNano()%1_000_000)
	t.Cleanup(func() { // after a failure part way; a clean run left nothing
		if code, _, stderr := meshbench(t, "down", "--substrate", "kind", "--cluster", name); code != 0 {
			t.Errorf("cleanup down --substrate kind: %s", stderr)
		}
	})
	out := t.TempDir()
	code, stdout, stderr := meshbench(t, "run", "--substrate", "kind", "--cluster", name, "--quick", "--out", out, "../../scenarios/smoke.yaml")
	if code != 0 {
		t.Fatalf("run --substrate kind: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	f, err := results.Read(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.ValidateFile(filepath.Join(out, "results.json")); err != nil {
		t.Errorf("a kind run's results.json breaks the published schema: %v", err)
	}
	if f.Env.Substrate != "kind" || f.Env.Kubernetes != "v1.33.4" || !strings.HasPrefix(f.Env.NodeImageID, "sha256:") {
		t.Errorf("fingerprint does not name the cluster: substrate %q kubernetes %q node image %q %q", f.Env.Substrate, f.Env.Kubernetes, f.Env.NodeImage, f.Env.NodeImageID)
	}
	byMesh := map[string]results.Result{}
	for _, r := range f.Results {
		byMesh[r.Mesh] = r
		if !r.Valid || r.Errors != 0 {
			t.Errorf("%s: not a valid error-free result: %v", r.Mesh, r.Warnings)
		}
	}
	if len(byMesh) != 3 {
		t.Fatalf("got results for %d meshes, want none, sidecar and ebpf", len(byMesh))
	}
	// The default probe mode degrades on a kernel that fails the
	// self-test: then the agents' tc fast path carries every request and
	// response into the other pod; otherwise the sockets are redirected.
	completed := byMesh["ebpf"].Repeats[0].Completed
	switch ev := byMesh["ebpf"].Evidence; {
	case ev["agents_degraded"] > 0:
		if ev["fastpath_peer_packets"] < 2*completed || ev["client_msgs_redirected"] != 0 || ev["server_msgs_redirected"] != 0 {
			t.Errorf("degraded ebpf evidence: want a fast-path packet per request and response, nothing redirected: %v", ev)
		}
	case ev["client_msgs_redirected"] < completed || ev["server_msgs_redirected"] < completed:
		t.Errorf("ebpf evidence does not cover the requests: %v", ev)
	}
	if ev := byMesh["sidecar"].Evidence; ev["server_proxy_inbound_http_requests"] < byMesh["sidecar"].Repeats[0].Completed {
		t.Errorf("sidecar evidence does not cover the requests: %v", ev)
	}
	if f.Env.Proxy != "haproxy" || !strings.HasPrefix(f.Env.ProxyVersion, "2.") {
		t.Errorf("results do not name the sidecar proxy and its version: %q %q", f.Env.Proxy, f.Env.ProxyVersion)
	}
	if ev := byMesh["none"].Evidence; ev["extra_containers"] != 0 || ev["datapath_agents"] != 0 {
		t.Errorf("none ran beside a mesh: %v", ev)
	}
	left, _ := exec.Command("docker", "ps", "-a", "--filter", "label=io.x-k8s.kind.cluster=mb-"+name, "--format", "{{.Names}}").Output()
	if len(strings.TrimSpace(string(left))) > 0 {
		t.Errorf("node containers left behind: %s", left)
	}
}

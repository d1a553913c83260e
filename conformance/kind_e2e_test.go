package conformance

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshbench/meshbench/datapath"
	baseline "github.com/meshbench/meshbench/envoy-baseline"
	"github.com/meshbench/meshbench/internal/kubemesh"
	"github.com/meshbench/meshbench/internal/substrate/kind"
	"github.com/meshbench/meshbench/internal/substrate/kind/kindtest"
)

// TestSuiteOnKind runs a few cases for all three meshes on one two-node
// kind cluster. Same-node eBPF runs must really be redirected socket to
// socket (and policy denied by source pod, and capacity must fill the
// agents' 16-entry flow maps and see sockets refused an entry), the
// sidecar's must go through both proxies, cross-node eBPF runs must be
// carried by the agents' tc fast path and IPv6 runs n/a (the pods are IPv4
// only). Afterwards no pod, ConfigMap or DaemonSet of the
// suite may be left in the cluster.
func TestSuiteOnKind(t *testing.T) {
	kindtest.Require(t)
	ctx := t.Context()
	bin, err := kindtest.Meshbench(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	logs := filepath.Join(t.TempDir(), "kind-logs")
	c, err := kind.Up(ctx, kind.Config{Name: fmt.Sprintf("conf%d", time.Now().UnixNano()%1_000_000), Nodes: 2, LogDir: logs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		bg := context.Background()
		if t.Failed() {
			if err := c.ExportLogs(bg, logs); err != nil {
				t.Errorf("export logs: %v", err)
			}
			t.Logf("cluster logs in %s", logs)
		}
		if err := c.Down(bg); err != nil {
			t.Errorf("delete the cluster: %v", err)
		}
	})
	imgs, err := kind.BuildImages(ctx, bin)
	if err == nil {
		err = c.LoadImages(ctx, imgs.Refs()...)
	}
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(ctx, Config{
		Substrate: SubstrateKind, Kind: &KindConfig{Cluster: c, Images: imgs}, Cluster: c.Name(),
		Run: "^(bytes-small-writes|reset|half-close|policy|capacity|lifecycle)$", Sidecar: baseline.Options{Proxy: baseline.ProxyHAProxy},
		// The socket redirect on kind, which this kernel's self-test keeps
		// the default mode (degrade) from using; TestRunOnKind covers that.
		Probe: datapath.ProbeNoSplice,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Env.Substrate != SubstrateKind || rep.Env.Kubernetes == "" || !strings.HasPrefix(rep.Env.NodeImageID, "sha256:") {
		t.Errorf("the fingerprint does not name the cluster: substrate %q kubernetes %q node image %q", rep.Env.Substrate, rep.Env.Kubernetes, rep.Env.NodeImageID)
	}
	for _, mr := range rep.Meshes {
		if mr.Error != "" {
			t.Errorf("mesh %s: %s", mr.Name, mr.Error)
		}
	}
	for _, mesh := range AllMeshes {
		t.Run(mesh, func(t *testing.T) {
			n := 0
			for _, r := range rep.Results {
				if r.Mesh != mesh {
					continue
				}
				n++
				checkKindResult(t, r)
			}
			if n != 6*len(variants) {
				t.Errorf("%d results, want %d", n, 6*len(variants))
			}
		})
	}
	cs := c.Client().CoreV1()
	pods, err := cs.Pods(kind.Namespace).List(ctx, metav1.ListOptions{LabelSelector: kubemesh.LabelRole + " in (" + kubemesh.RoleIdle + "," + kubemesh.RoleDatapath + ")"})
	if err != nil {
		t.Fatal(err)
	}
	cms, err := cs.ConfigMaps(kind.Namespace).List(ctx, metav1.ListOptions{LabelSelector: kind.ManagedByLabel + "=" + kind.ManagedBy})
	if err != nil {
		t.Fatal(err)
	}
	if len(pods.Items)+len(cms.Items) > 0 {
		t.Errorf("the suite left %d pods and %d config maps in the cluster", len(pods.Items), len(cms.Items))
	}
}

// checkKindResult wants r to be what the mesh and variant give on kind.
func checkKindResult(t *testing.T, r Result) {
	t.Helper()
	what := r.Case + " " + r.Variant()
	switch {
	case r.Case == "policy" && r.Mesh != MeshEBPF:
		if r.Status != StatusNA {
			t.Errorf("%s: %s, want n/a: only the eBPF datapath takes a policy", what, r.Status)
		}
	case r.Case == "capacity" && r.Mesh != MeshEBPF:
		if r.Status != StatusNA {
			t.Errorf("%s: %s, want n/a: only the eBPF datapath has a flow map", what, r.Status)
		}
	case r.Case == "lifecycle" && r.Mesh != MeshEBPF:
		if r.Status != StatusNA || (r.Mesh == MeshSidecar && r.Family == "ipv4" && r.Detail != naKindSidecarLifecycle) {
			t.Errorf("%s: %s %q, want n/a: Kubernetes cannot remove a running pod's sidecar, and none has nothing to remove", what, r.Status, r.Detail)
		}
	case r.Family == "ipv6":
		if r.Status != StatusNA || r.Detail != naKindIPv6 {
			t.Errorf("%s: %s %q, want n/a: the pods are IPv4 only", what, r.Status, r.Detail)
		}
	case kindKnown(r):
		t.Logf("%s: known finding: %s", what, r.Detail)
	case r.Case == "capacity" && r.Placement == "cross-node":
		if r.Status != StatusNA || !strings.Contains(r.Detail, "never short-circuited") {
			t.Errorf("%s: %s %q, want n/a: sockets across nodes take no flow entry", what, r.Status, r.Detail)
		}
	case r.Mesh == MeshEBPF && r.Placement == "cross-node":
		if r.Status != StatusPass || r.Path != pathFastPath || r.Evidence["fastpath_packets"] == 0 {
			t.Errorf("%s: %s via %q (%s, evidence %v), want a pass carried by the agents' tc fast path", what, r.Status, r.Path, r.Detail, r.Evidence)
		}
	case r.Status != StatusPass:
		t.Errorf("%s: %s via %q: %s (evidence %v)", what, r.Status, r.Path, r.Detail, r.Evidence)
	case r.Mesh == MeshEBPF:
		if r.Path != pathRedirect || r.Evidence["msgs_redirected"] == 0 || r.Evidence["conns_paired"] == 0 {
			t.Errorf("%s: path %q evidence %v, want redirected socket to socket", what, r.Path, r.Evidence)
		}
		// The agents found the pods' network namespaces, so the datapath
		// knew which pod called connect(2) and denied by source.
		if r.Case == "policy" && (r.Evidence["policy_denied"] == 0 || r.Evidence["refused_connects"] == 0) {
			t.Errorf("%s: evidence %v, want connects denied by the datapath's policy", what, r.Evidence)
		}
		// The agents were brought up with 16-entry flow maps: the case's
		// 24 connections filled them and the rest were refused an entry.
		if r.Case == "capacity" && (r.Evidence["pair_refused"] == 0 || r.Evidence["flows_full"] == 0 || r.Evidence["flows_full"] > capacityFlows) {
			t.Errorf("%s: evidence %v, want a full flow map of %d sockets and sockets refused an entry", what, r.Evidence, capacityFlows)
		}
		if r.Case == "capacity" {
			t.Logf("%s: %s in %.1fs (agents recreated with %d-entry flow maps, then at full size), evidence %v", what, r.Status, r.Seconds, capacityFlows, r.Evidence)
		}
	case r.Mesh == MeshSidecar:
		if r.Path != pathProxies || r.Evidence["outbound_connections"] == 0 || r.Evidence["inbound_connections"] == 0 {
			t.Errorf("%s: path %q evidence %v, want both proxies", what, r.Path, r.Evidence)
		}
	case r.Path != pathKernel:
		t.Errorf("%s: path %q, want %q", what, r.Path, pathKernel)
	}
}

// kindKnown is the one finding among the cases above, as on local: HAProxy
// closes the other side with a FIN when one side resets.
func kindKnown(r Result) bool {
	return r.Mesh == MeshSidecar && r.Case == "reset" && r.SignallingOnly && strings.Contains(r.Detail, "the abort became a graceful close")
}

package kind_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meshbench/meshbench/internal/substrate/kind"
	"github.com/meshbench/meshbench/internal/substrate/kind/kindtest"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestClusterLifecycle brings up a one-node and a two-node cluster, runs
// pods on every node, checks that TCP bytes cross between them intact and
// that a load Job reports a clean result, then takes each cluster down and
// checks that nothing of it is left.
func TestClusterLifecycle(t *testing.T) {
	kindtest.Require(t)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Minute)
	defer cancel()
	exe, err := kindtest.Meshbench(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	images, err := kind.BuildImages(ctx, exe)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("build images %v: %s", images.Refs(), time.Since(start).Round(time.Millisecond))
	for _, nodes := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d-node", nodes), func(t *testing.T) {
			lifecycle(ctx, t, nodes, images)
		})
	}
}

func lifecycle(ctx context.Context, t *testing.T, nodes int, images kind.Images) {
	name := fmt.Sprintf("it-%dn", nodes)
	start := time.Now()
	c, err := kind.Up(ctx, kind.Config{Name: name, Nodes: nodes})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("up %s (%d nodes): %s", c.KindName(), nodes, time.Since(start).Round(time.Millisecond))
	downed := false
	defer func() {
		if !downed {
			if err := c.Down(context.WithoutCancel(ctx)); err != nil {
				t.Error(err)
			}
		}
	}()

	checkCluster(ctx, t, c, nodes)

	start = time.Now()
	if err := c.LoadImages(ctx, images.Refs()...); err != nil {
		t.Fatal(err)
	}
	t.Logf("load images into %d nodes: %s", nodes, time.Since(start).Round(time.Millisecond))
	start = time.Now()
	if err := c.LoadImages(ctx, images.Refs()...); err != nil {
		t.Fatal(err)
	}
	t.Logf("load images again (skipped where present): %s", time.Since(start).Round(time.Millisecond))

	pods(ctx, t, c, images)

	// Down with a cancelled context, as after Ctrl-C: it must still clean up.
	start = time.Now()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := c.Down(cancelled); err != nil {
		t.Fatal(err)
	}
	downed = true
	t.Logf("down %s: %s", c.KindName(), time.Since(start).Round(time.Millisecond))
	checkGone(ctx, t, c)
}

// checkCluster checks what Up promises: nodes Ready and schedulable, with
// addresses from the plan, the namespace, and the facts.
func checkCluster(ctx context.Context, t *testing.T, c *kind.Cluster, nodes int) {
	ns := c.Nodes()
	if len(ns) != nodes || ns[0].Role != kind.RoleControlPlane {
		t.Fatalf("nodes %+v: want %d, the control plane first", ns, nodes)
	}
	podRange, nodeNet := netip.MustParsePrefix("198.19.128.0/18"), netip.MustParsePrefix("198.19.209.0/24")
	for i, n := range ns {
		if !podRange.Overlaps(n.PodCIDR) || n.PodCIDR.Bits() != 24 || !nodeNet.Contains(n.InternalIP) || n.Container != n.Name {
			t.Errorf("node %+v: want a /24 of %s, an address in %s and its container", n, podRange, nodeNet)
		}
		for _, m := range ns[:i] {
			if m.PodCIDR.Overlaps(n.PodCIDR) {
				t.Errorf("nodes %s and %s share pod addresses %s", m.Name, n.Name, n.PodCIDR)
			}
		}
		api, err := c.Client().CoreV1().Nodes().Get(ctx, n.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, taint := range api.Spec.Taints {
			if taint.Effect == corev1.TaintEffectNoSchedule {
				t.Errorf("node %s keeps taint %s: pods cannot be placed there", n.Name, taint.Key)
			}
		}
	}
	if _, err := c.Client().CoreV1().Namespaces().Get(ctx, kind.Namespace, metav1.GetOptions{}); err != nil {
		t.Errorf("namespace: %v", err)
	}
	if v, err := c.KubernetesVersion(); err != nil || v != "v1.33.4" {
		t.Errorf("KubernetesVersion() = %q, %v", v, err)
	}
	if ref, id := c.NodeImage(); ref != kind.DefaultNodeImage || !strings.HasPrefix(id, "sha256:") {
		t.Errorf("NodeImage() = %q, %q", ref, id)
	}
	names, err := kind.List()
	if err != nil || !slices.Contains(names, c.Name()) {
		t.Errorf("List() = %v, %v: want %s in it", names, err, c.Name())
	}
}

// pods runs a server on the control plane and a client on the last node
// (the worker of two), checks a byte-exact echo between them and a load
// Job's result, and deletes them.
func pods(ctx context.Context, t *testing.T, c *kind.Cluster, images kind.Images) {
	ns := c.Nodes()
	serverNode, clientNode := ns[0], ns[len(ns)-1]
	start := time.Now()
	server, err := c.CreatePod(ctx, kindtest.ServerPod("server", serverNode.Name, images.Meshbench))
	if err != nil {
		t.Fatal(err)
	}
	client, err := c.CreatePod(ctx, kindtest.ClientPod("client", clientNode.Name, images.Meshbench))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("two pods running: %s", time.Since(start).Round(time.Millisecond))
	serverIP := netip.MustParseAddr(server.Status.PodIP)
	if !serverNode.PodCIDR.Contains(serverIP) || !clientNode.PodCIDR.Contains(netip.MustParseAddr(client.Status.PodIP)) {
		t.Errorf("pod addresses %s (node %s) and %s (node %s) are not from their nodes' podCIDRs",
			server.Status.PodIP, serverNode.PodCIDR, client.Status.PodIP, clientNode.PodCIDR)
	}
	for _, size := range []int{1, 64 << 10, 1 << 20} {
		if err := kindtest.EchoCheck(ctx, c, "client", "client", serverIP, size); err != nil {
			t.Error(err)
		}
	}
	out, err := c.RunJob(ctx, kindtest.LoadJob("load", clientNode.Name, images.Meshbench, []string{
		"load", "--json", "--protocol", "tcp", "--target", fmt.Sprintf("%s:%d", serverIP, kindtest.EchoPort),
		"--rate", "200", "--connections", "2", "--duration", "2s", "--payload-bytes", "512",
	}))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := kindtest.Result(out)
	if cerr := out.Close(); cerr != nil {
		t.Error(cerr)
	}
	if err != nil {
		t.Error(err)
	} else if rep.Completed < 300 || rep.Errors != 0 {
		t.Errorf("load job: %d completed, %d errors (%v): want about 400 and none", rep.Completed, rep.Errors, rep.ErrorSamples)
	}
	// A failing Job says so at the end of its logs.
	bad, err := c.RunJob(ctx, kindtest.LoadJob("bad", clientNode.Name, images.Meshbench, []string{"load", "--target", "nonsense"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kindtest.Result(bad); err == nil || !strings.Contains(err.Error(), "exited with code") {
		t.Errorf("a failing job: %v, want its exit code", err)
	}
	_ = bad.Close()
	start = time.Now()
	objs := []metav1.Object{server, client}
	for _, j := range []string{"load", "bad"} {
		job, err := c.Client().BatchV1().Jobs(kind.Namespace).Get(ctx, j, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, job)
	}
	if err := c.Delete(ctx, objs...); err != nil {
		t.Fatal(err)
	}
	left, err := c.Client().CoreV1().Pods(kind.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil || len(left.Items) != 0 {
		t.Errorf("pods left after Delete: %d (%v)", len(left.Items), err)
	}
	t.Logf("delete pods and jobs: %s", time.Since(start).Round(time.Millisecond))
}

// checkGone checks that no container, kubeconfig or (when no other
// meshbench cluster runs or is being created) network of c is left.
func checkGone(ctx context.Context, t *testing.T, c *kind.Cluster) {
	out, err := exec.CommandContext(ctx, "docker", "ps", "-a", "--filter", "label=io.x-k8s.kind.cluster="+c.KindName(), "--format", "{{.Names}}").Output()
	if err != nil || strings.TrimSpace(string(out)) != "" {
		t.Errorf("containers left: %q (%v)", out, err)
	}
	if _, err := os.Stat(c.Kubeconfig()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("kubeconfig %s left: %v", c.Kubeconfig(), err)
	}
	names, err := kind.List()
	if err != nil || slices.Contains(names, c.Name()) {
		t.Errorf("List() = %v, %v after Down", names, err)
	}
	// Down keeps the network while another meshbench (another test package
	// of the same go test run) holds the creation lock between creating
	// the network and starting its nodes, which List shows only then. So a
	// network with no cluster is a leak only if it stays that way.
	deadline := time.Now().Add(time.Minute)
	for {
		gone := exec.CommandContext(ctx, "docker", "network", "inspect", kind.Network).Run() != nil
		names, err := kind.List()
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		if gone || len(names) > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("network %s left with no meshbench cluster for a minute", kind.Network)
			return
		}
		time.Sleep(time.Second)
	}
}

package e2e

import (
	"context"
	"net/netip"
	"testing"

	"github.com/meshbench/meshbench/internal/substrate/kind/kindtest"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/e2e-framework/pkg/envconf"
	"sigs.k8s.io/e2e-framework/pkg/features"
)

// placement is a server pod on the control plane and a client pod on the
// last node (the worker), as meshbench places them cross-node.
type placement struct {
	server, client *corev1.Pod
}

type placementKey struct{}

// placePods is a feature Setup step: it runs the placement and stores it in
// the context for the assessments.
func placePods(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
	t.Helper()
	nodes := cluster.Nodes()
	server, err := cluster.CreatePod(ctx, kindtest.ServerPod("server", nodes[0].Name, images.Meshbench))
	if err != nil {
		t.Fatal(err)
	}
	client, err := cluster.CreatePod(ctx, kindtest.ClientPod("client", nodes[len(nodes)-1].Name, images.Meshbench))
	if err != nil {
		t.Fatal(err)
	}
	return context.WithValue(ctx, placementKey{}, placement{server, client})
}

// removePods is the matching Teardown step.
func removePods(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
	t.Helper()
	p, _ := ctx.Value(placementKey{}).(placement)
	var objs []metav1.Object
	for _, pod := range []*corev1.Pod{p.server, p.client} {
		if pod != nil {
			objs = append(objs, pod)
		}
	}
	if err := cluster.Delete(ctx, objs...); err != nil {
		t.Error(err)
	}
	return ctx
}

func TestMeshNone(t *testing.T) {
	f := features.New("none").
		Setup(placePods).
		Assess("pod-to-pod bytes arrive intact", func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			p := ctx.Value(placementKey{}).(placement)
			if p.server.Spec.NodeName == p.client.Spec.NodeName && len(cluster.Nodes()) > 1 {
				t.Fatalf("server and client both on %s: want them on different nodes", p.server.Spec.NodeName)
			}
			ip := netip.MustParseAddr(p.server.Status.PodIP)
			for _, size := range []int{0, 1, 4096, 1 << 20} {
				if err := kindtest.EchoCheck(ctx, cluster, p.client.Name, "client", ip, size); err != nil {
					t.Error(err)
				}
			}
			return ctx
		}).
		Teardown(removePods).
		Feature()
	testenv.Test(t, f)
}

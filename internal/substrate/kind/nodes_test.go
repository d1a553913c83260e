package kind

import (
	"net/netip"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func apiNode(name string, controlPlane bool, ip, cidr string) corev1.Node {
	n := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{}}, Spec: corev1.NodeSpec{PodCIDR: cidr}}
	if controlPlane {
		n.Labels["node-role.kubernetes.io/control-plane"] = ""
	}
	if ip != "" {
		n.Status.Addresses = []corev1.NodeAddress{
			{Type: corev1.NodeHostName, Address: name},
			{Type: corev1.NodeInternalIP, Address: "2001:2:0:d1::3"}, // IPv4 wins: the pods are IPv4
			{Type: corev1.NodeInternalIP, Address: ip},
		}
	}
	return n
}

func TestNodesFrom(t *testing.T) {
	items := []corev1.Node{
		apiNode("mb-x-worker", false, "198.19.209.3", "198.19.129.0/24"),
		apiNode("mb-x-control-plane", true, "198.19.209.2", "198.19.128.0/24"),
	}
	nodes, pending := nodesFrom(items, map[string]bool{"mb-x-worker": true, "mb-x-control-plane": true})
	if len(pending) != 0 || len(nodes) != 2 {
		t.Fatalf("nodes %v pending %v", nodes, pending)
	}
	want := []Node{
		{Name: "mb-x-control-plane", Role: RoleControlPlane, InternalIP: netip.MustParseAddr("198.19.209.2"), PodCIDR: netip.MustParsePrefix("198.19.128.0/24"), Container: "mb-x-control-plane"},
		{Name: "mb-x-worker", Role: RoleWorker, InternalIP: netip.MustParseAddr("198.19.209.3"), PodCIDR: netip.MustParsePrefix("198.19.129.0/24"), Container: "mb-x-worker"},
	}
	for i := range want {
		if nodes[i] != want[i] {
			t.Errorf("node %d = %+v, want %+v", i, nodes[i], want[i])
		}
	}
	// A node that is no container of ours, and one not set up yet.
	nodes, pending = nodesFrom([]corev1.Node{apiNode("vm-1", true, "198.19.1.1", "198.19.128.0/24"), apiNode("vm-2", false, "", "")}, nil)
	if nodes[0].Container != "" || len(pending) != 1 || pending[0] != "vm-2" {
		t.Errorf("nodes %+v pending %v", nodes, pending)
	}
}

func TestNotReadyReason(t *testing.T) {
	n := apiNode("a", false, "", "")
	if got := notReadyReason(n); got == "" {
		t.Error("a node without conditions counted as Ready")
	}
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionFalse, Reason: "KubeletNotReady", Message: "cni plugin not initialized"}}
	if got := notReadyReason(n); got != "KubeletNotReady cni plugin not initialized" {
		t.Errorf("reason %q", got)
	}
	n.Status.Conditions[0].Status = corev1.ConditionTrue
	if got := notReadyReason(n); got != "" {
		t.Errorf("a Ready node: %q", got)
	}
}

package kind

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
)

// controlPlaneTaint keeps ordinary pods off a control plane; meshbench puts
// the server pod there.
const controlPlaneTaint = "node-role.kubernetes.io/control-plane"

// nodesFrom turns API nodes into Nodes, control plane first. containers
// holds the names of the kind node containers (whose names are their
// Kubernetes node names). A node without podCIDR or InternalIP yet is named
// in the second result.
func nodesFrom(items []corev1.Node, containers map[string]bool) (nodes []Node, pending []string) {
	for _, it := range items {
		n := Node{Name: it.Name, Role: RoleWorker}
		if _, ok := it.Labels[controlPlaneTaint]; ok {
			n.Role = RoleControlPlane
		}
		if containers[it.Name] {
			n.Container = it.Name
		}
		for _, a := range it.Status.Addresses {
			if ip, err := netip.ParseAddr(a.Address); err == nil && a.Type == corev1.NodeInternalIP && ip.Is4() && !n.InternalIP.IsValid() {
				n.InternalIP = ip
			}
		}
		if p, err := netip.ParsePrefix(it.Spec.PodCIDR); err == nil {
			n.PodCIDR = p
		}
		if !n.InternalIP.IsValid() || !n.PodCIDR.IsValid() {
			pending = append(pending, it.Name)
		}
		nodes = append(nodes, n)
	}
	slices.SortFunc(nodes, func(a, b Node) int {
		if a.Role != b.Role {
			if a.Role == RoleControlPlane {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.Name, b.Name)
	})
	return nodes, pending
}

// discover waits until want nodes are registered, each with an InternalIP
// and a podCIDR (the controller manager assigns it shortly after), and
// records them. All are nodes of c's kind cluster.
func (c *Cluster) discover(ctx context.Context, want int) error {
	return poll(ctx, readyTimeout, fmt.Sprintf("wait for %d nodes with a podCIDR", want), func(ctx context.Context) (bool, string, error) {
		list, err := c.client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "list nodes: " + err.Error(), nil // the API server may still be settling
		}
		all := map[string]bool{}
		for _, it := range list.Items {
			all[it.Name] = true
		}
		nodes, pending := nodesFrom(list.Items, all)
		if len(nodes) != want || len(pending) > 0 {
			return false, fmt.Sprintf("%d nodes registered, without podCIDR or InternalIP: %v", len(nodes), pending), nil
		}
		c.nodes = nodes
		return true, "", nil
	})
}

// untaint removes the control plane's NoSchedule taint, so the server pod
// can run there (kind removes it only when there is no worker).
func (c *Cluster) untaint(ctx context.Context) error {
	for _, n := range c.nodes {
		if n.Role != RoleControlPlane {
			continue
		}
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			node, err := c.client.CoreV1().Nodes().Get(ctx, n.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			kept := slices.DeleteFunc(slices.Clone(node.Spec.Taints), func(t corev1.Taint) bool { return t.Key == controlPlaneTaint })
			if len(kept) == len(node.Spec.Taints) {
				return nil
			}
			node.Spec.Taints = kept
			_, err = c.client.CoreV1().Nodes().Update(ctx, node, metav1.UpdateOptions{})
			return err
		})
		if err != nil {
			return fmt.Errorf("remove taint %s from node %s: %w", controlPlaneTaint, n.Name, err)
		}
	}
	return nil
}

// waitReady waits until every node of c reports Ready.
func (c *Cluster) waitReady(ctx context.Context) error {
	return poll(ctx, readyTimeout, "wait for nodes Ready", func(ctx context.Context) (bool, string, error) {
		list, err := c.client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "list nodes: " + err.Error(), nil
		}
		var notReady []string
		for _, it := range list.Items {
			if s := notReadyReason(it); s != "" {
				notReady = append(notReady, it.Name+": "+s)
			}
		}
		if len(list.Items) < len(c.nodes) {
			notReady = append(notReady, fmt.Sprintf("%d of %d nodes registered", len(list.Items), len(c.nodes)))
		}
		return len(notReady) == 0, strings.Join(notReady, "; "), nil
	})
}

// notReadyReason is "" for a Ready node, else why it is not.
func notReadyReason(n corev1.Node) string {
	for _, cond := range n.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			if cond.Status == corev1.ConditionTrue {
				return ""
			}
			return strings.TrimSpace(cond.Reason + " " + cond.Message)
		}
	}
	return "no Ready condition yet"
}

// waitSystem waits until kube-proxy runs on every node, so that Services
// work. (CoreDNS is not waited for: meshbench addresses pods by IP, and its
// readiness costs half a minute.)
func (c *Cluster) waitSystem(ctx context.Context) error {
	return poll(ctx, readyTimeout, "wait for kube-proxy on every node", func(ctx context.Context) (bool, string, error) {
		ds, err := c.client.AppsV1().DaemonSets("kube-system").Get(ctx, "kube-proxy", metav1.GetOptions{})
		if err != nil {
			return false, "kube-proxy: " + err.Error(), nil
		}
		if ds.Status.DesiredNumberScheduled != int32(len(c.nodes)) || ds.Status.NumberReady != ds.Status.DesiredNumberScheduled {
			return false, fmt.Sprintf("kube-proxy ready on %d of %d nodes", ds.Status.NumberReady, len(c.nodes)), nil
		}
		return true, "", nil
	})
}

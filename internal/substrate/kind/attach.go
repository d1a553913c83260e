package kind

import (
	"context"
	"fmt"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kind/pkg/cluster/nodes"
)

// attach reuses the running cluster of cfg.Kubeconfig: it finds its nodes
// and, when they are kind node containers, their kind cluster, checks that
// every node is Ready and creates the meshbench namespace.
func attach(ctx context.Context, cfg Config) (*Cluster, error) {
	c := &Cluster{name: cfg.Name, kubeconfig: cfg.Kubeconfig, reused: true, provider: newProvider()}
	if err := c.connect(); err != nil {
		return nil, err
	}
	list, err := c.client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	containers, err := kindContainers(c.provider)
	if err != nil {
		return nil, err
	}
	isContainer := map[string]bool{}
	for name := range containers {
		isContainer[name] = true
	}
	var pending []string
	c.nodes, pending = nodesFrom(list.Items, isContainer)
	if len(c.nodes) == 0 || len(pending) > 0 {
		return nil, fmt.Errorf("cluster has %d nodes, without podCIDR or InternalIP: %v: want a cluster with pod networking", len(c.nodes), pending)
	}
	for _, n := range c.nodes {
		if k := containers[n.Name]; n.Container != "" && (c.kindName == "" || c.kindName == k) {
			c.kindName = k
		} else {
			c.kindName = "" // not (all) nodes of one kind cluster
			break
		}
	}
	if err := c.waitReady(ctx); err != nil {
		return nil, err
	}
	if err := c.ensureNamespace(ctx); err != nil {
		return nil, err
	}
	if err := c.readNodeImage(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// kindContainers maps the node containers of every kind cluster to their
// cluster's name.
func kindContainers(p interface {
	List() ([]string, error)
	ListNodes(string) ([]nodes.Node, error)
}) (map[string]string, error) {
	names, err := p.List()
	if err != nil {
		return nil, kindError("list kind clusters", err)
	}
	slices.Sort(names)
	out := map[string]string{}
	for _, name := range names {
		ns, err := p.ListNodes(name)
		if err != nil {
			return nil, kindError("list nodes of "+name, err)
		}
		for _, n := range ns {
			out[n.String()] = name
		}
	}
	return out, nil
}

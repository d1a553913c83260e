package kind

import (
	"net/netip"
	"slices"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/kind/pkg/cluster"
)

// Node roles, as kind and Kubernetes name them.
const (
	RoleControlPlane = "control-plane"
	RoleWorker       = "worker"
)

// Node is one node of a cluster.
type Node struct {
	Name       string       // the Kubernetes node name
	Role       string       // RoleControlPlane or RoleWorker
	InternalIP netip.Addr   // on the mb-kind network for kind nodes
	PodCIDR    netip.Prefix // the node's /24 of the cluster's pod subnet
	Container  string       // the node's Docker container; "" when it is not a kind node
}

// Cluster is a running cluster, created by Up or reused from a kubeconfig.
// Its methods are safe for concurrent use.
type Cluster struct {
	name       string // meshbench name
	kindName   string // kind cluster name, mb-<name>; "" for a reused non-kind cluster
	kubeconfig string
	reused     bool // from Config.Kubeconfig: Down deletes no cluster
	provider   *cluster.Provider
	rest       *rest.Config
	client     kubernetes.Interface
	nodes      []Node // control plane first, then workers by name

	nodeImage, nodeImageID string
}

// Name returns the meshbench name of the cluster (Config.Name).
func (c *Cluster) Name() string { return c.name }

// KindName returns the kind cluster's name (mb-<Name>), "" when a reused
// cluster is not a kind cluster.
func (c *Cluster) KindName() string { return c.kindName }

// Kubeconfig returns the path of the cluster's kubeconfig file.
func (c *Cluster) Kubeconfig() string { return c.kubeconfig }

// Client returns a client-go clientset for the cluster.
func (c *Cluster) Client() kubernetes.Interface { return c.client }

// RESTConfig returns a copy of the cluster's REST client configuration.
func (c *Cluster) RESTConfig() *rest.Config { return rest.CopyConfig(c.rest) }

// Nodes returns the nodes, the control plane first.
func (c *Cluster) Nodes() []Node { return slices.Clone(c.nodes) }

// NodeImage returns the node image reference and its image ID, as Docker
// reports them for the control-plane container.
func (c *Cluster) NodeImage() (ref, id string) { return c.nodeImage, c.nodeImageID }

// newProvider is kind's Docker provider, silent (kind's no-op logger).
func newProvider() *cluster.Provider {
	return cluster.NewProvider(cluster.ProviderWithDocker())
}

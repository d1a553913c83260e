package conformance

import (
	"context"
	"fmt"

	"github.com/meshbench/meshbench/bench/fingerprint"
	"github.com/meshbench/meshbench/internal/substrate/local"
)

// Substrates the suite runs on.
const (
	SubstrateLocal = "local" // network namespaces on this host (default)
	SubstrateKind  = "kind"  // pods of a kind cluster sharing this host's kernel
)

// topology is where the suite's pods live: two nodes of podsPerNode pods,
// and each mesh put on them in turn.
type topology interface {
	// env is the report's fingerprint.
	env() fingerprint.Env
	// install puts mesh name on the pods it returns (node-major). On
	// error the mesh, when not nil, can still describe itself.
	install(ctx context.Context, name string) (meshUnderTest, []local.Pod, error)
	// release removes what install made beyond the mesh itself; it runs
	// after every install, failed or not, with the mesh uninstalled.
	release(ctx context.Context) error
	// na says why case c cannot run on mesh in variant v here, "" when it
	// can.
	na(c Case, mesh string, v variant) string
	// down removes the topology.
	down(ctx context.Context) error
}

// newTopology builds cfg's topology.
func newTopology(ctx context.Context, cfg Config) (topology, error) {
	if cfg.Substrate == SubstrateKind {
		return newKindTopology(ctx, cfg)
	}
	c, err := local.Up(ctx, local.Config{Name: cfg.Cluster, Nodes: 2, PodsPerNode: podsPerNode})
	if err != nil {
		return nil, err
	}
	return &localTopology{cfg: cfg, cluster: c}, nil
}

// localTopology is the local substrate: one cluster of network namespaces
// for the whole suite, every mesh installed on the same pods.
type localTopology struct {
	cfg     Config
	cluster *local.Cluster
}

func (t *localTopology) env() fingerprint.Env { return fingerprint.Collect(SubstrateLocal) }

func (t *localTopology) install(ctx context.Context, name string) (meshUnderTest, []local.Pod, error) {
	pods := t.cluster.Pods()
	switch name {
	case MeshSidecar:
		m, err := newSidecar(ctx, t.cluster, t.cfg.Sidecar)
		if err != nil {
			return nil, pods, err
		}
		return m, pods, nil
	case MeshEBPF:
		m, err := newEBPF(ctx, t.cluster, t.cfg.Probe)
		if m == nil {
			return nil, pods, err
		}
		return m, pods, err
	}
	m := &noMesh{c: t.cluster}
	return m, pods, m.install(ctx)
}

func (t *localTopology) release(context.Context) error { return nil }

func (t *localTopology) na(Case, string, variant) string { return "" }

func (t *localTopology) down(context.Context) error {
	// No socket is being made in a pod, so this process is in none of
	// the cgroups Down kills.
	return exclusive(t.cluster.Down)
}

// errNoKind is returned when Config asks for kind without a cluster.
var errNoKind = fmt.Errorf("%w: substrate kind needs Config.Kind (a cluster with the images loaded)", ErrInvalid)

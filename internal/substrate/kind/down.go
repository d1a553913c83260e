package kind

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kind/pkg/cluster"
)

// kindClusterLabel is the label kind puts on every node container.
const kindClusterLabel = "io.x-k8s.kind.cluster"

// downTimeout bounds Down, DownCluster and DownAll. They run to the end
// even when their ctx is already cancelled (Ctrl-C is when cleanup matters
// most): ctx gives only its values.
const downTimeout = 2 * time.Minute

func downContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), downTimeout)
}

// Down removes what Up made. A cluster Up created is deleted (its node
// containers and kubeconfig), and the mb-kind network with it when no
// meshbench cluster is left. A reused cluster is left running: only the
// meshbench namespace is deleted, and waited for. Down finishes even when
// ctx is already cancelled.
func (c *Cluster) Down(ctx context.Context) error {
	ctx, cancel := downContext(ctx)
	defer cancel()
	if c.reused {
		if err := c.deleteNamespace(ctx); err != nil {
			return fmt.Errorf("down reused cluster %s: %w", c.kubeconfig, err)
		}
		return nil
	}
	if err := deleteCluster(ctx, c.provider, c.kindName); err != nil {
		return fmt.Errorf("down kind cluster %s: %w", c.kindName, err)
	}
	return nil
}

// deleteNamespace deletes the meshbench namespace when it is meshbench's.
func (c *Cluster) deleteNamespace(ctx context.Context) error {
	ns, err := c.client.CoreV1().Namespaces().Get(ctx, Namespace, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get namespace %s: %w", Namespace, err)
	}
	if ns.Labels[ManagedByLabel] != ManagedBy {
		return nil // not ours to delete
	}
	if err := c.client.CoreV1().Namespaces().Delete(ctx, Namespace, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete namespace %s: %w", Namespace, err)
	}
	return poll(ctx, deleteTimeout, "wait for namespace "+Namespace+" to go", func(ctx context.Context) (bool, string, error) {
		_, err := c.client.CoreV1().Namespaces().Get(ctx, Namespace, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, "", nil
		}
		if err != nil {
			return false, err.Error(), nil
		}
		return false, "still terminating", nil
	})
}

// DownCluster deletes the meshbench kind cluster called name ("" for
// "default") from its name alone, and the mb-kind network when no meshbench
// cluster is left. It is idempotent and, like Down, finishes after ctx is
// cancelled.
func DownCluster(ctx context.Context, name string) error {
	cfg, err := Config{Name: name, Nodes: 1}.Normalize()
	if err != nil {
		return err
	}
	ctx, cancel := downContext(ctx)
	defer cancel()
	if err := requireDocker(ctx); err != nil {
		return err
	}
	if err := deleteCluster(ctx, newProvider(), kindName(cfg.Name)); err != nil {
		return fmt.Errorf("down kind cluster %s: %w", kindName(cfg.Name), err)
	}
	return nil
}

// DownAll removes every kind cluster whose name starts with mb-, any node
// container still labelled for one, their kubeconfigs, the mb-kind
// network and the per-binary images (RemoveBuiltImages). It needs nothing but names, so it cleans up after a run killed
// with kill -9, and it is idempotent and, like Down, finishes after ctx is
// cancelled. Other kind clusters are left alone.
func DownAll(ctx context.Context) error {
	ctx, cancel := downContext(ctx)
	defer cancel()
	if err := requireDocker(ctx); err != nil {
		return err
	}
	p := newProvider()
	names, err := p.List()
	if err != nil {
		return fmt.Errorf("down all kind clusters: %w", kindError("list kind clusters", err))
	}
	var errs []error
	for _, name := range names {
		if strings.HasPrefix(name, Prefix) {
			errs = append(errs, deleteNodes(ctx, p, name))
		}
	}
	errs = append(errs, removeContainers(ctx))
	if kcs, err := filepath.Glob(filepath.Join(stateDir, "kind-*.kubeconfig*")); err == nil {
		for _, f := range kcs {
			if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	errs = append(errs, removeNetworkLocked(ctx, nil), RemoveBuiltImages(ctx))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("down all kind clusters: %w", err)
	}
	return nil
}

// List returns the names (Config.Name, without the mb- prefix) of the
// meshbench kind clusters that exist, sorted.
func List() ([]string, error) {
	names, err := newProvider().List()
	if err != nil {
		return nil, kindError("list kind clusters", err)
	}
	var ours []string
	for _, n := range names {
		if name, ok := nameOf(n); ok {
			ours = append(ours, name)
		}
	}
	slices.Sort(ours)
	return ours, nil
}

// deleteCluster deletes one kind cluster and its kubeconfig, then the
// mb-kind network if no meshbench cluster is left.
func deleteCluster(ctx context.Context, p *cluster.Provider, kindCluster string) error {
	return errors.Join(deleteNodes(ctx, p, kindCluster), removeNetworkLocked(ctx, p))
}

// removeNetworkLocked removes the mb-kind network, when p is not nil only if
// p lists no meshbench cluster. It holds the creation lock meanwhile: an Up
// between ensuring the network and starting its nodes would otherwise see
// the network vanish, and kind would create one of its own under that name.
// While another Up holds the lock, the network is kept: that Up needs it.
func removeNetworkLocked(ctx context.Context, p *cluster.Provider) error {
	unlock, ok, err := tryLockCreate()
	if err != nil || !ok {
		return err
	}
	defer unlock()
	if p != nil {
		names, err := p.List()
		if err != nil {
			return kindError("list kind clusters", err)
		}
		if slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, Prefix) }) {
			return nil // still in use
		}
	}
	return removeNetwork(ctx)
}

// deleteNodes deletes a kind cluster's nodes with kind, and its kubeconfig.
func deleteNodes(ctx context.Context, p *cluster.Provider, kindCluster string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	kc := kubeconfigPath(strings.TrimPrefix(kindCluster, Prefix))
	// kind locks the kubeconfig's directory entry before editing it; never
	// let it fall back to the user's ~/.kube/config.
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", stateDir, err)
	}
	errs := []error{kindError("kind delete "+kindCluster, p.Delete(kindCluster, kc))}
	for _, f := range []string{kc, kc + ".lock"} {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// removeContainers force-removes node containers labelled for a meshbench
// kind cluster that kind's delete left (one being created meanwhile).
func removeContainers(ctx context.Context) error {
	out, err := docker(ctx, nil, "ps", "-a", "--filter", "label="+kindClusterLabel,
		"--format", `{{.Names}} {{.Label "`+kindClusterLabel+`"}}`)
	if err != nil {
		return fmt.Errorf("list kind node containers: %w", err)
	}
	var ours []string
	for _, l := range lines(out) {
		if f := strings.Fields(l); len(f) == 2 && strings.HasPrefix(f[1], Prefix) {
			ours = append(ours, f[0])
		}
	}
	if len(ours) == 0 {
		return nil
	}
	if _, err := docker(ctx, nil, append([]string{"rm", "-f", "-v"}, ours...)...); err != nil && !notFound(err) {
		return fmt.Errorf("remove node containers: %w", err)
	}
	return nil
}

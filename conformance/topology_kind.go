package conformance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshbench/meshbench/bench/fingerprint"
	"github.com/meshbench/meshbench/internal/kubemesh"
	"github.com/meshbench/meshbench/internal/substrate/kind"
	"github.com/meshbench/meshbench/internal/substrate/local"
)

// KindConfig is the kind cluster the suite runs on: up, with at least two
// nodes and the images built from this binary loaded into them. The
// caller creates and deletes it; the suite deletes what it creates in it.
type KindConfig struct {
	Cluster *kind.Cluster
	Images  kind.Images
}

// kindTopology runs the suite on a kind cluster. Pods cannot take a
// sidecar or lose one once they run, so every mesh gets a fresh set of
// idle pods (podsPerNode on each of the first two nodes), which the suite
// enters from this host: kind nodes share its kernel, so each pod's
// process is one of the host's, with its network namespace and cgroup.
type kindTopology struct {
	cfg   Config
	c     *kind.Cluster
	nodes [2]string // the control plane first
	nonce string    // tells this run's pods from every other on the host

	mu   sync.Mutex
	objs []metav1.Object // the current mesh's, deleted by release
}

func newKindTopology(ctx context.Context, cfg Config) (*kindTopology, error) {
	nodes := cfg.Kind.Cluster.Nodes()
	if len(nodes) < 2 {
		return nil, fmt.Errorf("%w: conformance on kind needs two nodes (same-node and cross-node runs); cluster %s has %d", ErrInvalid, cfg.Kind.Cluster.Name(), len(nodes))
	}
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	t := &kindTopology{cfg: cfg, c: cfg.Kind.Cluster, nonce: hex.EncodeToString(b)}
	t.nodes = [2]string{nodes[0].Name, nodes[1].Name}
	return t, ctx.Err()
}

// env names the cluster in the fingerprint: Kubernetes version and node
// image, as a kind benchmark run's results do.
func (t *kindTopology) env() fingerprint.Env {
	env := fingerprint.Collect(SubstrateKind)
	if v, err := t.c.KubernetesVersion(); err == nil {
		env.Kubernetes = v
	}
	env.NodeImage, env.NodeImageID = t.c.NodeImage()
	return env
}

// Why a case or variant cannot run on kind.
const (
	naKindIPv6             = "the kind cluster's pods are single-stack IPv4 (kind-configs: ipFamily ipv4): no pod has an IPv6 address"
	naKindSidecarLifecycle = "on Kubernetes a running pod's sidecar cannot be removed and re-added: that takes a new pod, which ends its connections"
)

func (t *kindTopology) na(c Case, mesh string, v variant) string {
	switch {
	case v.v6:
		return naKindIPv6
	case mesh == MeshSidecar && c.Name == "lifecycle":
		return naKindSidecarLifecycle
	}
	return ""
}

func (t *kindTopology) install(ctx context.Context, name string) (meshUnderTest, []local.Pod, error) {
	if name == MeshSidecar {
		if err := t.sidecarConfig(ctx); err != nil {
			return nil, nil, err
		}
	}
	pods, err := t.createPods(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	switch name {
	case MeshSidecar:
		m := &kindSidecar{t: t, pods: pods}
		return m, pods, m.install(ctx)
	case MeshEBPF:
		st, err := runSelfTest(ctx)
		if err != nil {
			return nil, pods, err
		}
		m := &kindEBPF{t: t, pods: pods, selfTest: st, base: map[string]int64{}}
		if err := m.createEndpoints(ctx); err != nil {
			return nil, pods, err
		}
		return m, pods, m.install(ctx)
	}
	m := &kindNone{t: t, pods: pods}
	return m, pods, m.install(ctx)
}

// track records objects for release before they are created, so that a
// create that fails half way is cleaned up too.
func (t *kindTopology) track(objs ...metav1.Object) {
	t.mu.Lock()
	t.objs = append(t.objs, objs...)
	t.mu.Unlock()
}

// release deletes the current mesh's objects, last created first, and
// waits until they are gone.
func (t *kindTopology) release(ctx context.Context) error {
	t.mu.Lock()
	objs := make([]metav1.Object, 0, len(t.objs))
	for i := len(t.objs) - 1; i >= 0; i-- {
		objs = append(objs, t.objs[i])
	}
	t.objs = nil
	t.mu.Unlock()
	if len(objs) == 0 {
		return nil
	}
	return t.c.Delete(ctx, objs...)
}

// down deletes whatever a mesh left (the cluster is the caller's).
func (t *kindTopology) down(ctx context.Context) error { return t.release(ctx) }

// sidecarConfigMap holds the conformance sidecars' haproxy.cfg.
const sidecarConfigMap = "conformance-sidecar"

func (t *kindTopology) sidecarConfig(ctx context.Context) error {
	cm, err := kubemesh.SidecarConfigMap(sidecarConfigMap, t.cfg.Sidecar)
	if err != nil {
		return err
	}
	t.track(cm)
	cms := t.c.Client().CoreV1().ConfigMaps(kind.Namespace)
	if _, err := cms.Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create config map %s: %w", cm.Name, err)
	}
	return nil
}

func (t *kindTopology) sidecarOptions() kubemesh.SidecarOptions {
	return kubemesh.SidecarOptions{InitImage: t.cfg.Kind.Images.Meshbench, ProxyImage: t.cfg.Kind.Images.Sidecar, ConfigMap: sidecarConfigMap}
}

// podName is pod j of node n for mesh: short enough for a datapath
// endpoint name, and apart from every other run's.
func (t *kindTopology) podName(mesh string, n, j int) string {
	return fmt.Sprintf("conf-%s-%s-n%d-p%d", mesh, t.nonce, n, j)
}

// createPods creates the mesh's idle pods at once (with the sidecar
// injected for mesh sidecar), waits until all run and finds each one's
// process on this host.
func (t *kindTopology) createPods(ctx context.Context, mesh string) ([]local.Pod, error) {
	type made struct {
		name, node, token string
		ip                netip.Addr
		err               error
	}
	out := make([]made, 2*podsPerNode)
	var wg sync.WaitGroup
	for i := range out {
		n, j := i/podsPerNode, i%podsPerNode
		name := t.podName(mesh, n, j)
		out[i] = made{name: name, node: t.nodes[n], token: name + "." + t.nonce}
		pod, err := kubemesh.IdlePod(kubemesh.IdleOptions{Name: name, Node: t.nodes[n], Mode: mesh, Image: t.cfg.Kind.Images.Meshbench, Token: out[i].token})
		if err == nil && mesh == MeshSidecar {
			err = kubemesh.InjectSidecar(pod, t.sidecarOptions())
		}
		if err != nil {
			return nil, err
		}
		t.track(pod)
		wg.Add(1)
		go func() {
			defer wg.Done()
			created, err := t.c.CreatePod(ctx, pod)
			if err == nil {
				out[i].ip, err = netip.ParseAddr(created.Status.PodIP)
				if err == nil && !out[i].ip.Is4() {
					err = fmt.Errorf("pod %s: address %s is not IPv4", name, out[i].ip)
				}
			}
			out[i].err = err
		}()
	}
	wg.Wait()
	var errs []error
	tokens := map[string]string{}
	for _, m := range out {
		errs = append(errs, m.err)
		tokens[m.token] = m.name
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	procs, err := findPodProcesses(ctx, tokens)
	if err != nil {
		return nil, err
	}
	pods := make([]local.Pod, len(out))
	for i, m := range out {
		p := procs[m.name]
		pods[i] = local.Pod{Name: m.name, Node: m.node, IPv4: m.ip, Netns: p.netns, Cgroup: p.cgroup}
	}
	return pods, nil
}

// Package kubestep runs the benchmark's steps on a Kubernetes cluster: for
// every step a fresh server pod (with an injected sidecar in mode sidecar),
// the load generator as a gated Job on the node the placement asks for, the
// eBPF datapath as a DaemonSet told about both pods before any traffic (mode
// ebpf), and the evidence each mode leaves. It is the runner's Kube.
package kubestep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshbench/meshbench/bench/fingerprint"
	"github.com/meshbench/meshbench/bench/runner"
	"github.com/meshbench/meshbench/datapath"
	baseline "github.com/meshbench/meshbench/envoy-baseline"
	"github.com/meshbench/meshbench/internal/kubemesh"
	"github.com/meshbench/meshbench/internal/substrate/kind"
	"github.com/meshbench/meshbench/scenarios"
)

// Options configure a Backend.
type Options struct {
	Cluster *kind.Cluster
	Images  kind.Images
	// Sidecar configures the proxies of mode sidecar (HAProxy: the only
	// sidecar image this project builds).
	Sidecar baseline.Options
	// Probe is what the datapath agents do with a failed kernel self-test.
	Probe datapath.ProbeMode
}

// Backend places steps on the cluster. The server runs on the first node
// (the control plane), the client on the same node or on the second.
type Backend struct {
	o          Options
	serverNode string
	otherNode  string

	mu           sync.Mutex
	seq          int
	sidecarReady bool
	proxyVersion string // read from the first sidecar, `haproxy -v`
}

// sidecarConfigMap holds every proxy's haproxy.cfg.
const sidecarConfigMap = "meshbench-sidecar"

// New checks the cluster has a node for the server (and names the other
// node for cross-node steps when there is one).
func New(o Options) (*Backend, error) {
	nodes := o.Cluster.Nodes()
	if len(nodes) == 0 {
		return nil, errors.New("kubestep: the cluster has no nodes")
	}
	b := &Backend{o: o, serverNode: nodes[0].Name}
	if len(nodes) > 1 {
		b.otherNode = nodes[1].Name
	}
	return b, nil
}

// Describe puts the cluster's Kubernetes version and node image in the
// fingerprint.
func (b *Backend) Describe(env *fingerprint.Env) {
	if v, err := b.o.Cluster.KubernetesVersion(); err == nil {
		env.Kubernetes = v
	}
	env.NodeImage, env.NodeImageID = b.o.Cluster.NodeImage()
}

// Warnings say what a kind run measures differently from a local one.
func (b *Backend) Warnings() []string {
	return []string{
		"kind: cpu.host_cores is the whole host's busy time (nodes, control plane and harness included); per-pod CPU, memory and BPF run time are not separated",
		"kind: the CPU window follows the load Job's log stream, which lags the generator by the kubelet's log delivery",
	}
}

// Prepare creates the step's server pod, with its sidecar in mode sidecar,
// and waits until it is ready.
func (b *Backend) Prepare(ctx context.Context, mesh string, t runner.KubeTarget) (runner.KubeStep, error) {
	b.mu.Lock()
	b.seq++
	s := &step{b: b, mesh: mesh, t: t, name: fmt.Sprintf("%s-%d", mesh, b.seq), clientNode: b.serverNode}
	b.mu.Unlock()
	if t.Placement == scenarios.PlacementCrossNode {
		if b.otherNode == "" {
			return nil, errors.New("cross-node step on a one-node cluster")
		}
		s.clientNode = b.otherNode
	}
	switch mesh {
	case scenarios.MeshNone, scenarios.MeshEBPF:
	case scenarios.MeshSidecar:
		if err := b.ensureSidecarConfig(ctx); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("mesh %q: not available on kind", mesh)
	}
	pod, err := kubemesh.ServerPod(kubemesh.ServerOptions{Name: "server-" + s.name, Node: b.serverNode, Mode: mesh,
		Image: b.o.Images.Meshbench, ReadinessPort: readinessPort(t)})
	if err != nil {
		return nil, err
	}
	if mesh == scenarios.MeshSidecar {
		if err := kubemesh.InjectSidecar(pod, b.sidecarOptions()); err != nil {
			return nil, err
		}
	}
	s.objs = append(s.objs, pod)
	created, err := b.o.Cluster.CreatePod(ctx, pod)
	if err != nil {
		return nil, errors.Join(err, s.Remove(context.WithoutCancel(ctx)))
	}
	s.server = created
	if s.serverIP, err = netip.ParseAddr(created.Status.PodIP); err != nil {
		return nil, errors.Join(fmt.Errorf("server pod %s: address %q: %w", created.Name, created.Status.PodIP, err), s.Remove(context.WithoutCancel(ctx)))
	}
	if mesh == scenarios.MeshSidecar {
		if err := b.readProxyVersion(ctx, created.Name); err != nil {
			return nil, errors.Join(err, s.Remove(context.WithoutCancel(ctx)))
		}
	}
	return s, nil
}

// readProxyVersion asks the first sidecar for its HAProxy version
// ("HAProxy version 2.6.12-1+deb12u2 2025/..." gives 2.6.12-1+deb12u2),
// which the results name.
func (b *Backend) readProxyVersion(ctx context.Context, pod string) error {
	b.mu.Lock()
	known := b.proxyVersion != ""
	b.mu.Unlock()
	if known {
		return nil
	}
	var out, errb strings.Builder
	if err := b.o.Cluster.Exec(ctx, pod, kubemesh.ProxyContainer, []string{"haproxy", "-v"}, nil, &out, &errb); err != nil {
		return fmt.Errorf("haproxy -v in %s: %w: %s", pod, err, errb.String())
	}
	f := strings.Fields(out.String())
	if len(f) < 3 || f[0] != "HAProxy" || f[1] != "version" {
		return fmt.Errorf("haproxy -v in %s: unexpected answer %q", pod, out.String())
	}
	b.mu.Lock()
	b.proxyVersion = f[2]
	b.mu.Unlock()
	return nil
}

func readinessPort(t runner.KubeTarget) int {
	if t.Protocol == scenarios.ProtocolHTTP {
		return runner.HTTPPort
	}
	return runner.TCPPort
}

func (b *Backend) sidecarOptions() kubemesh.SidecarOptions {
	return kubemesh.SidecarOptions{InitImage: b.o.Images.Meshbench, ProxyImage: b.o.Images.Sidecar, ConfigMap: sidecarConfigMap}
}

// ensureSidecarConfig creates the proxies' ConfigMap once per run.
func (b *Backend) ensureSidecarConfig(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.sidecarReady {
		return nil
	}
	cm, err := kubemesh.SidecarConfigMap(sidecarConfigMap, b.o.Sidecar)
	if err != nil {
		return err
	}
	cms := b.o.Cluster.Client().CoreV1().ConfigMaps(kind.Namespace)
	if err := cms.Delete(ctx, cm.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("replace config map %s: %w", cm.Name, err)
	}
	if _, err := cms.Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create config map %s: %w", cm.Name, err)
	}
	b.sidecarReady = true
	return nil
}

// step is one step's objects on the cluster.
type step struct {
	b          *Backend
	mesh       string
	t          runner.KubeTarget
	name       string
	clientNode string

	server   *corev1.Pod
	serverIP netip.Addr
	client   *corev1.Pod // the load Job's pod, once it has an address
	agents   map[string]string
	objs     []metav1.Object // deleted by Remove, last first
}

func (s *step) Server() netip.Addr { return s.serverIP }

// ClientPod names the load Job's pod once Load has started it: tests exec
// their own checks in it while it is held.
func (s *step) ClientPod() string { return s.clientName() }

// Load creates the gated load Job, waits for its pod's address, installs
// the datapath in mode ebpf, opens the gate and follows the generator.
func (s *step) Load(ctx context.Context, args []string) (io.ReadCloser, error) {
	job, err := kubemesh.LoadJob(kubemesh.LoadOptions{Name: "load-" + s.name, Node: s.clientNode, Mode: s.mesh,
		Image: s.b.o.Images.Meshbench, Args: args, Gate: true, Hold: true})
	if err != nil {
		return nil, err
	}
	if s.mesh == scenarios.MeshSidecar {
		if err := kubemesh.InjectSidecarJob(job, s.b.sidecarOptions()); err != nil {
			return nil, err
		}
	}
	s.objs = append(s.objs, job)
	pod, err := s.b.o.Cluster.StartJob(ctx, job, kubemesh.GateContainer)
	if err != nil {
		return nil, err
	}
	s.client = pod
	if s.mesh == scenarios.MeshEBPF {
		if err := s.installDatapath(ctx); err != nil {
			return nil, err
		}
	}
	if err := s.b.o.Cluster.Exec(ctx, pod.Name, kubemesh.GateContainer, kubemesh.OpenGateCommand(), nil, io.Discard, io.Discard); err != nil {
		return nil, fmt.Errorf("open the gate of %s: %w", pod.Name, err)
	}
	return s.b.o.Cluster.FollowJob(ctx, job.Name, pod.Name, "load")
}

// Release lets the load pod's generator exit.
func (s *step) Release(ctx context.Context) error {
	if s.client == nil {
		return nil
	}
	var stderr strings.Builder
	if err := s.b.o.Cluster.Exec(ctx, s.client.Name, "load", kubemesh.ReleaseCommand(), nil, io.Discard, &stderr); err != nil {
		return fmt.Errorf("release load pod %s: %w: %s", s.client.Name, err, stderr.String())
	}
	return nil
}

// Remove deletes what the step created, the datapath first so it is
// detached before the pods it serves go.
func (s *step) Remove(ctx context.Context) error {
	objs := make([]metav1.Object, 0, len(s.objs))
	for i := len(s.objs) - 1; i >= 0; i-- {
		objs = append(objs, s.objs[i])
	}
	s.objs = nil
	if len(objs) == 0 {
		return nil
	}
	return s.b.o.Cluster.Delete(ctx, objs...)
}

func (s *step) Info() map[string]string {
	info := map[string]string{"mesh": s.mesh, "substrate": "kind", "server_node": s.b.serverNode, "client_node": s.clientNode}
	switch s.mesh {
	case scenarios.MeshSidecar:
		s.b.mu.Lock()
		info["proxy"], info["version"] = "haproxy", s.b.proxyVersion
		s.b.mu.Unlock()
	case scenarios.MeshEBPF:
		info["probe"] = s.b.o.Probe.String()
		info["agents"] = fmt.Sprint(len(s.agents))
	}
	return info
}

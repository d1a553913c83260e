package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	baseline "github.com/meshbench/meshbench/envoy-baseline"
	"github.com/meshbench/meshbench/internal/cgroupv2"
	"github.com/meshbench/meshbench/internal/kubemesh"
	"github.com/meshbench/meshbench/internal/substrate/kind"
	"github.com/meshbench/meshbench/internal/substrate/local"
)

// kindReadTimeout bounds reading a kind mesh's evidence outside a run.
const kindReadTimeout = 30 * time.Second

// kindNone is mesh none on kind: plain pods. Its info records that
// nothing acts on them: no BPF program effective on their cgroups, no
// container beside the idle one, no datapath agent in the namespace.
type kindNone struct {
	t    *kindTopology
	pods []local.Pod
}

func (m *kindNone) name() string { return MeshNone }

func (m *kindNone) info() map[string]string {
	ctx, cancel := context.WithTimeout(context.Background(), kindReadTimeout)
	defer cancel()
	progs, extra := 0, 0
	for _, p := range m.pods {
		n, err := cgroupv2.EffectiveBPF(p.Cgroup)
		if err != nil {
			return map[string]string{"evidence_error": err.Error()}
		}
		progs += n
		kp, err := m.t.c.Client().CoreV1().Pods(kind.Namespace).Get(ctx, p.Name, metav1.GetOptions{})
		if err != nil {
			return map[string]string{"evidence_error": fmt.Sprintf("read pod %s: %v", p.Name, err)}
		}
		extra += len(kp.Spec.Containers) - 1 + len(kp.Spec.InitContainers)
	}
	agents, err := m.t.c.Client().CoreV1().Pods(kind.Namespace).List(ctx, metav1.ListOptions{LabelSelector: kubemesh.LabelRole + "=" + kubemesh.RoleDatapath})
	if err != nil {
		return map[string]string{"evidence_error": fmt.Sprintf("list datapath agents: %v", err)}
	}
	return map[string]string{
		"bpf_programs_on_pods": strconv.Itoa(progs), "containers_beside_app": strconv.Itoa(extra),
		"datapath_agents": strconv.Itoa(len(agents.Items)),
	}
}

func (m *kindNone) counters(context.Context) (map[string]int64, error) {
	return map[string]int64{}, nil
}

func (m *kindNone) judge(map[string]int64, []local.Pod, bool) (map[string]int64, string) {
	return nil, pathKernel
}

// install refuses to call the pods "none" when something acts on them.
func (m *kindNone) install(context.Context) error {
	i := m.info()
	if e := i["evidence_error"]; e != "" {
		return fmt.Errorf("mesh none: %s", e)
	}
	for _, k := range []string{"bpf_programs_on_pods", "containers_beside_app", "datapath_agents"} {
		if i[k] != "0" {
			return fmt.Errorf("mesh none: the pods are not bare: %s = %s", k, i[k])
		}
	}
	return nil
}

func (m *kindNone) uninstall() error { return nil }

// kindSidecar is HAProxy injected into every pod as Kubernetes runs
// sidecars (kubemesh.InjectSidecar), the capture installed by the pods'
// init containers. The pods come and go with the mesh, so install and
// uninstall only check and describe.
type kindSidecar struct {
	t       *kindTopology
	pods    []local.Pod
	version string
}

func (m *kindSidecar) name() string { return MeshSidecar }

// install reads the proxies' version from the first one, which also shows
// they answer.
func (m *kindSidecar) install(ctx context.Context) error {
	var out, errb strings.Builder
	pod := m.pods[0].Name
	if err := m.t.c.Exec(ctx, pod, kubemesh.ProxyContainer, []string{"haproxy", "-v"}, nil, &out, &errb); err != nil {
		return fmt.Errorf("haproxy -v in %s: %w: %s", pod, err, errb.String())
	}
	f := strings.Fields(out.String())
	if len(f) < 3 || f[0] != "HAProxy" || f[1] != "version" {
		return fmt.Errorf("haproxy -v in %s: unexpected answer %q", pod, out.String())
	}
	m.version = f[2]
	return nil
}

func (m *kindSidecar) uninstall() error { return nil }

func (m *kindSidecar) info() map[string]string {
	return map[string]string{
		"proxy": baseline.ProxyHAProxy, "version": m.version, "workers": strconv.Itoa(m.t.cfg.Sidecar.Workers),
		"mtls": "false", "capture": "iptables REDIRECT installed by the injected init container " + kubemesh.InitContainer,
	}
}

// counters reads every proxy's stats page, all at once, into the local
// sidecar's keys.
func (m *kindSidecar) counters(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, len(m.pods))
	for i, p := range m.pods {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var stats, errb bytes.Buffer
			if err := m.t.c.Exec(ctx, p.Name, kubemesh.ProxyContainer, kubemesh.ProxyStatsCommand(), nil, &stats, &errb); err != nil {
				errs[i] = fmt.Errorf("read proxy counters of %s: %w: %s", p.Name, err, errb.String())
				return
			}
			pc, err := baseline.ParseHAProxyStats(&stats)
			if err != nil {
				errs[i] = fmt.Errorf("proxy counters of %s: %w", p.Name, err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			out[p.Name+"/outbound_connections"] = int64(pc.Outbound.Connections)
			out[p.Name+"/inbound_connections"] = int64(pc.Inbound.Connections)
			out[p.Name+"/outbound_bytes"] = int64(pc.Outbound.BytesIn + pc.Outbound.BytesOut)
			out[p.Name+"/inbound_bytes"] = int64(pc.Inbound.BytesIn + pc.Inbound.BytesOut)
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// judge has the local sidecar's evidence and rule: the traffic went
// through the mesh when some proxy took the connections outbound and some
// proxy delivered them inbound.
func (m *kindSidecar) judge(delta map[string]int64, pods []local.Pod, _ bool) (map[string]int64, string) {
	ev := perPod(delta, pods, "outbound_connections", "inbound_connections", "outbound_bytes", "inbound_bytes")
	if ev["outbound_connections"] > 0 && ev["inbound_connections"] > 0 {
		return ev, pathProxies
	}
	return ev, pathFallback
}

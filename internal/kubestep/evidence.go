package kubestep

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	baseline "github.com/meshbench/meshbench/envoy-baseline"
	"github.com/meshbench/meshbench/internal/kubemesh"
	"github.com/meshbench/meshbench/internal/kubemesh/agent"
	"github.com/meshbench/meshbench/internal/mesh"
	"github.com/meshbench/meshbench/internal/substrate/kind"
	"github.com/meshbench/meshbench/scenarios"
)

// agentTimeout bounds the wait for every datapath agent to attach.
const agentTimeout = 2 * time.Minute

// installDatapath gives the agents the two pods as endpoints and starts
// the DaemonSet, then waits until the agent of every node the pods run on
// has attached. The DaemonSet and its ConfigMap belong to the step.
func (s *step) installDatapath(ctx context.Context) error {
	eps := []agent.Endpoint{
		{Name: s.server.Name, IPv4: s.serverIP, Node: s.b.serverNode},
	}
	clientIP, err := netip.ParseAddr(s.client.Status.PodIP)
	if err != nil {
		return fmt.Errorf("load pod %s: address %q: %w", s.client.Name, s.client.Status.PodIP, err)
	}
	eps = append(eps, agent.Endpoint{Name: s.client.Name, IPv4: clientIP, Node: s.clientNode})
	cmName := "datapath-" + s.name
	cm, err := kubemesh.EndpointsConfigMap(cmName, eps)
	if err != nil {
		return err
	}
	ds, err := kubemesh.DatapathDaemonSet(kubemesh.DatapathOptions{Name: "datapath-" + s.name, Cluster: s.b.o.Cluster.Name(),
		Image: s.b.o.Images.Meshbench, EndpointsConfigMap: cmName, Probe: s.b.o.Probe})
	if err != nil {
		return err
	}
	c := s.b.o.Cluster.Client()
	s.objs = append(s.objs, cm)
	if _, err := c.CoreV1().ConfigMaps(kind.Namespace).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create config map %s: %w", cm.Name, err)
	}
	s.objs = append(s.objs, ds)
	if _, err := c.AppsV1().DaemonSets(kind.Namespace).Create(ctx, ds, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create daemonset %s: %w", ds.Name, err)
	}
	s.agents, err = WaitAgents(ctx, s.b.o.Cluster, ds.Name, []string{s.b.serverNode, s.clientNode})
	return err
}

func ready(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func phase(p *corev1.Pod) string {
	for _, cs := range p.Status.ContainerStatuses {
		if w := cs.State.Waiting; w != nil {
			return w.Reason + ": " + w.Message
		}
		if t := cs.State.Terminated; t != nil {
			return fmt.Sprintf("exited %d: %s", t.ExitCode, t.Message)
		}
	}
	return string(p.Status.Phase)
}

// Evidence reads what proves the mode carried the traffic: the proxies'
// counters (sidecar), the datapath's per-pod counters on every node
// (ebpf), or that no proxy and no datapath agent was there (none).
func (s *step) Evidence(ctx context.Context) (map[string]int64, error) {
	switch s.mesh {
	case scenarios.MeshSidecar:
		return s.sidecarEvidence(ctx)
	case scenarios.MeshEBPF:
		return s.datapathEvidence(ctx)
	}
	return s.noneEvidence(ctx)
}

// noneEvidence counts containers beside the app in the step's pods and
// datapath agents anywhere in the namespace.
func (s *step) noneEvidence(ctx context.Context) (map[string]int64, error) {
	c := s.b.o.Cluster.Client()
	ev := map[string]int64{"extra_containers": 0, "datapath_agents": 0}
	for _, name := range []string{s.server.Name, s.clientName()} {
		if name == "" {
			continue
		}
		p, err := c.CoreV1().Pods(kind.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("read pod %s: %w", name, err)
		}
		ev["extra_containers"] += int64(len(p.Spec.Containers) - 1)
		for _, ic := range p.Spec.InitContainers {
			if ic.Name != kubemesh.GateContainer {
				ev["extra_containers"]++
			}
		}
	}
	agents, err := c.CoreV1().Pods(kind.Namespace).List(ctx, metav1.ListOptions{LabelSelector: kubemesh.LabelRole + "=" + kubemesh.RoleDatapath})
	if err != nil {
		return nil, fmt.Errorf("list datapath agents: %w", err)
	}
	ev["datapath_agents"] = int64(len(agents.Items))
	return ev, nil
}

func (s *step) clientName() string {
	if s.client == nil {
		return ""
	}
	return s.client.Name
}

// sidecarEvidence reads both proxies' counters through their stats pages.
func (s *step) sidecarEvidence(ctx context.Context) (map[string]int64, error) {
	read := func(pod string) (baseline.PodCounters, error) {
		var out, errb bytes.Buffer
		if err := s.b.o.Cluster.Exec(ctx, pod, kubemesh.ProxyContainer, kubemesh.ProxyStatsCommand(), nil, &out, &errb); err != nil {
			return baseline.PodCounters{}, fmt.Errorf("read proxy counters of %s: %w: %s", pod, err, errb.String())
		}
		return baseline.ParseHAProxyStats(&out)
	}
	server, err := read(s.server.Name)
	if err != nil {
		return nil, err
	}
	var client baseline.PodCounters // zero until the load pod exists
	if s.client != nil {
		if client, err = read(s.client.Name); err != nil {
			return nil, err
		}
	}
	return mesh.SidecarEvidence(client, server), nil
}

// datapathEvidence reads each agent's status and sums the two pods'
// counters by role.
func (s *step) datapathEvidence(ctx context.Context) (map[string]int64, error) {
	ev := map[string]int64{"agents": int64(len(s.agents))}
	for node, pod := range s.agents {
		st, err := AgentStatus(ctx, s.b.o.Cluster, pod, node)
		if err != nil {
			return nil, err
		}
		ev["map_bytes"] += int64(st.MapBytes)
		if st.Enabled {
			ev["agents_enabled"]++
		}
		if st.Degraded != "" {
			ev["agents_degraded"]++
		}
		for _, p := range st.Pods {
			switch p.Name {
			case s.server.Name:
				mesh.AddPodCounters(ev, "server", p.Counters)
			case s.clientName():
				mesh.AddPodCounters(ev, "client", p.Counters)
			}
		}
		if st.FastPath != nil {
			ev["agents_fast_path"]++
			mesh.AddFastPathCounters(ev, *st.FastPath)
		}
	}
	return ev, nil
}

// Verify judges the evidence like the local meshes do: the proxies
// counted every request (sidecar), the datapath carried every request
// (ebpf, mesh.EBPFProblems: redirected socket to socket on one node, the
// agents' tc fast path across nodes or when degraded), and mode none had
// no proxy and no agent.
func (s *step) Verify(ev map[string]int64, completed int64) []string {
	var problems []string
	switch s.mesh {
	case scenarios.MeshNone:
		for _, key := range []string{"extra_containers", "datapath_agents"} {
			if ev[key] != 0 {
				problems = append(problems, fmt.Sprintf("none evidence: %s = %d, want 0", key, ev[key]))
			}
		}
	case scenarios.MeshSidecar:
		problems = append(problems, mesh.SidecarProblems(ev, s.t.Protocol, s.t.Connections, completed, false)...)
	case scenarios.MeshEBPF:
		if ev["agents_enabled"] == 0 {
			problems = append(problems, "ebpf evidence: agents_enabled = 0, want at least 1")
		}
		problems = append(problems, mesh.EBPFProblems(ev, completed, s.clientNode == s.b.serverNode, ev["agents_degraded"] > 0)...)
	}
	return problems
}

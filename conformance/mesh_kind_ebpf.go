package conformance

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshbench/meshbench/datapath"
	"github.com/meshbench/meshbench/internal/kubemesh"
	"github.com/meshbench/meshbench/internal/kubemesh/agent"
	"github.com/meshbench/meshbench/internal/kubestep"
	"github.com/meshbench/meshbench/internal/substrate/kind"
	"github.com/meshbench/meshbench/internal/substrate/local"
)

// kindEBPF is the eBPF datapath on kind: the node agent DaemonSet, told
// about the mesh's pods by an endpoints ConfigMap. Uninstall deletes the
// DaemonSet (each agent takes its datapath down as it goes), install
// creates it again, with the flow-map size setMaxFlows gave. The agents'
// pins live in each node's bpffs, which this host reaches through
// /proc/<node pid>/root: the suite opens them to read counters and flows
// quickly, and falls back to exec'ing `meshbench datapath status` in the
// agents where it cannot.
type kindEBPF struct {
	t        *kindTopology
	pods     []local.Pod
	cm       *corev1.ConfigMap
	ds       *appsv1.DaemonSet // nil while uninstalled
	maxFlows int               // of the next install; 0: the datapath's default

	agents map[string]string             // node -> agent pod
	pinned map[string]*datapath.Datapath // node -> its instance, opened from this host
	pinErr string                        // why the pins could not be opened
	// degraded says why an agent redirects nothing (its kernel self-test
	// failed and the probe mode degrades), "" when both redirect.
	degradedWhy string
	selfTest    kernelSelfTest   // run on this host, whose kernel the nodes share
	base        map[string]int64 // counters of instances taken down
}

func (m *kindEBPF) name() string { return MeshEBPF }

func (m *kindEBPF) isInstalled() bool { return m.ds != nil }

func (m *kindEBPF) setMaxFlows(n int) { m.maxFlows = n }

// createEndpoints creates the ConfigMap naming the mesh's pods.
func (m *kindEBPF) createEndpoints(ctx context.Context) error {
	eps := make([]agent.Endpoint, len(m.pods))
	for i, p := range m.pods {
		eps[i] = agent.Endpoint{Name: p.Name, IPv4: p.IPv4, Node: p.Node}
	}
	cm, err := kubemesh.EndpointsConfigMap("conf-endpoints-"+m.t.nonce, eps)
	if err != nil {
		return err
	}
	m.t.track(cm)
	if _, err := m.t.c.Client().CoreV1().ConfigMaps(kind.Namespace).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create config map %s: %w", cm.Name, err)
	}
	m.cm = cm
	return nil
}

// install creates the DaemonSet, waits until its agent is attached on
// both nodes, opens their pinned instances and checks that their flow
// maps have the size asked for.
func (m *kindEBPF) install(ctx context.Context) error {
	if m.ds != nil {
		return errors.New("ebpf datapath already installed")
	}
	ds, err := kubemesh.DatapathDaemonSet(kubemesh.DatapathOptions{Name: "conf-datapath-" + m.t.nonce, Cluster: m.t.c.Name(),
		Image: m.t.cfg.Kind.Images.Meshbench, EndpointsConfigMap: m.cm.Name, Probe: m.t.cfg.Probe, MaxFlows: m.maxFlows})
	if err != nil {
		return err
	}
	m.t.track(ds)
	if _, err := m.t.c.Client().AppsV1().DaemonSets(kind.Namespace).Create(ctx, ds, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create daemonset %s: %w", ds.Name, err)
	}
	m.ds = ds
	if m.agents, err = kubestep.WaitAgents(ctx, m.t.c, ds.Name, m.t.nodes[:]); err != nil {
		return err
	}
	m.pinned, m.pinErr = map[string]*datapath.Datapath{}, ""
	for n, node := range m.t.nodes {
		mirror := fmt.Sprintf("conformance-%s-n%d", m.t.nonce, n)
		d, err := openNodeInstance(ctx, m.t.c, node, kubemesh.AgentInstance(m.t.c.Name(), node), mirror)
		if err != nil {
			m.closePinned()
			m.pinErr = fmt.Sprintf("the agents' pinned maps cannot be opened from this host: %v", err)
			break
		}
		m.pinned[node] = d
	}
	if err := m.checkFlowMaps(ctx); err != nil {
		return err
	}
	m.degradedWhy = ""
	for _, node := range m.t.nodes {
		st, err := m.status(ctx, node)
		if err != nil {
			return err
		}
		if st.Degraded != "" {
			m.degradedWhy = node + ": " + st.Degraded
		}
	}
	return nil
}

// checkFlowMaps wants every agent's flow maps to hold maxFlows sockets
// (the datapath's default when 0): an agent that ignored the size would
// leave the capacity case filling a map that never fills. Where the pins
// cannot be reached from this host there is nothing to check.
func (m *kindEBPF) checkFlowMaps(ctx context.Context) error {
	if m.pinErr != "" {
		return nil
	}
	want := uint32(m.maxFlows)
	if want == 0 {
		want = datapath.DefaultMaxFlows
	}
	for _, node := range m.t.nodes {
		if err := checkFlowMapSize(ctx, m.t.c, node, kubemesh.AgentInstance(m.t.c.Name(), node), want); err != nil {
			return fmt.Errorf("%w (the agents take the size from %s)", err, agent.MaxFlowsEnv)
		}
	}
	return nil
}

// uninstall deletes the DaemonSet and waits until its agents are gone,
// keeping their counters in base.
func (m *kindEBPF) uninstall() error {
	if m.ds == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	last, cerr := m.current(ctx)
	addTo(m.base, last)
	m.closePinned()
	err := m.t.c.Delete(ctx, m.ds)
	m.ds, m.agents = nil, nil
	return errors.Join(cerr, err)
}

// setPolicy gives every node's agent the policy, through the instances
// opened from this host (the same maps the agents' own `meshbench datapath
// policy --instance` would write).
func (m *kindEBPF) setPolicy(p datapath.Policy) error {
	if m.ds == nil {
		return errors.New("the ebpf datapath is not installed")
	}
	if len(m.pinned) != len(m.t.nodes) {
		return fmt.Errorf("cannot set the agents' policy: %s", m.pinErr)
	}
	var errs []error
	for _, node := range m.t.nodes {
		if err := m.pinned[node].SetPolicy(p); err != nil {
			errs = append(errs, fmt.Errorf("node %s: %w", node, err))
		}
	}
	return errors.Join(errs...)
}

func (m *kindEBPF) closePinned() {
	for _, d := range m.pinned {
		_ = d.Close() // only this process's handles of maps the agent owns
	}
	m.pinned = nil
}

// status reads node's instance: from its pins, or from its agent.
func (m *kindEBPF) status(ctx context.Context, node string) (*datapath.Status, error) {
	if d := m.pinned[node]; d != nil {
		return d.Status()
	}
	return kubestep.AgentStatus(ctx, m.t.c, m.agents[node], node)
}

func (m *kindEBPF) counters(ctx context.Context) (map[string]int64, error) {
	cur, err := m.current(ctx)
	addTo(cur, m.base)
	return cur, err
}

// current sums every node's per-pod counters, as the local datapath's.
func (m *kindEBPF) current(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	if m.ds == nil {
		return out, nil
	}
	for _, node := range m.t.nodes {
		st, err := m.status(ctx, node)
		if err != nil {
			return out, err
		}
		addTo(out, statusCounters(st))
	}
	return out, nil
}

// judge has the local datapath's evidence and rules: on one node the
// traffic must have been redirected socket to socket, unless the datapath
// is degraded, where (as across nodes) only the agents' tc fast path
// counts.
func (m *kindEBPF) judge(delta map[string]int64, pods []local.Pod, sameNode bool) (map[string]int64, string) {
	return judgeEBPF(delta, pods, sameNode, m.degradedWhy != "")
}

func (m *kindEBPF) degraded() string { return m.degradedWhy }

func (m *kindEBPF) spliceStalls() string { return m.selfTest.spliceStalls() }

func (m *kindEBPF) info() map[string]string {
	i := maps.Clone(m.selfTest)
	if i == nil {
		i = map[string]string{}
	}
	i["probe"] = m.t.cfg.Probe.String()
	if m.ds == nil {
		return i
	}
	i["daemonset"] = m.ds.Name
	i["pinned_maps"] = "opened from the host through /proc/<node pid>/root"
	if m.pinErr != "" {
		i["pinned_maps"] = m.pinErr
	}
	ctx, cancel := context.WithTimeout(context.Background(), kindReadTimeout)
	defer cancel()
	var flows int
	var warnings []string
	for _, node := range m.t.nodes {
		st, err := m.status(ctx, node)
		if err != nil {
			i["evidence_error"] = err.Error()
			return i
		}
		i["agent "+node] = m.agents[node] + " instance " + kubemesh.AgentInstance(m.t.c.Name(), node) + " enabled " + strconv.FormatBool(st.Enabled)
		flows += st.Flows
		if st.Degraded != "" {
			i["degraded "+node] = st.Degraded
		}
		warnings = append(warnings, st.Warnings...)
		i["splice_guard_attached"] = strconv.FormatBool(st.Guard)
		i["fast_path "+node] = strconv.FormatBool(st.FastPath != nil)
	}
	i["flows_open"] = strconv.Itoa(flows) // after the last case: leaks show here
	if len(warnings) > 0 {
		sort.Strings(warnings)
		i["warnings"] = strings.Join(compactStrings(warnings), "; ")
	}
	return i
}

func compactStrings(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// flows is the number of sockets in the short-circuit on both nodes.
func (m *kindEBPF) flows() (int, error) {
	if m.ds == nil {
		return 0, errors.New("ebpf datapath not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), kindReadTimeout)
	defer cancel()
	n := 0
	for _, node := range m.t.nodes {
		st, err := m.status(ctx, node)
		if err != nil {
			return 0, err
		}
		n += st.Flows
	}
	return n, nil
}

func (m *kindEBPF) waitFlows(ctx context.Context, want int) (int, error) {
	return waitFlows(ctx, m.flows, want)
}

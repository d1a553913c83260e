package kubemesh

import (
	"fmt"
	"maps"
	"path"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshbench/meshbench/datapath"
	"github.com/meshbench/meshbench/internal/kubemesh/agent"
	"github.com/meshbench/meshbench/scenarios"
)

// DatapathOptions configure the datapath DaemonSet.
type DatapathOptions struct {
	Name    string // DaemonSet name; "" means meshbench-datapath
	Cluster string // the cluster's name, part of every node's instance
	Image   string // the meshbench image
	// EndpointsConfigMap is the ConfigMap EndpointsConfigMap made.
	EndpointsConfigMap string
	Probe              datapath.ProbeMode
	// MetricsPort is the agent's loopback metrics port on every node
	// (hostNetwork); 0 means 19090.
	MetricsPort int
	// MaxFlows sizes every agent's flow maps, given to it as
	// agent.MaxFlowsEnv; 0 means the datapath's default (and no variable).
	MaxFlows int
}

// Paths inside the agent's container.
const (
	// AgentContainer runs `meshbench datapath agent`; the harness reads
	// evidence with `meshbench datapath status --instance
	// AgentInstance(cluster, node) --json` exec'd in it.
	AgentContainer = "agent"
	// EndpointsKey is the endpoints file's key in its ConfigMap.
	EndpointsKey   = "endpoints.json"
	endpointsDir   = "/etc/meshbench-datapath"
	agentReadyFile = "/run/meshbench/datapath-ready"
	hostCgroupDir  = "/host/sys/fs/cgroup"
)

// AgentInstance is the datapath instance of the agent on node of cluster:
// its pins are /sys/fs/bpf/meshbench/<instance>. The "kube-" prefix keeps
// it apart from the local substrate's ("mb-<cluster>"), and cluster and
// node from every other agent sharing the kernel.
func AgentInstance(cluster, node string) string { return instancePrefix(cluster) + node }

func instancePrefix(cluster string) string { return "kube-" + cluster + "-" }

// DatapathDaemonSet runs the datapath agent on every node, control plane
// included (it tolerates every taint). The pod is privileged with the
// node's network and PID namespaces, the node's /sys/fs/bpf (mount
// propagation both ways, so the agent's bpffs mount and pins outlive its
// container and `datapath status` in it sees them) and the node's
// /sys/fs/cgroup at /host/sys/fs/cgroup. The agent attaches to the node's
// cgroup v2 root, found at run time (see package agent), and the pod is
// ready only while the datapath is attached. MaxFlows, when set, reaches
// the agents as the environment variable agent.MaxFlowsEnv.
func DatapathDaemonSet(o DatapathOptions) (*appsv1.DaemonSet, error) {
	if o.Name == "" {
		o.Name = "meshbench-datapath"
	}
	if o.MetricsPort == 0 {
		o.MetricsPort = 19090
	}
	if err := checkName("datapath daemonset name", o.Name); err != nil {
		return nil, err
	}
	if err := checkName("datapath cluster", o.Cluster); err != nil {
		return nil, err
	}
	// Leave at least 16 bytes of the instance's 63 for the node name.
	if n := len(instancePrefix(o.Cluster)); n > 63-16 {
		return nil, invalid("datapath cluster %q: too long for an instance name (%d bytes before the node name, at most 47)", o.Cluster, n)
	}
	if err := checkImage("datapath image", o.Image); err != nil {
		return nil, err
	}
	if err := checkName("datapath endpoints config map", o.EndpointsConfigMap); err != nil {
		return nil, err
	}
	if o.Probe < datapath.ProbeRequired || o.Probe > datapath.ProbeSkip {
		return nil, invalid("datapath probe mode %d", o.Probe)
	}
	if o.MetricsPort < 1 || o.MetricsPort > 65535 {
		return nil, invalid("datapath metrics port %d: want 1-65535", o.MetricsPort)
	}
	if o.MaxFlows != 0 && (o.MaxFlows < 2 || o.MaxFlows > datapath.DefaultMaxFlows) {
		return nil, invalid("datapath max flows %d: want 2-%d, or 0 for the datapath's default", o.MaxFlows, datapath.DefaultMaxFlows)
	}
	meta := objectMeta(o.Name, RoleDatapath, scenarios.MeshEBPF)
	selector := map[string]string{LabelRole: RoleDatapath, "meshbench.io/daemonset": o.Name}
	meta.Labels["meshbench.io/daemonset"] = o.Name
	bidirectional := corev1.MountPropagationBidirectional
	c := corev1.Container{
		Name:            AgentContainer,
		Image:           o.Image,
		ImagePullPolicy: corev1.PullNever,
		Command:         []string{"meshbench"},
		Args: []string{"datapath", "agent",
			"--instance", instancePrefix(o.Cluster) + "$(NODE_NAME)",
			"--endpoints", path.Join(endpointsDir, EndpointsKey),
			"--probe", o.Probe.String(),
			"--ready-file", agentReadyFile,
			"--metrics", "127.0.0.1:" + strconv.Itoa(o.MetricsPort),
			// The tc fast path, in the node's network namespace (the pod
			// has hostNetwork).
			"--node", "$(NODE_NAME)",
		},
		Env: []corev1.EnvVar{{Name: "NODE_NAME", ValueFrom: &corev1.EnvVarSource{
			FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"},
		}}},
		ReadinessProbe: &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"test", "-e", agentReadyFile}}},
			PeriodSeconds: 2, FailureThreshold: 1,
		},
		SecurityContext: &corev1.SecurityContext{Privileged: ptr(true)},
		VolumeMounts: []corev1.VolumeMount{
			{Name: "bpffs", MountPath: "/sys/fs/bpf", MountPropagation: &bidirectional},
			// No propagation: kind's entrypoint makes the node's
			// /sys/fs/cgroup a private mount, which the runtime refuses
			// to propagate from; the cgroup mounts there are static.
			{Name: "cgroup", MountPath: hostCgroupDir},
			{Name: "endpoints", MountPath: endpointsDir, ReadOnly: true},
		},
	}
	if o.MaxFlows != 0 {
		c.Env = append(c.Env, corev1.EnvVar{Name: agent.MaxFlowsEnv, Value: strconv.Itoa(o.MaxFlows)})
	}
	spec := corev1.PodSpec{
		HostNetwork:                   true,
		HostPID:                       true,
		DNSPolicy:                     corev1.DNSClusterFirstWithHostNet,
		Tolerations:                   []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
		TerminationGracePeriodSeconds: ptr(int64(30)),
		AutomountServiceAccountToken:  ptr(false),
		EnableServiceLinks:            ptr(false),
		Containers:                    []corev1.Container{c},
		Volumes: []corev1.Volume{
			hostPath("bpffs", "/sys/fs/bpf", corev1.HostPathDirectoryOrCreate),
			hostPath("cgroup", "/sys/fs/cgroup", corev1.HostPathDirectory),
			{Name: "endpoints", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: o.EndpointsConfigMap},
			}}},
		},
	}
	podMeta := metav1.ObjectMeta{Labels: maps.Clone(meta.Labels)}
	return &appsv1.DaemonSet{
		ObjectMeta: meta,
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: selector},
			Template: corev1.PodTemplateSpec{ObjectMeta: podMeta, Spec: spec},
		},
	}, nil
}

func hostPath(name, dir string, typ corev1.HostPathType) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{
		HostPath: &corev1.HostPathVolumeSource{Path: dir, Type: &typ},
	}}
}

// EndpointsConfigMap holds the agent's endpoints file: the mesh's pods
// with their addresses and nodes.
func EndpointsConfigMap(name string, eps []agent.Endpoint) (*corev1.ConfigMap, error) {
	if err := checkName("endpoints config map", name); err != nil {
		return nil, err
	}
	b, err := agent.EncodeEndpoints(eps)
	if err != nil {
		return nil, fmt.Errorf("%w: endpoints config map: %v", ErrInvalid, err)
	}
	return &corev1.ConfigMap{
		ObjectMeta: objectMeta(name, RoleDatapath, scenarios.MeshEBPF),
		Data:       map[string]string{EndpointsKey: string(b)},
	}, nil
}

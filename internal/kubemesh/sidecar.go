package kubemesh

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	baseline "github.com/meshbench/meshbench/envoy-baseline"
	"github.com/meshbench/meshbench/envoy-baseline/intercept"
)

// The injected containers and volumes.
const (
	InitContainer  = "meshbench-init"  // installs the capture, as istio-init
	ProxyContainer = "meshbench-proxy" // HAProxy, a native sidecar (an init container that keeps running)

	proxyConfigVolume = "meshbench-proxy-config"
	proxyRunVolume    = "meshbench-proxy-run"
	proxyConfigDir    = "/etc/meshbench-proxy"
	proxyRunDir       = "/var/run/meshbench-proxy"
	// ProxyConfigKey is the ConfigMap key of haproxy.cfg.
	ProxyConfigKey = "haproxy.cfg"
)

// ProxyUID is the proxy's user, exempt from capture.
const ProxyUID = intercept.DefaultProxyUID

// SidecarOptions say what InjectSidecar adds.
type SidecarOptions struct {
	InitImage  string // the meshbench image, for meshbench-init
	ProxyImage string // the HAProxy sidecar image
	ConfigMap  string // the ConfigMap SidecarConfigMap made
	// ExcludeInboundPorts and ExcludeOutboundPorts bypass the proxy
	// (beyond its own ports, always excluded).
	ExcludeInboundPorts  []int
	ExcludeOutboundPorts []int
}

// sidecarStatus is the AnnotationSidecar value: what was injected, so a
// second injection can tell it is one.
type sidecarStatus struct {
	InitContainers       []string `json:"initContainers"`
	Volumes              []string `json:"volumes"`
	Proxy                string   `json:"proxy"`
	ProxyImage           string   `json:"proxyImage"`
	ConfigMap            string   `json:"configMap"`
	ProxyUID             int      `json:"proxyUID"`
	InboundPort          int      `json:"inboundPort"`
	OutboundPort         int      `json:"outboundPort"`
	ExcludeInboundPorts  []int    `json:"excludeInboundPorts"`
	ExcludeOutboundPorts []int    `json:"excludeOutboundPorts,omitempty"`
}

// SidecarConfigMap holds the proxies' haproxy.cfg, rendered by the sidecar
// baseline's generator for Kubernetes (baseline.KubeHAProxyConfig): the
// same listeners and counters as the local sidecar, plus the stats page and
// health port. One ConfigMap serves every injected pod of a run.
func SidecarConfigMap(name string, opts baseline.Options) (*corev1.ConfigMap, error) {
	if err := checkName("sidecar config map", name); err != nil {
		return nil, err
	}
	text, err := baseline.KubeHAProxyConfig(opts, path.Join(proxyRunDir, "stats.sock"))
	if err != nil {
		return nil, fmt.Errorf("sidecar config map: %w", err)
	}
	return &corev1.ConfigMap{
		ObjectMeta: objectMeta(name, "sidecar-config", "sidecar"),
		Data:       map[string]string{ProxyConfigKey: string(text)},
	}, nil
}

// InjectSidecar adds a sidecar to pod the way Istio's injector does with
// native sidecars: an init container meshbench-init (the meshbench image,
// `meshbench sidecar-init`, root with only NET_ADMIN and NET_RAW, not
// privileged) that captures the pod's TCP traffic (outbound to 15001,
// inbound to 15006, UID 1337 exempt), then the proxy meshbench-proxy as an
// init container with restartPolicy Always (UID 1337, no capability), so
// the application starts once the proxy is ready and a Job's pod completes
// when its application does. The pod's tcpSocket probes become exec probes
// over loopback, as Istio rewrites probes, so that the kubelet's probes
// never go through the proxy or count as proxied traffic. The pod is
// annotated with AnnotationSidecar; injecting a pod already injected with
// the same options changes nothing, with other options is an error.
func InjectSidecar(pod *corev1.Pod, o SidecarOptions) error {
	if pod == nil {
		return invalid("inject sidecar: no pod")
	}
	return inject(&pod.ObjectMeta, &pod.Spec, o)
}

// InjectSidecarJob is InjectSidecar on a Job's pod template.
func InjectSidecarJob(job *batchv1.Job, o SidecarOptions) error {
	if job == nil {
		return invalid("inject sidecar: no job")
	}
	return inject(&job.Spec.Template.ObjectMeta, &job.Spec.Template.Spec, o)
}

func inject(meta *metav1.ObjectMeta, spec *corev1.PodSpec, o SidecarOptions) error {
	status, err := o.status()
	if err != nil {
		return err
	}
	if old, ok := meta.Annotations[AnnotationSidecar]; ok {
		if old == status {
			return nil
		}
		return invalid("pod %s: sidecar already injected with other options (%s: %s)", meta.Name, AnnotationSidecar, old)
	}
	for _, c := range slices.Concat(spec.InitContainers, spec.Containers) {
		if c.Name == InitContainer || c.Name == ProxyContainer {
			return invalid("pod %s: already has a container named %s", meta.Name, c.Name)
		}
	}
	for _, v := range spec.Volumes {
		if v.Name == proxyConfigVolume || v.Name == proxyRunVolume {
			return invalid("pod %s: already has a volume named %s", meta.Name, v.Name)
		}
	}
	for i := range spec.Containers {
		loopbackProbes(&spec.Containers[i])
	}
	spec.InitContainers = append([]corev1.Container{o.initContainer(), o.proxyContainer()}, spec.InitContainers...)
	spec.Volumes = append(spec.Volumes,
		corev1.Volume{Name: proxyConfigVolume, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: o.ConfigMap},
		}}},
		corev1.Volume{Name: proxyRunVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{
			Medium: corev1.StorageMediumMemory,
		}}},
	)
	if meta.Annotations == nil {
		meta.Annotations = map[string]string{}
	}
	meta.Annotations[AnnotationSidecar] = status
	return nil
}

// status validates o and returns its annotation.
func (o SidecarOptions) status() (string, error) {
	if err := checkImage("sidecar init image", o.InitImage); err != nil {
		return "", err
	}
	if err := checkImage("sidecar proxy image", o.ProxyImage); err != nil {
		return "", err
	}
	if err := checkName("sidecar config map", o.ConfigMap); err != nil {
		return "", err
	}
	for _, l := range []struct {
		field string
		ports []int
	}{{"exclude inbound ports", o.ExcludeInboundPorts}, {"exclude outbound ports", o.ExcludeOutboundPorts}} {
		for _, p := range l.ports {
			if p < 1 || p > 65535 {
				return "", invalid("sidecar %s: port %d: want 1-65535", l.field, p)
			}
		}
	}
	b, err := json.Marshal(sidecarStatus{
		InitContainers: []string{InitContainer, ProxyContainer},
		Volumes:        []string{proxyConfigVolume, proxyRunVolume},
		Proxy:          baseline.ProxyHAProxy, ProxyImage: o.ProxyImage, ConfigMap: o.ConfigMap,
		ProxyUID: ProxyUID, InboundPort: intercept.DefaultInboundPort, OutboundPort: intercept.DefaultOutboundPort,
		ExcludeInboundPorts: o.excludeInbound(), ExcludeOutboundPorts: sortedPorts(o.ExcludeOutboundPorts),
	})
	return string(b), err
}

// excludeInbound adds the health port, which the kubelet reaches from
// outside the pod.
func (o SidecarOptions) excludeInbound() []int {
	return sortedPorts(append(slices.Clone(o.ExcludeInboundPorts), baseline.KubeHealthPort))
}

func sortedPorts(ps []int) []int {
	ps = slices.Clone(ps)
	slices.Sort(ps)
	return slices.Compact(ps)
}

func joinPorts(ps []int) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = strconv.Itoa(p)
	}
	return strings.Join(s, ",")
}

func (o SidecarOptions) initContainer() corev1.Container {
	args := []string{"sidecar-init",
		"--proxy-uid", strconv.Itoa(ProxyUID),
		"--inbound-port", portString(intercept.DefaultInboundPort),
		"--outbound-port", portString(intercept.DefaultOutboundPort),
		"--exclude-inbound-ports", joinPorts(o.excludeInbound()),
	}
	if out := sortedPorts(o.ExcludeOutboundPorts); len(out) > 0 {
		args = append(args, "--exclude-outbound-ports", joinPorts(out))
	}
	return corev1.Container{
		Name:            InitContainer,
		Image:           o.InitImage,
		ImagePullPolicy: corev1.PullNever,
		Command:         []string{"meshbench"},
		Args:            args,
		// What istio-init gets: root for netlink, two capabilities, no more.
		SecurityContext: &corev1.SecurityContext{
			Capabilities: &corev1.Capabilities{
				Add:  []corev1.Capability{"NET_ADMIN", "NET_RAW"},
				Drop: []corev1.Capability{"ALL"},
			},
			Privileged:               ptr(false),
			RunAsUser:                ptr(int64(0)),
			RunAsGroup:               ptr(int64(0)),
			RunAsNonRoot:             ptr(false),
			AllowPrivilegeEscalation: ptr(false),
			ReadOnlyRootFilesystem:   ptr(true),
		},
	}
}

func (o SidecarOptions) proxyContainer() corev1.Container {
	health := &corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
		Path: "/healthz/ready", Port: intstr.FromInt32(baseline.KubeHealthPort),
	}}
	return corev1.Container{
		Name:            ProxyContainer,
		Image:           o.ProxyImage,
		ImagePullPolicy: corev1.PullNever,
		RestartPolicy:   ptr(corev1.ContainerRestartPolicyAlways),
		Command:         []string{"haproxy", "-db", "-f", path.Join(proxyConfigDir, ProxyConfigKey)},
		Ports: []corev1.ContainerPort{
			{Name: "mb-outbound", ContainerPort: intercept.DefaultOutboundPort, Protocol: corev1.ProtocolTCP},
			{Name: "mb-inbound", ContainerPort: intercept.DefaultInboundPort, Protocol: corev1.ProtocolTCP},
			{Name: "mb-health", ContainerPort: baseline.KubeHealthPort, Protocol: corev1.ProtocolTCP},
		},
		StartupProbe:   &corev1.Probe{ProbeHandler: *health, PeriodSeconds: 1, FailureThreshold: 60},
		ReadinessProbe: &corev1.Probe{ProbeHandler: *health, PeriodSeconds: 5},
		// The counters die with the proxy; a Job's pod ends before the
		// harness reads them, so the proxy leaves them as its
		// termination message (status.containerStatuses[].state.terminated.message).
		Lifecycle: &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{
			Command: []string{"bash", "-c", statsScript + " >/dev/termination-log"},
		}}},
		TerminationMessagePolicy: corev1.TerminationMessageReadFile,
		VolumeMounts: []corev1.VolumeMount{
			{Name: proxyConfigVolume, MountPath: proxyConfigDir, ReadOnly: true},
			{Name: proxyRunVolume, MountPath: proxyRunDir},
		},
		SecurityContext: &corev1.SecurityContext{
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			Privileged:               ptr(false),
			RunAsUser:                ptr(int64(ProxyUID)),
			RunAsGroup:               ptr(int64(ProxyUID)),
			RunAsNonRoot:             ptr(true),
			AllowPrivilegeEscalation: ptr(false),
			ReadOnlyRootFilesystem:   ptr(true),
		},
	}
}

// loopbackProbes turns c's tcpSocket probes into the same check over
// loopback from inside the container (bash's /dev/tcp), which capture
// leaves alone.
func loopbackProbes(c *corev1.Container) {
	for _, p := range []*corev1.Probe{c.ReadinessProbe, c.LivenessProbe, c.StartupProbe} {
		if p == nil || p.TCPSocket == nil {
			continue
		}
		port := p.TCPSocket.Port.String()
		if p.TCPSocket.Port.Type == intstr.String {
			port = namedPort(c, p.TCPSocket.Port.StrVal)
		}
		p.TCPSocket = nil
		p.Exec = &corev1.ExecAction{Command: []string{"bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + port}}
	}
}

func namedPort(c *corev1.Container, name string) string {
	for _, p := range c.Ports {
		if p.Name == name {
			return strconv.Itoa(int(p.ContainerPort))
		}
	}
	return name // bash fails to connect, as the kubelet would have
}

// ProxyStatsCommand, run in ProxyContainer, prints the proxy's counters
// as CSV (HAProxy's statistics cut down to the counted columns), which
// baseline.ParseHAProxyStats reads. It needs nothing but bash.
func ProxyStatsCommand() []string { return []string{"bash", "-c", statsScript} }

// statsScript asks the stats page on 127.0.0.1:15000 for CSV over bash's
// /dev/tcp and keeps the columns counters are made of, so the answer fits a
// termination message (4 KiB).
var statsScript = `set -e
exec 3<>/dev/tcp/127.0.0.1/` + strconv.Itoa(baseline.KubeStatsPort) + `
printf 'GET /stats;csv;norefresh HTTP/1.0\r\n\r\n' >&3
body=0 keep=()
while IFS= read -r line <&3 || [ -n "$line" ]; do
	line=${line%$'\r'}
	if [ "$body" = 0 ]; then [ -z "$line" ] && body=1; continue; fi
	[ -z "$line" ] && continue
	IFS=, read -r -a f <<<"$line"
	if [ ${#keep[@]} = 0 ]; then
		for i in "${!f[@]}"; do
			case ${f[$i]} in "# pxname"|svname|stot|bin|bout|req_tot|connect) keep+=("$i");; esac
		done
	fi
	out=
	for i in "${keep[@]}"; do out+=${out:+,}${f[$i]:-}; done
	printf '%s\n' "$out"
done`

package kubemesh

import (
	"maps"
	"strconv"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/meshbench/meshbench/bench/runner"
)

// ServerOptions place the workload server.
type ServerOptions struct {
	Name  string // pod name
	Node  string // the node it runs on (its kubernetes.io/hostname label)
	Mode  string // mesh mode label: none, sidecar or ebpf
	Image string // the meshbench image
	// ReadinessPort is the port whose listener makes the pod ready;
	// 0 means the TCP echo (7000).
	ReadinessPort int
}

// ServerPod is `meshbench serve` on one node: TCP echo 7000, stream 7001,
// one-frame echo 7002, HTTP 8080. It never restarts (a benchmark server
// that crashed must not come back unnoticed) and is ready once the
// readiness port accepts connections.
func ServerPod(o ServerOptions) (*corev1.Pod, error) {
	if o.ReadinessPort == 0 {
		o.ReadinessPort = runner.TCPPort
	}
	if err := checkWorkload("server", o.Name, o.Node, o.Mode, o.Image); err != nil {
		return nil, err
	}
	if o.ReadinessPort < 1 || o.ReadinessPort > 65535 {
		return nil, invalid("server readiness port %d: want 1-65535", o.ReadinessPort)
	}
	c := corev1.Container{
		Name:            "server",
		Image:           o.Image,
		ImagePullPolicy: corev1.PullNever,
		Command:         []string{"meshbench", "serve"},
		Ports: []corev1.ContainerPort{
			{Name: "tcp-echo", ContainerPort: runner.TCPPort, Protocol: corev1.ProtocolTCP},
			{Name: "stream", ContainerPort: runner.StreamPort, Protocol: corev1.ProtocolTCP},
			{Name: "tcp-once", ContainerPort: runner.OncePort, Protocol: corev1.ProtocolTCP},
			{Name: "http", ContainerPort: runner.HTTPPort, Protocol: corev1.ProtocolTCP},
		},
		ReadinessProbe: &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(int32(o.ReadinessPort))}},
			PeriodSeconds: 2, FailureThreshold: 3,
		},
	}
	return &corev1.Pod{
		ObjectMeta: objectMeta(o.Name, RoleServer, o.Mode),
		Spec:       workloadSpec(o.Node, corev1.RestartPolicyNever, c),
	}, nil
}

// LoadOptions place one run of the load generator.
type LoadOptions struct {
	Name  string // Job name (its pod gets a suffix)
	Node  string // the node it runs on: the server's or another
	Mode  string // mesh mode label
	Image string // the meshbench image
	// Args are meshbench's arguments, such as load --json --target ...
	Args []string
	// TTL is how long the finished Job (and its pod, with its logs) is
	// kept; 0 means 10 minutes.
	TTL time.Duration
	// Gate holds the generator back until the harness opens the gate
	// (OpenGateCommand, run in GateContainer): the pod has its address
	// from the start, so a mesh that must know the client (ebpf) can be
	// told it before any traffic.
	Gate bool
	// Hold (with Gate) keeps the pod, and a sidecar beside it, after the
	// generator finished, until ReleaseCommand runs in its "load"
	// container: the harness reads the mesh's counters first.
	Hold bool
}

// Gate: an init container that waits for a file on a volume of its own.
const (
	GateContainer = "meshbench-gate"
	gateVolume    = "meshbench-gate"
	gateDir       = "/run/meshbench-gate"
)

// OpenGateCommand, run in GateContainer of a gated load pod, lets its
// generator start.
func OpenGateCommand() []string { return []string{"touch", gateDir + "/open"} }

// LoadJob runs `meshbench <Args>` once on one node: no retries
// (backoffLimit 0, restartPolicy Never), removed TTL after it finished.
func LoadJob(o LoadOptions) (*batchv1.Job, error) {
	if o.TTL == 0 {
		o.TTL = 10 * time.Minute
	}
	if err := checkWorkload("load", o.Name, o.Node, o.Mode, o.Image); err != nil {
		return nil, err
	}
	if len(o.Args) == 0 {
		return nil, invalid("load args: want meshbench's arguments, such as load --json --target ...")
	}
	if o.TTL < time.Second {
		return nil, invalid("load ttl %s: want at least 1s", o.TTL)
	}
	c := corev1.Container{
		Name:            "load",
		Image:           o.Image,
		ImagePullPolicy: corev1.PullNever,
		Command:         []string{"meshbench"},
		Args:            append([]string(nil), o.Args...),
	}
	if o.Hold && !o.Gate {
		return nil, invalid("load %s: hold needs a gate (its release file lives on the gate's volume)", o.Name)
	}
	if o.Hold {
		c.Command = []string{"sh", "-c", holdScript, "meshbench"}
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: gateVolume, MountPath: gateDir})
	}
	meta := objectMeta(o.Name, RoleLoad, o.Mode)
	spec := workloadSpec(o.Node, corev1.RestartPolicyNever, c)
	if o.Gate {
		spec.InitContainers = append(spec.InitContainers, corev1.Container{
			Name:            GateContainer,
			Image:           o.Image,
			ImagePullPolicy: corev1.PullNever,
			// Once open, the gate lingers a second: exiting at once stops
			// the container under the exec that opened it, which then
			// reports exit 137 although the gate did open.
			Command:      []string{"sh", "-c", "until [ -e " + gateDir + "/open ]; do sleep 0.1; done; sleep 1"},
			VolumeMounts: []corev1.VolumeMount{{Name: gateVolume, MountPath: gateDir}},
		})
		spec.Volumes = append(spec.Volumes, corev1.Volume{Name: gateVolume, VolumeSource: corev1.VolumeSource{
			EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory},
		}})
	}
	job := &batchv1.Job{
		ObjectMeta: meta,
		Spec: batchv1.JobSpec{
			BackoffLimit:            ptr(int32(0)),
			TTLSecondsAfterFinished: ptr(int32(o.TTL / time.Second)),
			Template:                corev1.PodTemplateSpec{Spec: spec},
		},
	}
	job.Spec.Template.Labels = maps.Clone(meta.Labels)
	return job, nil
}

func checkWorkload(what, name, node, mode, image string) error {
	if err := checkName(what+" name", name); err != nil {
		return err
	}
	if err := checkNode(what+" node", node); err != nil {
		return err
	}
	if err := checkMode(mode); err != nil {
		return err
	}
	return checkImage(what+" image", image)
}

// workloadSpec is the pod spec every workload pod shares: pinned to node,
// no service links or API token (the workload talks to nothing but its
// peer), a short grace period.
func workloadSpec(node string, restart corev1.RestartPolicy, c corev1.Container) corev1.PodSpec {
	return corev1.PodSpec{
		Affinity:                      onNode(node),
		Tolerations:                   controlPlane,
		RestartPolicy:                 restart,
		TerminationGracePeriodSeconds: ptr(int64(5)),
		EnableServiceLinks:            ptr(false),
		AutomountServiceAccountToken:  ptr(false),
		Containers:                    []corev1.Container{c},
	}
}

// portString is a port as a command-line argument.
func portString(p int) string { return strconv.Itoa(p) }

package kubemesh

import (
	corev1 "k8s.io/api/core/v1"
)

// RoleIdle marks idle pods: network namespaces and cgroups that a harness
// on the node's host enters to open sockets itself (the conformance
// suite), with nothing of their own listening.
const RoleIdle = "idle"

// TokenEnv is the environment variable of an idle pod's container whose
// value (IdleOptions.Token) finds its process among the host's.
const TokenEnv = "MESHBENCH_POD_TOKEN"

// IdleOptions place one idle pod.
type IdleOptions struct {
	Name  string // pod name
	Node  string // the node it runs on
	Mode  string // mesh mode label: none, sidecar or ebpf
	Image string // the meshbench image (it has sleep)
	// Token is set as TokenEnv in the container: a value unique on the
	// host, so the harness can tell the pod's process from all others.
	Token string
}

// IdlePod is one container sleeping forever on one node, with TokenEnv
// set. It never restarts (a process that came back would be another
// one) and is ready as soon as it runs.
func IdlePod(o IdleOptions) (*corev1.Pod, error) {
	if err := checkWorkload("idle", o.Name, o.Node, o.Mode, o.Image); err != nil {
		return nil, err
	}
	if o.Token == "" {
		return nil, invalid("idle pod %s: token: want a value unique on the host", o.Name)
	}
	c := corev1.Container{
		Name:            "idle",
		Image:           o.Image,
		ImagePullPolicy: corev1.PullNever,
		Command:         []string{"sleep", "infinity"},
		Env:             []corev1.EnvVar{{Name: TokenEnv, Value: o.Token}},
	}
	return &corev1.Pod{
		ObjectMeta: objectMeta(o.Name, RoleIdle, o.Mode),
		Spec:       workloadSpec(o.Node, corev1.RestartPolicyNever, c),
	}, nil
}

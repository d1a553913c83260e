// Package kubemesh builds meshbench's Kubernetes objects: the workload
// server pod, the load generator Job, the sidecar injected into either
// (an istio-init-like init container and a native sidecar proxy), and the
// DaemonSet that runs the eBPF datapath agent on every node. Every builder
// is pure: it returns k8s.io/api objects for a caller (the kind substrate)
// to create with client-go, and refuses bad options with an error naming
// the field.
//
// Everything lives in Namespace, uses images loaded into the cluster
// (imagePullPolicy Never: nothing is pulled from a registry), and carries
// LabelRole and LabelMode, so a mode's pods can be listed and removed
// together.
package kubemesh

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/meshbench/meshbench/scenarios"
)

// Namespace holds every meshbench object.
const Namespace = "meshbench"

// Labels and annotations.
const (
	LabelApp  = "app.kubernetes.io/name" // always "meshbench"
	LabelRole = "meshbench.io/role"      // RoleServer, RoleLoad or RoleDatapath
	LabelMode = "meshbench.io/mode"      // the mesh mode: none, sidecar or ebpf
	// AnnotationSidecar records an injected sidecar, as Istio's
	// sidecar.istio.io/status does (see InjectSidecar).
	AnnotationSidecar = "meshbench.io/sidecar"
)

// Roles.
const (
	RoleServer   = "server"
	RoleLoad     = "load"
	RoleDatapath = "datapath"
)

// Image repositories; the tag is the build's.
const (
	MeshbenchRepo = "meshbench/meshbench"       // the meshbench binary, ENTRYPOINT meshbench
	SidecarRepo   = "meshbench/sidecar-haproxy" // HAProxy, ENTRYPOINT haproxy
)

// MeshbenchImage is the meshbench image of a tag.
func MeshbenchImage(tag string) string { return MeshbenchRepo + ":" + tag }

// SidecarImage is the sidecar proxy image of a tag.
func SidecarImage(tag string) string { return SidecarRepo + ":" + tag }

// ErrInvalid is wrapped by every error about bad options.
var ErrInvalid = errors.New("invalid kubemesh options")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// checkName checks an object name (a DNS-1123 label: pod names end up in
// hostnames and labels).
func checkName(field, name string) error {
	if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
		return invalid("%s %q: %s", field, name, strings.Join(errs, "; "))
	}
	return nil
}

// checkNode checks a node name (a DNS-1123 subdomain).
func checkNode(field, name string) error {
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return invalid("%s %q: %s", field, name, strings.Join(errs, "; "))
	}
	return nil
}

func checkImage(field, image string) error {
	if image == "" || strings.ContainsAny(image, " \t\n") {
		return invalid("%s %q: want an image reference such as %s", field, image, MeshbenchImage("dev"))
	}
	return nil
}

func checkMode(mode string) error {
	if !slices.Contains([]string{scenarios.MeshNone, scenarios.MeshSidecar, scenarios.MeshEBPF}, mode) {
		return invalid("mode %q: want %s, %s or %s", mode, scenarios.MeshNone, scenarios.MeshSidecar, scenarios.MeshEBPF)
	}
	return nil
}

func labels(role, mode string) map[string]string {
	return map[string]string{LabelApp: "meshbench", LabelRole: role, LabelMode: mode}
}

func objectMeta(name, role, mode string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: Namespace, Labels: labels(role, mode)}
}

// onNode pins a pod to one node by its kubernetes.io/hostname label.
func onNode(node string) *corev1.Affinity {
	return &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
			NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{
				Key: corev1.LabelHostname, Operator: corev1.NodeSelectorOpIn, Values: []string{node},
			}}}},
		},
	}}
}

// controlPlane lets a workload pod run on a control-plane node, which a
// placement may name (a one-node kind cluster has no other).
var controlPlane = []corev1.Toleration{{
	Key: "node-role.kubernetes.io/control-plane", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule,
}}

func ptr[T any](v T) *T { return &v }

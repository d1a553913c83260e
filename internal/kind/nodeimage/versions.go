package nodeimage

import (
	"fmt"
	"regexp"
	"strings"
)

// Versions are the image versions kubeadm uses for one Kubernetes release,
// read from cmd/kubeadm/app/constants/constants.go of that release.
type Versions struct {
	Kubernetes string // v1.33.4
	Pause      string // 3.10
	Etcd       string // 3.5.21-0 (image tag)
	CoreDNS    string // v1.12.0
}

var constRe = map[string]*regexp.Regexp{
	"PauseVersion":       regexp.MustCompile(`(?m)^\s*PauseVersion\s*=\s*"([^"]+)"`),
	"DefaultEtcdVersion": regexp.MustCompile(`(?m)^\s*DefaultEtcdVersion\s*=\s*"([^"]+)"`),
	"CoreDNSVersion":     regexp.MustCompile(`(?m)^\s*CoreDNSVersion\s*=\s*"([^"]+)"`),
}

// parseVersions reads the pause, etcd and CoreDNS versions from the text of
// kubeadm's constants.go.
func parseVersions(constants, k8s string) (Versions, error) {
	v := Versions{Kubernetes: k8s}
	for name, dst := range map[string]*string{"PauseVersion": &v.Pause, "DefaultEtcdVersion": &v.Etcd, "CoreDNSVersion": &v.CoreDNS} {
		m := constRe[name].FindStringSubmatch(constants)
		if m == nil {
			return Versions{}, fmt.Errorf("kubeadm constants.go of %s: no %s = \"...\" constant: expected the layout of cmd/kubeadm/app/constants", k8s, name)
		}
		*dst = m[1]
	}
	return v, nil
}

// EtcdModuleVersion turns the etcd image tag into the go.etcd.io/etcd module
// version: 3.5.21-0 -> v3.5.21.
func (v Versions) EtcdModuleVersion() string {
	tag, _, _ := strings.Cut(v.Etcd, "-")
	return "v" + tag
}

// Image references kubeadm expects, by component.
func (v Versions) images() []componentImage {
	return []componentImage{
		{name: "kube-apiserver", ref: "registry.k8s.io/kube-apiserver:" + v.Kubernetes},
		{name: "kube-controller-manager", ref: "registry.k8s.io/kube-controller-manager:" + v.Kubernetes},
		{name: "kube-scheduler", ref: "registry.k8s.io/kube-scheduler:" + v.Kubernetes},
		{name: "kube-proxy", ref: "registry.k8s.io/kube-proxy:" + v.Kubernetes},
		{name: "etcd", ref: "registry.k8s.io/etcd:" + v.Etcd},
		{name: "coredns", ref: "registry.k8s.io/coredns/coredns:" + v.CoreDNS},
		{name: "pause", ref: "registry.k8s.io/pause:" + v.Pause},
	}
}

// PauseImage is the sandbox image containerd's CRI must be configured with.
func (v Versions) PauseImage() string { return "registry.k8s.io/pause:" + v.Pause }

// ImageRefs lists every image reference loaded into the node, sorted the way
// kubeadm config images list prints them.
func (v Versions) ImageRefs() []string {
	var refs []string
	for _, c := range v.images() {
		refs = append(refs, c.ref)
	}
	return refs
}

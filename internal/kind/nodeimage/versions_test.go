package nodeimage

import (
	"reflect"
	"strings"
	"testing"
)

// An excerpt of cmd/kubeadm/app/constants/constants.go at v1.33.4.
const constantsExcerpt = `
	// DefaultEtcdVersion indicates the default etcd version that kubeadm uses
	DefaultEtcdVersion = "3.5.21-0"

	// CoreDNSImageName specifies the name of the image for CoreDNS add-on
	CoreDNSImageName = "coredns"

	// CoreDNSVersion is the version of CoreDNS to be deployed if it is used
	CoreDNSVersion = "v1.12.0"

	// PauseVersion indicates the default pause image version for kubeadm
	PauseVersion = "3.10"
`

func TestParseVersions(t *testing.T) {
	v, err := parseVersions(constantsExcerpt, "v1.33.4")
	if err != nil {
		t.Fatal(err)
	}
	want := Versions{Kubernetes: "v1.33.4", Pause: "3.10", Etcd: "3.5.21-0", CoreDNS: "v1.12.0"}
	if v != want {
		t.Fatalf("got %+v, want %+v", v, want)
	}
	if got := v.EtcdModuleVersion(); got != "v3.5.21" {
		t.Errorf("etcd module version %q, want v3.5.21", got)
	}
	// The exact references kubeadm config images list prints for v1.33.4.
	wantRefs := []string{
		"registry.k8s.io/kube-apiserver:v1.33.4",
		"registry.k8s.io/kube-controller-manager:v1.33.4",
		"registry.k8s.io/kube-scheduler:v1.33.4",
		"registry.k8s.io/kube-proxy:v1.33.4",
		"registry.k8s.io/etcd:3.5.21-0",
		"registry.k8s.io/coredns/coredns:v1.12.0",
		"registry.k8s.io/pause:3.10",
	}
	if got := v.ImageRefs(); !reflect.DeepEqual(got, wantRefs) {
		t.Errorf("image refs %v, want %v", got, wantRefs)
	}
}

func TestParseVersionsMissingConstant(t *testing.T) {
	_, err := parseVersions(strings.ReplaceAll(constantsExcerpt, "PauseVersion", "PauseTag"), "v1.33.4")
	if err == nil || !strings.Contains(err.Error(), "PauseVersion") {
		t.Fatalf("err = %v, want one naming PauseVersion", err)
	}
}

func TestStagingVersion(t *testing.T) {
	for in, want := range map[string]string{"v1.33.4": "v0.33.4", "v1.30.0": "v0.30.0", "v1.33": "", "1.33.4": "", "v2.0.0": ""} {
		got, err := stagingVersion(in)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("stagingVersion(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestNormalizeDefaults(t *testing.T) {
	var o Options
	if err := o.Normalize(); err != nil {
		t.Fatal(err)
	}
	if o.KubernetesVersion != "v1.33.4" || o.Image != "meshbench/kind-node:v1.33.4" || o.WorkDir != "out/kind-build" || o.Progress == nil {
		t.Fatalf("defaults not filled: %+v", o)
	}
	bad := Options{KubernetesVersion: "latest"}
	if err := bad.Normalize(); err == nil {
		t.Fatal("Normalize accepted kubernetes version latest")
	}
}

package nodeimage

import (
	"strings"
	"testing"
)

// No image may start FROM anything a registry would have to serve: only
// scratch or the base image Build itself imports from debootstrap.
func TestComponentImagesBuildFromLocalOnly(t *testing.T) {
	v := Versions{Kubernetes: "v1.33.4", Pause: "3.10", Etcd: "3.5.21-0", CoreDNS: "v1.12.0"}
	for _, c := range v.images() {
		df := c.dockerfile()
		from := strings.Fields(strings.SplitN(df, "\n", 2)[0])
		if len(from) != 2 || from[0] != "FROM" || (from[1] != "scratch" && from[1] != BaseImage) {
			t.Errorf("%s: first line %q, want FROM scratch or FROM %s", c.ref, from, BaseImage)
		}
		if !strings.Contains(df, "COPY "+c.name+" ") {
			t.Errorf("%s: Dockerfile does not copy the %s binary:\n%s", c.ref, c.name, df)
		}
	}
}

func TestTarNameCarriesTag(t *testing.T) {
	for _, c := range []struct{ name, ref, want string }{
		{"coredns", "registry.k8s.io/coredns/coredns:v1.12.0", "coredns_v1.12.0.tar"},
		{"etcd", "registry.k8s.io/etcd:3.5.21-0", "etcd_3.5.21-0.tar"},
	} {
		if got := (componentImage{name: c.name, ref: c.ref}).tarName(); got != c.want {
			t.Errorf("tarName(%s) = %q, want %q", c.ref, got, c.want)
		}
	}
}

func TestPickKindest(t *testing.T) {
	for _, tc := range []struct {
		refs []string
		want string
	}{
		{[]string{"kindest/node:v1.32.0", "kindest/node:v1.33.4"}, "kindest/node:v1.33.4"},
		{[]string{"kindest/node:v1.33.4-amd64"}, "kindest/node:v1.33.4-amd64"},
		{[]string{"kindest/node:v1.33.40"}, ""},
		{[]string{"meshbench/kind-node:v1.33.4", "example/kindest/node:v1.33.4"}, ""},
		{nil, ""},
	} {
		if got := pickKindest(tc.refs, "v1.33.4"); got != tc.want {
			t.Errorf("pickKindest(%v) = %q, want %q", tc.refs, got, tc.want)
		}
	}
}

func TestMissingFrom(t *testing.T) {
	got := missingFrom([]string{"a", "sha256:x"}, []string{"a", "b"})
	if len(got) != 1 || got[0] != "b" {
		t.Fatalf("missingFrom = %v, want [b]", got)
	}
}

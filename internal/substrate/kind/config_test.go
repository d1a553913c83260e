package kind

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	for _, tt := range []struct {
		name    string
		in      Config
		want    Config
		wantErr string
	}{
		{"defaults", Config{Nodes: 1}, Config{Name: "default", Nodes: 1, NodeImage: DefaultNodeImage}, ""},
		{"two nodes keeps image", Config{Name: "x-1", Nodes: 2, NodeImage: "img:1"}, Config{Name: "x-1", Nodes: 2, NodeImage: "img:1"}, ""},
		{"reuse needs no node count", Config{Name: "r", Kubeconfig: "/k"}, Config{Name: "r", Kubeconfig: "/k", NodeImage: DefaultNodeImage}, ""},
		{"three nodes", Config{Name: "a", Nodes: 3}, Config{}, "nodes = 3"},
		{"zero nodes", Config{Name: "a"}, Config{}, "nodes = 0"},
		{"upper case", Config{Name: "Bench", Nodes: 1}, Config{}, `name "Bench"`},
		{"leading dash", Config{Name: "-a", Nodes: 1}, Config{}, `name "-a"`},
		{"trailing dash", Config{Name: "a-", Nodes: 1}, Config{}, `name "a-"`},
		{"dot", Config{Name: "a.b", Nodes: 1}, Config{}, `name "a.b"`},
		{"too long", Config{Name: strings.Repeat("a", maxNameLen+1), Nodes: 1}, Config{}, "1 to 32 characters"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.Normalize()
			if tt.wantErr != "" {
				if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want ErrInvalidConfig mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Normalize() = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestLongestNameMakesValidHostNames(t *testing.T) {
	name := strings.Repeat("a", maxNameLen)
	if _, err := (Config{Name: name, Nodes: 2}).Normalize(); err != nil {
		t.Fatal(err)
	}
	// kind names the containers (and so the hosts and Kubernetes nodes)
	// <cluster>-control-plane and <cluster>-worker: a DNS label, 63 at most.
	if host := kindName(name) + "-control-plane"; len(host) > 63 {
		t.Errorf("container name %s is %d characters, more than a host name may have", host, len(host))
	}
}

func TestNameOf(t *testing.T) {
	for in, want := range map[string]string{"mb-default": "default", "mb-x-1": "x-1", "kind": "", "mb-": "", "mb-Bad": "", "xmb-a": ""} {
		got, ok := nameOf(in)
		if ok != (want != "") || (ok && got != want) {
			t.Errorf("nameOf(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if got := KubeconfigPath("x"); got != "/run/meshbench/kind-x.kubeconfig" {
		t.Errorf("kubeconfig path %s", got)
	}
	if got := KubeconfigPath(""); got != "/run/meshbench/kind-default.kubeconfig" {
		t.Errorf("default cluster's kubeconfig path %s", got)
	}
}

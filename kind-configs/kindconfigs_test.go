package kindconfigs

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	"sigs.k8s.io/yaml"
)

func TestRenderIsAValidKindConfig(t *testing.T) {
	p := Params{PodSubnet: netip.MustParsePrefix("198.19.136.0/21"), ServiceSubnet: netip.MustParsePrefix("198.19.225.0/24")}
	for _, tt := range []struct {
		nodes int
		roles []v1alpha4.NodeRole
	}{
		{1, []v1alpha4.NodeRole{v1alpha4.ControlPlaneRole}},
		{2, []v1alpha4.NodeRole{v1alpha4.ControlPlaneRole, v1alpha4.WorkerRole}},
	} {
		t.Run(strings.Repeat("n", tt.nodes), func(t *testing.T) {
			raw, err := Render(tt.nodes, p)
			if err != nil {
				t.Fatal(err)
			}
			var c v1alpha4.Cluster
			if err := yaml.UnmarshalStrict(raw, &c); err != nil {
				t.Fatalf("kind would reject the config: %v\n%s", err, raw)
			}
			if c.Kind != "Cluster" || c.APIVersion != "kind.x-k8s.io/v1alpha4" {
				t.Errorf("kind %q apiVersion %q", c.Kind, c.APIVersion)
			}
			n := c.Networking
			if n.PodSubnet != "198.19.136.0/21" || n.ServiceSubnet != "198.19.225.0/24" {
				t.Errorf("subnets not filled in: pod %q service %q", n.PodSubnet, n.ServiceSubnet)
			}
			if !n.DisableDefaultCNI || n.IPFamily != v1alpha4.IPv4Family || n.KubeProxyMode != v1alpha4.IPTablesProxyMode {
				t.Errorf("networking = %+v: want default CNI disabled, ipv4, iptables", n)
			}
			var roles []v1alpha4.NodeRole
			for _, node := range c.Nodes {
				roles = append(roles, node.Role)
			}
			if len(roles) != len(tt.roles) || roles[0] != tt.roles[0] || roles[len(roles)-1] != tt.roles[len(tt.roles)-1] {
				t.Errorf("roles %v, want %v", roles, tt.roles)
			}
			if strings.Contains(string(raw), "{{") {
				t.Errorf("placeholder left in:\n%s", raw)
			}
		})
	}
}

func TestRenderRejects(t *testing.T) {
	good := Params{PodSubnet: netip.MustParsePrefix("198.19.128.0/21"), ServiceSubnet: netip.MustParsePrefix("198.19.224.0/24")}
	for _, tt := range []struct {
		name  string
		nodes int
		p     Params
		want  string
	}{
		{"three nodes", 3, good, "want 1 or 2"},
		{"zero nodes", 0, good, "want 1 or 2"},
		{"no pod subnet", 1, Params{ServiceSubnet: good.ServiceSubnet}, "pod subnet"},
		{"ipv6 service subnet", 1, Params{PodSubnet: good.PodSubnet, ServiceSubnet: netip.MustParsePrefix("2001:2::/112")}, "service subnet"},
		{"host bits set", 1, Params{PodSubnet: netip.MustParsePrefix("198.19.128.1/21"), ServiceSubnet: good.ServiceSubnet}, "network address"},
		{"pod subnet too small for two nodes", 2, Params{PodSubnet: netip.MustParsePrefix("198.19.128.0/24"), ServiceSubnet: good.ServiceSubnet}, "fewer than 2"},
		{"overlap", 1, Params{PodSubnet: good.PodSubnet, ServiceSubnet: netip.MustParsePrefix("198.19.129.0/24")}, "overlaps"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Render(tt.nodes, tt.p)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrInvalid mentioning %q", err, tt.want)
			}
		})
	}
}

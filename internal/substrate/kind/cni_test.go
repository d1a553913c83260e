package kind

import (
	"encoding/json"
	"net/netip"
	"testing"
)

func TestConflist(t *testing.T) {
	raw, err := conflist(netip.MustParsePrefix("198.19.129.0/24"))
	if err != nil {
		t.Fatal(err)
	}
	var conf struct {
		CNIVersion string `json:"cniVersion"`
		Name       string
		Plugins    []struct {
			Type        string
			Bridge      string
			IsGateway   bool `json:"isGateway"`
			IPMasq      bool `json:"ipMasq"`
			HairpinMode bool `json:"hairpinMode"`
			IPAM        struct {
				Type   string
				Ranges [][]struct{ Subnet string }
				Routes []struct{ Dst string }
			}
			Capabilities map[string]bool
		}
	}
	if err := json.Unmarshal(raw, &conf); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, raw)
	}
	if conf.CNIVersion != "1.0.0" || conf.Name == "" || len(conf.Plugins) != 2 {
		t.Fatalf("conflist header: %s", raw)
	}
	br, pm := conf.Plugins[0], conf.Plugins[1]
	if br.Type != "bridge" || br.Bridge != "mb-cni0" || !br.IsGateway || br.IPMasq || !br.HairpinMode {
		t.Errorf("bridge plugin: %+v", br)
	}
	if br.IPAM.Type != "host-local" || len(br.IPAM.Ranges) != 1 || len(br.IPAM.Ranges[0]) != 1 || br.IPAM.Ranges[0][0].Subnet != "198.19.129.0/24" {
		t.Errorf("ipam does not hand out the node's podCIDR: %+v", br.IPAM)
	}
	if len(br.IPAM.Routes) != 1 || br.IPAM.Routes[0].Dst != "0.0.0.0/0" {
		t.Errorf("pods get no default route: %+v", br.IPAM.Routes)
	}
	if pm.Type != "portmap" || !pm.Capabilities["portMappings"] {
		t.Errorf("portmap plugin: %+v", pm)
	}
	for _, p := range conf.Plugins {
		found := false
		for _, have := range cniPlugins {
			found = found || have == p.Type
		}
		if !found {
			t.Errorf("plugin %s used but not checked for in the node image", p.Type)
		}
	}
	for _, bad := range []netip.Prefix{{}, netip.MustParsePrefix("2001:2::/64"), netip.MustParsePrefix("198.19.129.7/24")} {
		if _, err := conflist(bad); err == nil {
			t.Errorf("conflist(%s) accepted", bad)
		}
	}
}

func TestRoutesFor(t *testing.T) {
	nodes := []Node{
		{Name: "cp", InternalIP: netip.MustParseAddr("198.19.209.2"), PodCIDR: netip.MustParsePrefix("198.19.128.0/24")},
		{Name: "w1", InternalIP: netip.MustParseAddr("198.19.209.3"), PodCIDR: netip.MustParsePrefix("198.19.129.0/24")},
		{Name: "w2", InternalIP: netip.MustParseAddr("198.19.209.4"), PodCIDR: netip.MustParsePrefix("198.19.130.0/24")},
	}
	rs, err := routesFor(nodes[1], nodes)
	if err != nil {
		t.Fatal(err)
	}
	want := []route{{nodes[0].PodCIDR, nodes[0].InternalIP}, {nodes[2].PodCIDR, nodes[2].InternalIP}}
	if len(rs) != len(want) || rs[0] != want[0] || rs[1] != want[1] {
		t.Errorf("routes of w1 = %v, want %v", rs, want)
	}
	if rs, err := routesFor(nodes[0], nodes[:1]); err != nil || len(rs) != 0 {
		t.Errorf("a single node needs no routes: %v, %v", rs, err)
	}
	if _, err := routesFor(nodes[0], append(nodes[:1:1], Node{Name: "new"})); err == nil {
		t.Error("a peer without podCIDR accepted")
	}
}

package datapath

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	ep := func(name, v4, v6 string) Endpoint {
		e := Endpoint{Name: name}
		if v4 != "" {
			e.IPv4 = netip.MustParseAddr(v4)
		}
		if v6 != "" {
			e.IPv6 = netip.MustParseAddr(v6)
		}
		return e
	}
	base := func() Options {
		return Options{
			Cgroups:   []string{"/sys/fs/cgroup/unified/mb-meshbench/c/"},
			Endpoints: []Endpoint{ep("a", "198.18.1.10", "2001:2:0:1::10"), ep("b", "198.18.1.11", "")},
		}
	}
	for _, tc := range []struct {
		name   string
		mutate func(*Options)
		err    string // "" for valid
	}{
		{"valid", func(*Options) {}, ""},
		{"remote node (no netns)", func(o *Options) {
			o.Nodes = []Node{{Name: "n1", Netns: "/run/netns/n1"}, {Name: "n2"}}
			o.Endpoints[0].Node, o.Endpoints[1].Node = "n1", "n2"
		}, ""},
		{"endpoint on an unlisted node", func(o *Options) {
			o.Nodes = []Node{{Name: "n1", Netns: "/run/netns/n1"}}
			o.Endpoints[1].Node = "n3"
		}, "unknown node"},
		{"node listed twice", func(o *Options) { o.Nodes = []Node{{Name: "n1"}, {Name: "n1"}} }, "listed twice"},
		{"bad instance", func(o *Options) { o.Instance = "../x" }, "instance"},
		{"no cgroup", func(o *Options) { o.Cgroups = nil }, "no cgroup"},
		{"relative cgroup", func(o *Options) { o.Cgroups = []string{"mb"} }, "absolute"},
		{"duplicate name", func(o *Options) { o.Endpoints[1].Name = "a" }, "twice"},
		{"no address", func(o *Options) { o.Endpoints = append(o.Endpoints, Endpoint{Name: "c"}) }, "no address"},
		{"shared address", func(o *Options) { o.Endpoints[1].IPv4 = o.Endpoints[0].IPv4 }, "belongs to both"},
		{"v6 as v4", func(o *Options) { o.Endpoints[1].IPv4 = netip.MustParseAddr("2001:2::1") }, "not an IPv4"},
		{"v4-mapped as v6", func(o *Options) { o.Endpoints[1].IPv6 = netip.MustParseAddr("::ffff:198.18.1.11") }, "not an IPv6"},
		{"rule to unknown pod", func(o *Options) { o.Policy.Rules = []Rule{{To: "z", Action: Deny}} }, "unknown destination"},
		{"rule from unknown pod", func(o *Options) { o.Policy.Rules = []Rule{{From: "z", To: "a", Action: Deny}} }, "unknown source"},
		{"rule without action", func(o *Options) { o.Policy.Rules = []Rule{{To: "a"}} }, "want allow, deny or bypass"},
		{"conflicting rules", func(o *Options) {
			o.Policy.Rules = []Rule{{To: "a", Port: 80, Action: Deny}, {To: "a", Port: 80, Action: Allow}}
		}, "a second rule"},
		{"bad probe mode", func(o *Options) { o.Probe = 9 }, "probe mode"},
		{"one flow", func(o *Options) { o.MaxFlows = 1 }, "max flows"},
		{"more flows than the kernel maps", func(o *Options) { o.MaxFlows = DefaultMaxFlows + 1 }, "max flows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := base()
			tc.mutate(&o)
			got, err := o.Normalize()
			if tc.err == "" {
				if err != nil {
					t.Fatalf("Normalize: %v", err)
				}
				if got.Instance != "default" || got.Cgroups[0] != "/sys/fs/cgroup/unified/mb-meshbench/c" || got.MaxFlows != DefaultMaxFlows {
					t.Errorf("defaults not filled: %+v", got)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("Normalize: %v, want ErrInvalid mentioning %q", err, tc.err)
			}
		})
	}
}

func TestParseProbeMode(t *testing.T) {
	for _, m := range []ProbeMode{ProbeRequired, ProbeNoSplice, ProbeDegrade, ProbeSkip} {
		got, err := ParseProbeMode(m.String())
		if err != nil || got != m {
			t.Errorf("ParseProbeMode(%q) = %v, %v", m, got, err)
		}
	}
	if _, err := ParseProbeMode("maybe"); !errors.Is(err, ErrInvalid) {
		t.Errorf("ParseProbeMode(maybe): %v", err)
	}
}

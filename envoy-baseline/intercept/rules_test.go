package intercept

import (
	"strings"
	"testing"
)

const redirectV4 = `table ip meshbench {
	chain prerouting {
		type nat hook prerouting priority -100; policy accept;
		iifname "lo" return
		tcp dport 15001 return
		tcp dport 15006 return
		meta l4proto tcp counter redirect to :15006
	}

	chain output {
		type nat hook output priority -100; policy accept;
		oifname "lo" return
		meta skuid 1337 return
		meta l4proto tcp counter redirect to :15001
	}
}
`

const tproxyV6 = `table ip6 meshbench {
	chain prerouting {
		type filter hook prerouting priority -150; policy accept;
		iifname "lo" meta mark 0x00000539 meta l4proto tcp tproxy to :15001
		iifname "lo" return
		ct direction reply return
		tcp dport 15001 return
		tcp dport 15006 return
		meta l4proto tcp tproxy to :15006
	}

	chain output {
		type route hook output priority -150; policy accept;
		ct direction reply return
		ct mark 0x00000539 meta mark set 0x00000539 return
		oifname "lo" return
		meta skuid 1337 return
		ct state new meta l4proto tcp counter ct mark set 0x00000539 meta mark set 0x00000539
	}
}
`

const excludedV4 = `table ip meshbench {
	chain prerouting {
		type nat hook prerouting priority -100; policy accept;
		iifname "lo" return
		tcp dport 8081 return
		tcp dport 15006 return
		tcp dport 15020 return
		tcp dport 16001 return
		meta l4proto tcp counter redirect to :15006
	}

	chain output {
		type nat hook output priority -100; policy accept;
		oifname "lo" return
		meta skuid 2000 return
		tcp dport 5432 return
		tcp dport 9090 return
		meta l4proto tcp counter redirect to :16001
	}
}
`

func TestPlan(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Config
		family Family
		want   string
	}{
		{name: "defaults ipv4", cfg: Config{}, family: IPv4, want: redirectV4},
		{name: "defaults ipv6 is the same redirect", cfg: Config{}, family: IPv6,
			want: strings.Replace(redirectV4, "table ip ", "table ip6 ", 1)},
		{name: "ipv6 tproxy", cfg: Config{IPv6: TProxy}, family: IPv6, want: tproxyV6},
		{name: "ipv4 stays redirect when ipv6 is tproxy", cfg: Config{IPv6: TProxy}, family: IPv4, want: redirectV4},
		{name: "ipv4 tproxy", cfg: Config{IPv4: TProxy}, family: IPv4,
			want: strings.Replace(tproxyV6, "table ip6 ", "table ip ", 1)},
		{name: "exclusions sorted and deduplicated, own uid and port", family: IPv4, want: excludedV4,
			cfg: Config{
				OutboundPort: 16001, ProxyUID: 2000,
				ExcludeInboundPorts:  []uint16{15020, 8081, 15020, 15006},
				ExcludeOutboundPorts: []uint16{9090, 5432, 9090},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.Normalize()
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			got := Plan(cfg)[tt.family].String()
			if got != tt.want {
				t.Errorf("Plan(%+v)[%s] =\n%s\nwant\n%s", tt.cfg, tt.family, got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"same ports", Config{OutboundPort: 15006}, "both 15006"},
		{"bad mode", Config{IPv6: Mode(7)}, "unknown capture mode"},
		{"zero port excluded", Config{ExcludeOutboundPorts: []uint16{0}}, "excluded port 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.Normalize()
			err := cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want error containing %q", err, tt.want)
			}
		})
	}
}

package envoyconfig

import (
	"bytes"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	"github.com/meshbench/meshbench/internal/golden"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

func testConfig(mtls bool) Config {
	c := Config{NodeID: "mb-t1-n0-p0", HTTPPorts: []uint32{8080}}
	if mtls {
		c.TLS = &TLS{
			CertChain:   "/run/mb/mb-t1-n0-p0/cert.pem",
			PrivateKey:  "/run/mb/mb-t1-n0-p0/key.pem",
			TrustedCA:   "/run/mb/ca.pem",
			TrustDomain: "meshbench.local",
			MeshedPeers: []netip.Addr{netip.MustParseAddr("198.18.1.10"), netip.MustParseAddr("2001:2:0:1::10")},
		}
	}
	return c
}

func TestBootstrapGolden(t *testing.T) {
	for _, tt := range []struct {
		name string
		mtls bool
	}{{"plain", false}, {"mtls", true}} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Build(testConfig(tt.mtls))
			if err != nil {
				t.Fatal(err)
			}
			got, err := YAML(b)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "bootstrap_"+tt.name+".yaml.golden"), got)

			// The JSON form says the same and reads back into an equal
			// message: nothing is lost in marshalling.
			js, err := JSON(b)
			if err != nil {
				t.Fatal(err)
			}
			back := &bootstrapv3.Bootstrap{}
			if err := protojson.Unmarshal(js, back); err != nil {
				t.Fatalf("JSON does not parse back: %v", err)
			}
			if !proto.Equal(b, back) {
				t.Fatal("JSON round trip changed the bootstrap")
			}
			again, err := JSON(b)
			if err != nil || !bytes.Equal(js, again) {
				t.Fatal("JSON is not deterministic")
			}
		})
	}
}

// TestBuildValidates shows the generated validators run: each config is
// rejected by Envoy's schema or by Build's own checks.
func TestBuildValidates(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"admin port out of range", func(c *Config) { c.AdminPort = 70000 }, "PortValue"},
		{"http port out of range", func(c *Config) { c.HTTPPorts = []uint32{65536} }, "DestinationPort"},
		{"bad peer address", func(c *Config) { c.TLS.MeshedPeers = []netip.Addr{{}} }, "not an IP address"},
		{"no node id", func(c *Config) { c.NodeID = "" }, "node id"},
		{"no CA", func(c *Config) { c.TLS.TrustedCA = "" }, "trusted CA"},
		{"same ports", func(c *Config) { c.InboundPort = DefaultOutboundPort }, "must differ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testConfig(true)
			tt.edit(&c)
			_, err := Build(c)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Build = %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}

func TestArgs(t *testing.T) {
	c := Config{Concurrency: 4}
	got := strings.Join(c.Args("/tmp/b.yaml"), " ")
	if want := "-c /tmp/b.yaml --concurrency 4 --disable-hot-restart --log-level warning"; got != want {
		t.Fatalf("Args = %q, want %q", got, want)
	}
}

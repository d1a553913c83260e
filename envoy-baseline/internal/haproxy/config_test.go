package haproxy

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meshbench/meshbench/envoy-baseline/internal/pki"
	"github.com/meshbench/meshbench/internal/golden"
	"github.com/meshbench/meshbench/internal/testenv"
)

func testConfig(dir string, mtls bool) Config {
	c := Config{
		Workers:         2,
		StatsSocket:     filepath.Join(dir, "stats.sock"),
		OutboundPort:    15001,
		InboundPort:     15006,
		HTTPPorts:       []int{8080, 8080, 80},
		TransparentIPv6: true,
	}
	if mtls {
		c.TLS = &TLS{
			CertFile:   filepath.Join(dir, "pod.pem"),
			CAFile:     filepath.Join(dir, "ca.pem"),
			PeersMap:   filepath.Join(dir, "peers.map"),
			LoopSocket: filepath.Join(dir, "mtls.sock"),
		}
	}
	return c
}

func TestRenderGolden(t *testing.T) {
	for _, tt := range []struct {
		name string
		mtls bool
	}{{"plain", false}, {"mtls", true}} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := testConfig("/run/mb/pod", tt.mtls).Render()
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "haproxy_"+tt.name+".cfg.golden"), got)
		})
	}
}

func TestRenderRejects(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no workers", func(c *Config) { c.Workers = 0 }, "workers"},
		{"same ports", func(c *Config) { c.InboundPort = c.OutboundPort }, "two different ports"},
		{"bad http port", func(c *Config) { c.HTTPPorts = []int{70000} }, "http port 70000"},
		{"tls without CA", func(c *Config) { c.TLS.CAFile = "" }, "tls"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testConfig("/x", true)
			tt.edit(&c)
			if _, err := c.Render(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Render = %v, want error mentioning %q", err, tt.want)
			}
		})
	}
}

// TestHAProxyAcceptsConfig runs `haproxy -c` on both configurations, with
// real certificate files (HAProxy loads them while checking).
func TestHAProxyAcceptsConfig(t *testing.T) {
	bin := testenv.RequireCommand(t, "haproxy", "haproxy")
	dir := t.TempDir()
	writeTestPKI(t, dir)
	for _, mtls := range []bool{false, true} {
		text, err := testConfig(dir, mtls).Render()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "haproxy.cfg")
		if err := os.WriteFile(path, text, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(bin, "-c", "-f", path).CombinedOutput()
		t.Logf("haproxy -c (mtls=%v): %s", mtls, out)
		if err != nil || strings.Contains(string(out), "WARNING") || strings.Contains(string(out), "ALERT") {
			t.Fatalf("haproxy -c (mtls=%v): %v\n%s", mtls, err, out)
		}
	}
}

func writeTestPKI(t *testing.T, dir string) {
	t.Helper()
	ca, err := pki.NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue("pod", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	key, err := leaf.KeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"ca.pem":    ca.CertPEM(),
		"pod.pem":   append(leaf.CertPEM(), key...),
		"peers.map": []byte("198.18.0.10 pod\n"),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

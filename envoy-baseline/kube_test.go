package baseline

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshbench/meshbench/internal/golden"
	"github.com/meshbench/meshbench/internal/testenv"
)

func TestKubeHAProxyConfigGolden(t *testing.T) {
	got, err := KubeHAProxyConfig(Options{}, "/var/run/meshbench-proxy/stats.sock")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "kube_haproxy.cfg.golden"), got)
}

func TestKubeHAProxyConfigRejects(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"envoy", Options{Proxy: ProxyEnvoy}, `proxy: only "haproxy" runs on Kubernetes`},
		{"mtls", Options{MTLS: true}, "mtls: not supported on Kubernetes"},
		{"bad workers", Options{Workers: 99}, "workers: want 1 to 64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := KubeHAProxyConfig(tt.opts, "/s.sock")
			if !errors.Is(err, ErrInvalidOptions) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("KubeHAProxyConfig = %v, want ErrInvalidOptions mentioning %q", err, tt.want)
			}
		})
	}
}

// TestKubeHAProxyConfigAccepted runs `haproxy -c` on the Kubernetes config.
func TestKubeHAProxyConfigAccepted(t *testing.T) {
	bin := testenv.RequireCommand(t, "haproxy", "haproxy")
	dir := t.TempDir()
	text, err := KubeHAProxyConfig(Options{}, filepath.Join(dir, "stats.sock"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(path, text, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-c", "-f", path).CombinedOutput()
	if err != nil || strings.Contains(string(out), "WARNING") || strings.Contains(string(out), "ALERT") {
		t.Fatalf("haproxy -c: %v\n%s", err, out)
	}
}

// TestParseHAProxyStatsCutColumns: the columns the Kubernetes stats
// command keeps are enough for the same counters as the whole CSV.
func TestParseHAProxyStatsCutColumns(t *testing.T) {
	cut := "# pxname,svname,stot,bin,bout,req_tot,connect\n" +
		"outbound,FRONTEND,5,100,200,,\n" +
		"out_http,BACKEND,3,0,0,40,3\n" +
		"out_tcp,BACKEND,2,0,0,,2\n" +
		"inbound,FRONTEND,7,300,400,,\n" +
		"in_tcp,BACKEND,7,0,0,,7\n" +
		"health,FRONTEND,99,1,1,99,\n"
	got, err := ParseHAProxyStats(strings.NewReader(cut))
	if err != nil {
		t.Fatal(err)
	}
	want := PodCounters{
		Outbound: Direction{Connections: 5, HTTPRequests: 40, TCPConnections: 2, BytesIn: 100, BytesOut: 200},
		Inbound:  Direction{Connections: 7, TCPConnections: 7, BytesIn: 300, BytesOut: 400},
	}
	if got != want {
		t.Errorf("ParseHAProxyStats = %+v, want %+v", got, want)
	}
	if _, err := ParseHAProxyStats(strings.NewReader("HTTP/1.0 503 Service Unavailable\n")); err == nil {
		t.Error("ParseHAProxyStats accepted an error page")
	}
}

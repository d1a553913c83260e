package baseline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/encoding/protojson"
)

const fakeEnvoyEnv = "MESHBENCH_TEST_FAKE_ENVOY"

// TestEnvoyLifecycleWithFakeBinary runs Install, Counters and Remove with
// Proxy "envoy" against a stand-in binary (this test binary, re-executed):
// it reads and validates the bootstrap the way Envoy would have to, serves
// the admin interface's /ready and /stats on 127.0.0.1:15000 inside the pod,
// and exits on SIGTERM. No traffic flows through it; TestEnvoySidecars does
// that with a real envoy.
func TestEnvoyLifecycleWithFakeBinary(t *testing.T) {
	c := newCluster(t, 1, 2)
	bin := copyTestBinary(t)
	t.Setenv(EnvEnvoy, bin)
	t.Setenv(fakeEnvoyEnv, "1")
	pods := c.Pods()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sc, err := Install(ctx, c, pods, Options{Proxy: ProxyAuto, MTLS: true, Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if info := sc.Info(); info.Proxy != ProxyEnvoy || info.Version != "1.31.2" || info.Capture != "nftables: ipv4 redirect, ipv6 redirect" {
		t.Errorf("Info() = %+v", info)
	}
	checkProxyProcesses(t, sc)
	got, err := sc.Counters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := PodCounters{
		Outbound: Direction{Connections: 2, HTTPRequests: 50, TCPConnections: 1, TLSConnections: 2, BytesIn: 1052580, BytesOut: 1108580},
		Inbound:  Direction{Connections: 1, HTTPRequests: 3, BytesIn: 240, BytesOut: 3600},
	}
	for _, p := range pods {
		if got[p.Name] != want {
			t.Errorf("counters of %s = %+v, want %+v", p.Name, got[p.Name], want)
		}
	}
	dir := sc.dir.path
	if err := sc.Remove(); err != nil {
		t.Fatal(err)
	}
	assertTornDown(t, sc, pods, filepath.Base(bin), dir)
}

// copyTestBinary copies this test binary where the proxy user can run it.
func copyTestBinary(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "fake-envoy")
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	// t.TempDir's parent is private to root; the proxy user must reach bin.
	for d := filepath.Dir(dir); d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return bin
}

// fakeEnvoy is the stand-in's main: `--version`, or `-c <bootstrap> ...`.
func fakeEnvoy(args []string) int {
	if len(args) == 1 && args[0] == "--version" {
		fmt.Println("\nenvoy  version: 0123456789abcdef/1.31.2/Clean/RELEASE/BoringSSL")
		return 0
	}
	if len(args) < 2 || args[0] != "-c" {
		fmt.Fprintf(os.Stderr, "fake envoy: unexpected arguments %q\n", args)
		return 2
	}
	b, err := readBootstrap(args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "fake envoy: %v\n", err)
		return 1
	}
	admin := b.GetAdmin().GetAddress().GetSocketAddress()
	ln, err := net.Listen("tcp", net.JoinHostPort(admin.GetAddress(), fmt.Sprint(admin.GetPortValue())))
	if err != nil {
		fmt.Fprintf(os.Stderr, "fake envoy: %v\n", err)
		return 1
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ready", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "LIVE\n") })
	mux.HandleFunc("/stats", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, envoyStatsJSON) })
	srv := &http.Server{Handler: mux}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM)
	go func() { <-stop; srv.Close() }()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return 1
	}
	return 0
}

// readBootstrap parses the YAML bootstrap into Envoy's own type and
// validates it, as Envoy does before starting.
func readBootstrap(path string) (*bootstrapv3.Bootstrap, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var v any
	if err := yaml.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	js, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	b := &bootstrapv3.Bootstrap{}
	if err := protojson.Unmarshal(js, b); err != nil {
		return nil, fmt.Errorf("bootstrap %s: %w", path, err)
	}
	return b, b.ValidateAll()
}

package kubemesh

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	baseline "github.com/meshbench/meshbench/envoy-baseline"
	"github.com/meshbench/meshbench/envoy-baseline/intercept"
	"github.com/meshbench/meshbench/internal/netnsutil"
	"github.com/meshbench/meshbench/internal/substrate/local"
	"github.com/meshbench/meshbench/internal/testenv"
)

// TestSidecarProxyForReal runs what the injected pod runs, on two local
// pods: the ConfigMap's haproxy.cfg, the capture sidecar-init installs, a
// connection from the other pod through the proxy, the loopback probe that
// must not go through it, and the stats command whose output is the
// evidence (and the proxy's termination message).
func TestSidecarProxyForReal(t *testing.T) {
	testenv.RequirePrivileged(t)
	bin := testenv.RequireCommand(t, "haproxy", "haproxy")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := local.Up(ctx, local.Config{Name: fmt.Sprintf("k%08x", rand.Uint32()), Nodes: 1, PodsPerNode: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Down(); err != nil {
			t.Error(err)
		}
	})
	srv, client := c.Pods()[0], c.Pods()[1]

	// The application: a TCP echo on 7000 in the server pod.
	var ln net.Listener
	if err := netnsutil.Do(srv.Netns, func() (err error) { ln, err = net.Listen("tcp", ":7000"); return err }); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go echo(ln)

	// The proxy, with the ConfigMap's configuration.
	cm, err := SidecarConfigMap("meshbench-proxy", baseline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, ProxyConfigKey)
	text := strings.ReplaceAll(cm.Data[ProxyConfigKey], proxyRunDir, dir)
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	var proxy *exec.Cmd
	err = netnsutil.Do(srv.Netns, func() error {
		proxy = exec.Command(bin, "-db", "-f", cfg)
		proxy.Stderr = os.Stderr
		return proxy.Start()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = proxy.Process.Kill()
		_ = proxy.Wait() // killed: its exit status says so
	}()
	health := fmt.Sprintf("http://%s:%d/healthz/ready", srv.IPv4, baseline.KubeHealthPort)
	waitHTTP(t, netnsutil.DialContext(client.Netns), health)

	// The capture, as meshbench-init installs it.
	capture, err := intercept.Install(srv.Netns, intercept.Config{ExcludeInboundPorts: []uint16{baseline.KubeHealthPort}})
	if err != nil {
		t.Fatal(err)
	}
	defer capture.Remove()
	waitHTTP(t, netnsutil.DialContext(client.Netns), health) // the kubelet's probe still gets through

	before := stats(t, srv.Netns)
	conn, err := netnsutil.DialContext(client.Netns)(ctx, "tcp4", fmt.Sprintf("%s:7000", srv.IPv4))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(conn, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("echo through the proxy: %q, %v", buf, err)
	}
	conn.Close()
	// The rewritten readiness probe, as the kubelet execs it in the pod.
	probe := loopbackProbe(t, 7000)
	if err := netnsutil.Do(srv.Netns, func() error { return exec.Command(probe[0], probe[1:]...).Run() }); err != nil {
		t.Fatalf("loopback probe %v: %v", probe, err)
	}

	var after baseline.PodCounters
	deadline := time.Now().Add(5 * time.Second)
	for {
		after = stats(t, srv.Netns)
		if after.Inbound.TCPConnections > before.Inbound.TCPConnections || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := after.Inbound.Connections - before.Inbound.Connections; got != 1 {
		t.Errorf("inbound connections counted: %d, want 1 (the client's; health checks and the loopback probe must not count)", got)
	}
	if got := after.Inbound.TCPConnections - before.Inbound.TCPConnections; got != 1 {
		t.Errorf("inbound TCP connections counted: %d, want 1", got)
	}
}

// stats runs ProxyStatsCommand in the namespace and parses its output the
// way the harness does, checking that it fits a termination message.
func stats(t *testing.T, netns string) baseline.PodCounters {
	t.Helper()
	cmd := ProxyStatsCommand()
	var out, errb bytes.Buffer
	err := netnsutil.Do(netns, func() error {
		c := exec.Command(cmd[0], cmd[1:]...)
		c.Stdout, c.Stderr = &out, &errb
		return c.Run()
	})
	if err != nil {
		t.Fatalf("stats command: %v\n%s", err, errb.String())
	}
	if out.Len() > 4096 {
		t.Errorf("stats are %d bytes, more than a termination message holds (4096)", out.Len())
	}
	pc, err := baseline.ParseHAProxyStats(&out)
	if err != nil {
		t.Fatalf("parse stats: %v\n%s", err, out.String())
	}
	return pc
}

// loopbackProbe is InjectSidecar's rewrite of a tcpSocket probe on port.
func loopbackProbe(t *testing.T, port int) []string {
	t.Helper()
	p, err := ServerPod(ServerOptions{Name: "s", Node: "n", Mode: "sidecar", Image: mbImage, ReadinessPort: port})
	if err != nil {
		t.Fatal(err)
	}
	if err := InjectSidecar(p, sidecarOpts); err != nil {
		t.Fatal(err)
	}
	return p.Spec.Containers[0].ReadinessProbe.Exec.Command
}

func waitHTTP(t *testing.T, dial func(ctx context.Context, network, addr string) (net.Conn, error), url string) {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{DialContext: dial}, Timeout: time.Second}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := hc.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			err = errors.New(resp.Status)
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %v", url, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func echo(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			_, _ = io.Copy(c, c) // ends when the client closes
		}()
	}
}

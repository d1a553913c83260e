package mesh

import (
	"context"
	"fmt"
	"strconv"

	baseline "github.com/meshbench/meshbench/envoy-baseline"
	"github.com/meshbench/meshbench/internal/substrate/local"
	"github.com/meshbench/meshbench/scenarios"
)

// sidecarMesh is the sidecar baseline as a Mesh.
type sidecarMesh struct {
	s      *baseline.Sidecars
	target Target
	mtls   bool
}

// Sidecar returns the Installer of mesh "sidecar": a proxy in the client and
// the server pod with Istio-style capture.
func Sidecar(opts baseline.Options) Installer {
	return func(ctx context.Context, c *local.Cluster, t Target) (Mesh, error) {
		s, err := baseline.Install(ctx, c, []local.Pod{t.Client, t.Server}, opts)
		if err != nil {
			return nil, err
		}
		return &sidecarMesh{s: s, target: t, mtls: s.Info().MTLS}, nil
	}
}

// Evidence is what the two proxies counted: the client's outbound side and
// the server's inbound side.
func (m *sidecarMesh) Evidence(ctx context.Context) (map[string]int64, error) {
	cs, err := m.s.Counters(ctx)
	if err != nil {
		return nil, err
	}
	out, in := cs[m.target.Client.Name].Outbound, cs[m.target.Server.Name].Inbound
	return map[string]int64{
		"client_proxy_outbound_http_requests":   int64(out.HTTPRequests),
		"client_proxy_outbound_tcp_connections": int64(out.TCPConnections),
		"client_proxy_outbound_tls_connections": int64(out.TLSConnections),
		"server_proxy_inbound_http_requests":    int64(in.HTTPRequests),
		"server_proxy_inbound_tcp_connections":  int64(in.TCPConnections),
		"server_proxy_inbound_tls_connections":  int64(in.TLSConnections),
		"server_proxy_inbound_connections":      int64(in.Connections),
		"client_proxy_outbound_connections":     int64(out.Connections),
	}, nil
}

// Verify requires both proxies to have carried the traffic: every completed
// HTTP request (warm-up ones add to the counters, so at least as many), or
// for raw TCP every connection of the load generator; with mTLS, every
// proxied connection between the two sidecars must have been TLS.
func (m *sidecarMesh) Verify(ev map[string]int64, completed int64) []string {
	var problems []string
	need := func(key string, min int64) {
		if ev[key] < min {
			problems = append(problems, fmt.Sprintf("sidecar evidence: %s = %d, want at least %d", key, ev[key], min))
		}
	}
	switch m.target.Protocol {
	case scenarios.ProtocolHTTP:
		need("client_proxy_outbound_http_requests", completed)
		need("server_proxy_inbound_http_requests", completed)
	default:
		need("client_proxy_outbound_tcp_connections", int64(m.target.Connections))
		need("server_proxy_inbound_tcp_connections", int64(m.target.Connections))
	}
	if m.mtls {
		need("server_proxy_inbound_tls_connections", int64(m.target.Connections))
	}
	return problems
}

func (m *sidecarMesh) ProxyCgroups() map[string]string { return m.s.ProxyCgroups() }

func (m *sidecarMesh) Info() map[string]string {
	i := m.s.Info()
	return map[string]string{
		"mesh": scenarios.MeshSidecar, "proxy": i.Proxy, "version": i.Version,
		"workers": strconv.Itoa(i.Workers), "mtls": strconv.FormatBool(i.MTLS), "capture": i.Capture,
	}
}

func (m *sidecarMesh) Remove() error { return m.s.Remove() }

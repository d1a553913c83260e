package mesh

import (
	"context"
	"strings"
	"testing"

	"github.com/meshbench/meshbench/internal/substrate/local"
	"github.com/meshbench/meshbench/scenarios"
)

var (
	client = local.Pod{Name: "mb-n0-p1", Node: "mb-n0"}
	server = local.Pod{Name: "mb-n0-p0", Node: "mb-n0"}
	remote = local.Pod{Name: "mb-n1-p0", Node: "mb-n1"}
)

// TestVerify: each mode accepts a run only when its own counters show it
// carried the traffic the load generator completed.
func TestVerify(t *testing.T) {
	none, err := None(context.Background(), nil, Target{Client: client, Server: server})
	if err != nil {
		t.Fatal(err)
	}
	http := Target{Client: client, Server: server, Protocol: scenarios.ProtocolHTTP, Connections: 4}
	tcp := Target{Client: client, Server: server, Protocol: scenarios.ProtocolTCP, Connections: 4}
	tests := []struct {
		name      string
		m         Mesh
		ev        map[string]int64
		completed int64
		want      string // "" = accepted
	}{
		{"none clean", none, map[string]int64{"bpf_programs": 0, "extra_processes": 0}, 100, ""},
		{"none with a program", none, map[string]int64{"bpf_programs": 1}, 100, "1 BPF programs"},
		{"none with a proxy", none, map[string]int64{"extra_processes": 2}, 100, "2 extra processes"},
		{"none with a tc program", none, map[string]int64{"interface_bpf_programs": 1}, 100, "1 on their or their nodes' interfaces"},
		{"sidecar http all proxied", &sidecarMesh{target: http}, map[string]int64{"client_proxy_outbound_http_requests": 120, "server_proxy_inbound_http_requests": 120}, 100, ""},
		{"sidecar http bypassed", &sidecarMesh{target: http}, map[string]int64{"client_proxy_outbound_http_requests": 120, "server_proxy_inbound_http_requests": 7}, 100, "server_proxy_inbound_http_requests = 7, want at least 100"},
		{"sidecar tcp", &sidecarMesh{target: tcp}, map[string]int64{"client_proxy_outbound_tcp_connections": 4, "server_proxy_inbound_tcp_connections": 4}, 100, ""},
		{"sidecar tcp missing", &sidecarMesh{target: tcp}, map[string]int64{"client_proxy_outbound_tcp_connections": 4}, 100, "server_proxy_inbound_tcp_connections = 0"},
		{"sidecar mtls plaintext", &sidecarMesh{target: tcp, mtls: true}, map[string]int64{"client_proxy_outbound_tcp_connections": 4, "server_proxy_inbound_tcp_connections": 4}, 100, "server_proxy_inbound_tls_connections = 0"},
		{"ebpf same node redirected", &ebpfMesh{target: http}, map[string]int64{"client_msgs_redirected": 100, "server_msgs_redirected": 130}, 100, ""},
		{"ebpf same node fell back", &ebpfMesh{target: http}, map[string]int64{"client_msgs_redirected": 0, "server_msgs_redirected": 0}, 100, "client_msgs_redirected = 0"},
		{"ebpf same node degraded, fast path", &ebpfMesh{target: http, degraded: "splice stalls"}, map[string]int64{"fastpath_peer_packets": 300}, 100, ""},
		{"ebpf same node degraded, nothing carried", &ebpfMesh{target: http, degraded: "splice stalls"}, map[string]int64{"client_msgs_redirected": 0}, 100, "fastpath_peer_packets = 0"},
		{"ebpf nothing completed", &ebpfMesh{target: http}, map[string]int64{}, 0, "want at least 1"},
		{"ebpf cross node fast path", &ebpfMesh{target: Target{Client: remote, Server: server}}, map[string]int64{"fastpath_neigh_packets": 300}, 100, ""},
		{"ebpf cross node no fast path", &ebpfMesh{target: Target{Client: remote, Server: server}}, map[string]int64{"client_msgs_redirected": 500}, 100, "fastpath_neigh_packets = 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(tt.m.Verify(tt.ev, tt.completed), "; ")
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("Verify = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDatapathInstanceIsPerCluster(t *testing.T) {
	if a, b := DatapathInstance("default"), DatapathInstance("t1"); a == b || !strings.HasPrefix(a, "mb-") {
		t.Errorf("instances %q and %q", a, b)
	}
}

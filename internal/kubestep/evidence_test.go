package kubestep

import (
	"strings"
	"testing"

	"github.com/meshbench/meshbench/bench/runner"
	"github.com/meshbench/meshbench/scenarios"
)

// TestVerify: a kind step counts only when its mode's own evidence shows
// it carried the traffic, with the same rules as the local meshes.
func TestVerify(t *testing.T) {
	b := &Backend{serverNode: "cp", otherNode: "w"}
	mk := func(mode, proto, clientNode string) *step {
		return &step{b: b, mesh: mode, clientNode: clientNode, t: runner.KubeTarget{Protocol: proto, Connections: 2}}
	}
	tests := []struct {
		name      string
		s         *step
		ev        map[string]int64
		completed int64
		want      string // "" valid, else a substring of the problems
	}{
		{"none clean", mk("none", "http", "cp"), map[string]int64{}, 100, ""},
		{"none beside a proxy", mk("none", "http", "cp"), map[string]int64{"extra_containers": 1}, 100, "extra_containers = 1"},
		{"sidecar counted all", mk("sidecar", "http", "cp"), map[string]int64{"client_proxy_outbound_http_requests": 120, "server_proxy_inbound_http_requests": 120}, 100, ""},
		{"sidecar server missed", mk("sidecar", "http", "cp"), map[string]int64{"client_proxy_outbound_http_requests": 120, "server_proxy_inbound_http_requests": 3}, 100, "server_proxy_inbound_http_requests = 3"},
		{"sidecar tcp conns", mk("sidecar", "tcp", "cp"), map[string]int64{"client_proxy_outbound_tcp_connections": 2, "server_proxy_inbound_tcp_connections": 1}, 100, "server_proxy_inbound_tcp_connections = 1"},
		{"ebpf redirected", mk("ebpf", "http", "cp"), map[string]int64{"agents_enabled": 1, "client_msgs_redirected": 100, "server_msgs_redirected": 100}, 100, ""},
		{"ebpf not redirected", mk("ebpf", "http", "cp"), map[string]int64{"agents_enabled": 1}, 100, "client_msgs_redirected = 0"},
		{"ebpf degraded, fast path carried it", mk("ebpf", "http", "cp"), map[string]int64{"agents_enabled": 1, "agents_degraded": 1, "fastpath_peer_packets": 400}, 100, ""},
		{"ebpf degraded, nothing carried it", mk("ebpf", "http", "cp"), map[string]int64{"agents_enabled": 1, "agents_degraded": 1}, 100, "fastpath_peer_packets = 0"},
		{"ebpf agents off", mk("ebpf", "http", "cp"), map[string]int64{"client_msgs_redirected": 100, "server_msgs_redirected": 100}, 100, "agents_enabled = 0"},
		{"ebpf cross-node via the fast path", mk("ebpf", "http", "w"), map[string]int64{"agents_enabled": 2, "fastpath_neigh_packets": 250}, 100, ""},
		{"ebpf cross-node by the plain stack", mk("ebpf", "http", "w"), map[string]int64{"agents_enabled": 2, "fastpath_neigh_packets": 3}, 100, "fastpath_neigh_packets = 3, want at least 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(tt.s.Verify(tt.ev, tt.completed), "; ")
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("Verify = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReadinessPortFollowsTheProtocol(t *testing.T) {
	if readinessPort(runner.KubeTarget{Protocol: scenarios.ProtocolHTTP}) != runner.HTTPPort || readinessPort(runner.KubeTarget{Protocol: scenarios.ProtocolTCP}) != runner.TCPPort {
		t.Error("the server pod is ready on a port the step does not use")
	}
}

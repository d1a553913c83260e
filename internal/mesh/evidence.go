package mesh

import (
	"fmt"

	"github.com/meshbench/meshbench/datapath"
	baseline "github.com/meshbench/meshbench/envoy-baseline"
	"github.com/meshbench/meshbench/scenarios"
)

// The evidence keys and the rules that judge them are the same on every
// substrate, so a kind result and a local one say the same thing the same
// way.

// SidecarEvidence is what the two proxies counted: the client's outbound
// side and the server's inbound side.
func SidecarEvidence(client, server baseline.PodCounters) map[string]int64 {
	out, in := client.Outbound, server.Inbound
	return map[string]int64{
		"client_proxy_outbound_http_requests":   int64(out.HTTPRequests),
		"client_proxy_outbound_tcp_connections": int64(out.TCPConnections),
		"client_proxy_outbound_tls_connections": int64(out.TLSConnections),
		"client_proxy_outbound_connections":     int64(out.Connections),
		"server_proxy_inbound_http_requests":    int64(in.HTTPRequests),
		"server_proxy_inbound_tcp_connections":  int64(in.TCPConnections),
		"server_proxy_inbound_tls_connections":  int64(in.TLSConnections),
		"server_proxy_inbound_connections":      int64(in.Connections),
	}
}

// SidecarProblems requires both proxies to have carried the traffic: every
// completed HTTP request (warm-up ones add to the counters, so at least as
// many), or for raw TCP every connection of the load generator; with mTLS,
// every proxied connection between the two sidecars must have been TLS.
func SidecarProblems(ev map[string]int64, protocol string, connections int, completed int64, mtls bool) []string {
	var problems []string
	need := func(key string, least int64) {
		if ev[key] < least {
			problems = append(problems, fmt.Sprintf("sidecar evidence: %s = %d, want at least %d", key, ev[key], least))
		}
	}
	switch protocol {
	case scenarios.ProtocolHTTP:
		need("client_proxy_outbound_http_requests", completed)
		need("server_proxy_inbound_http_requests", completed)
	default:
		need("client_proxy_outbound_tcp_connections", int64(connections))
		need("server_proxy_inbound_tcp_connections", int64(connections))
	}
	if mtls {
		need("server_proxy_inbound_tls_connections", int64(connections))
	}
	return problems
}

// AddPodCounters adds one pod's datapath counters to ev under its role
// ("client" or "server").
func AddPodCounters(ev map[string]int64, role string, c datapath.Counters) {
	ev[role+"_conns_paired"] += int64(c.ConnsPaired)
	ev[role+"_msgs_redirected"] += int64(c.MsgsRedirected)
	ev[role+"_bytes_redirected"] += int64(c.BytesRedirected)
	ev[role+"_msgs_fallback"] += int64(c.MsgsFallback)
	ev[role+"_policy_denied"] += int64(c.PolicyDenied)
}

// AddFastPathCounters adds one datapath's tc fast path counters to ev, the
// keys EBPFProblems judges.
func AddFastPathCounters(ev map[string]int64, c datapath.TCCounters) {
	ev["fastpath_peer_packets"] += int64(c.Peer)
	ev["fastpath_neigh_packets"] += int64(c.Neigh)
	ev["fastpath_pass_packets"] += int64(c.Pass)
}

// needAtLeast is the eBPF rule for one counter: at least least, and never
// zero (a run with no redirected message is no eBPF run).
func needAtLeast(ev map[string]int64, key string, least int64) []string {
	if ev[key] < least || ev[key] == 0 {
		return []string{fmt.Sprintf("ebpf evidence: %s = %d, want at least %d", key, ev[key], max(least, 1))}
	}
	return nil
}

// EBPFProblems requires the eBPF datapath to have carried the traffic: on
// one node, every completed request redirected by the client's socket and
// every response by the server's; across nodes (where sockets are not
// short-circuited) at least one fast-path packet per request. A degraded
// datapath short-circuits no socket, so on one node too it is judged by
// the fast path. The evidence keys are client_/server_ pod counters and
// fastpath_peer_packets / fastpath_neigh_packets.
func EBPFProblems(ev map[string]int64, completed int64, sameNode, degraded bool) []string {
	switch {
	case sameNode && !degraded:
		return RedirectProblems(ev, completed)
	case sameNode:
		return needAtLeast(ev, "fastpath_peer_packets", completed)
	}
	return needAtLeast(ev, "fastpath_neigh_packets", completed)
}

// RedirectProblems requires pods on one node to have been short-circuited:
// every completed request redirected by the client's socket and every
// response by the server's.
func RedirectProblems(ev map[string]int64, completed int64) []string {
	return append(needAtLeast(ev, "client_msgs_redirected", completed), needAtLeast(ev, "server_msgs_redirected", completed)...)
}

// Package haproxy runs HAProxy as a transparent sidecar: it renders the
// configuration from a Config, starts HAProxy in a pod and waits until it is
// ready, reads its counters from the stats socket and stops it.
//
// One HAProxy process (master-worker, Workers threads) serves both
// directions. The outbound listener takes the application's captured
// connections, the inbound listener those from other pods; each connects to
// the connection's original destination (a server at 0.0.0.0:0 means
// "where the client was going"). The destination port picks the protocol:
// HTTP/1.1 ports are proxied in HTTP mode with keep-alive upstream
// connections shared between downstream ones (http-reuse always, as Envoy
// pools them), every other port as raw TCP.
//
// With mutual TLS, outbound connections to meshed peers (listed in a map
// file) originate TLS and verify the peer's certificate and name; the
// inbound listener tells TLS from plaintext by the first bytes, hands TLS
// to a terminating listener over a unix socket (PROXY protocol keeps the
// original destination) and serves plaintext from non-meshed clients as
// before, like Istio's PERMISSIVE mode.
package haproxy

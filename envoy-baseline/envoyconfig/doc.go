// Package envoyconfig builds the bootstrap of an Envoy sidecar from Envoy's
// own API types (github.com/envoyproxy/go-control-plane), validates every
// part with the generated Validate methods, and marshals it to the JSON or
// YAML file Envoy reads, so the configuration is checked against Envoy's
// schema even on hosts without an envoy binary.
//
// The shape is Istio's: a virtual outbound listener on 15001 and a virtual
// inbound listener on 15006, both with the original_dst listener filter, so
// connections captured by iptables/nftables REDIRECT are proxied to where
// they were going through ORIGINAL_DST clusters. The destination port picks
// the filter chain: HTTP/1.1 ports get an HTTP connection manager with the
// router, everything else tcp_proxy. The admin interface listens on
// 127.0.0.1:15000.
//
// With mutual TLS, outbound connections to meshed peers (by destination
// address) go through a cluster that originates TLS with the pod's
// certificate and checks the peer's SPIFFE ID; the inbound listener
// detects TLS (tls_inspector), terminates it requiring a client
// certificate from the same trust domain, and still serves plaintext from
// non-meshed clients (Istio's PERMISSIVE mode).
package envoyconfig

package envoyconfig

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
)

// Defaults, the ones Istio uses.
const (
	DefaultAdminPort    = 15000
	DefaultOutboundPort = 15001
	DefaultInboundPort  = 15006
	DefaultConcurrency  = 2
)

// Stat prefixes of the listeners and their filters, which counters are
// read by: listener.<dir>.*, http.<dir>_http.*, tcp.<dir>_tcp.*, and with
// mTLS http.<dir>_mtls_http.*, tcp.<dir>_mtls_tcp.*.
const (
	Outbound = "outbound"
	Inbound  = "inbound"
)

// Cluster names.
const (
	ClusterOutbound     = "outbound_passthrough"
	ClusterOutboundMTLS = "outbound_mtls"
	ClusterInbound      = "inbound_passthrough"
)

// Config is one sidecar's Envoy configuration.
type Config struct {
	NodeID       string // the pod's name
	AdminPort    uint32 // on 127.0.0.1
	OutboundPort uint32
	InboundPort  uint32
	// HTTPPorts are destination ports spoken as HTTP/1.1; every other port
	// is proxied as raw TCP.
	HTTPPorts   []uint32
	Concurrency int  // worker threads (--concurrency)
	TLS         *TLS // nil: plaintext everywhere
}

// TLS is the mutual TLS part of a Config. Paths are absolute.
type TLS struct {
	CertChain  string // this pod's certificate, PEM
	PrivateKey string // its key, PEM
	TrustedCA  string // the run's CA certificate, PEM
	// TrustDomain is the SPIFFE trust domain peers' URI SANs must be in.
	TrustDomain string
	// MeshedPeers are the addresses of pods with a sidecar: outbound
	// connections to them originate TLS.
	MeshedPeers []netip.Addr
}

// Normalize fills defaults and sorts the HTTP ports.
func (c *Config) Normalize() {
	if c.AdminPort == 0 {
		c.AdminPort = DefaultAdminPort
	}
	if c.OutboundPort == 0 {
		c.OutboundPort = DefaultOutboundPort
	}
	if c.InboundPort == 0 {
		c.InboundPort = DefaultInboundPort
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	c.HTTPPorts = slices.Compact(slices.Sorted(slices.Values(c.HTTPPorts)))
}

// validate checks what Envoy's schema cannot: the rest is checked by the
// generated Validate methods in Build.
func (c *Config) validate() error {
	if c.NodeID == "" {
		return fmt.Errorf("node id: required")
	}
	if c.Concurrency < 1 {
		return fmt.Errorf("concurrency: want >= 1, got %d", c.Concurrency)
	}
	if c.OutboundPort == c.InboundPort || c.AdminPort == c.InboundPort || c.AdminPort == c.OutboundPort {
		return fmt.Errorf("ports: admin %d, outbound %d and inbound %d must differ", c.AdminPort, c.OutboundPort, c.InboundPort)
	}
	if t := c.TLS; t != nil {
		if t.CertChain == "" || t.PrivateKey == "" || t.TrustedCA == "" || t.TrustDomain == "" {
			return fmt.Errorf("tls: certificate chain, private key, trusted CA and trust domain are all required")
		}
		for _, a := range t.MeshedPeers {
			if !a.IsValid() {
				return fmt.Errorf("tls: meshed peer %v: not an IP address", a)
			}
		}
	}
	return nil
}

// Args are the command line arguments that run Envoy with the bootstrap at
// path: c's concurrency, no hot restart (several sidecars share a host),
// warnings only.
func (c Config) Args(path string) []string {
	return []string{"-c", path, "--concurrency", strconv.Itoa(c.Concurrency), "--disable-hot-restart", "--log-level", "warning"}
}

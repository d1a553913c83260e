package baseline

import (
	"errors"
	"fmt"
	"slices"
)

// Proxy names.
const (
	ProxyAuto    = "auto"
	ProxyHAProxy = "haproxy"
	ProxyEnvoy   = "envoy"
)

// Protocols a destination port can be proxied as.
const (
	ProtocolHTTP = "http" // HTTP/1.1: requests are counted, upstream connections pooled
	ProtocolTCP  = "tcp"  // raw TCP: connections are counted
)

// DefaultWorkers is the proxies' worker threads, as in Istio's benchmarks.
const DefaultWorkers = 2

// DefaultPortProtocols matches the workload: HTTP on 8080, TCP echo on 7000.
var DefaultPortProtocols = map[int]string{8080: ProtocolHTTP, 7000: ProtocolTCP}

// ErrInvalidOptions marks errors caused by bad Options (bad input).
var ErrInvalidOptions = errors.New("invalid sidecar options")

// Options configure the sidecars of one Install.
type Options struct {
	// Proxy is "auto" (the default), "haproxy" or "envoy"; see Resolve.
	Proxy string `json:"proxy"`
	// Workers is each proxy's worker threads (default 2).
	Workers int `json:"workers"`
	// MTLS makes sidecars talk to each other over mutual TLS with
	// per-pod certificates from a throwaway CA; they still accept
	// plaintext from pods without a sidecar.
	MTLS bool `json:"mtls"`
	// ExcludeInboundPorts and ExcludeOutboundPorts bypass the proxy.
	ExcludeInboundPorts  []int `json:"exclude_inbound_ports,omitempty"`
	ExcludeOutboundPorts []int `json:"exclude_outbound_ports,omitempty"`
	// PortProtocols says which destination ports speak HTTP/1.1 ("http");
	// any other port is proxied as raw TCP. Nil means DefaultPortProtocols.
	PortProtocols map[int]string `json:"port_protocols,omitempty"`
}

// Normalize fills defaults.
func (o *Options) Normalize() {
	if o.Proxy == "" {
		o.Proxy = ProxyAuto
	}
	if o.Workers == 0 {
		o.Workers = DefaultWorkers
	}
	if o.PortProtocols == nil {
		o.PortProtocols = DefaultPortProtocols
	}
}

// Validate reports every invalid field, each error wrapping
// ErrInvalidOptions and naming the field.
func (o *Options) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidOptions}, args...)...))
	}
	if !slices.Contains([]string{ProxyAuto, ProxyHAProxy, ProxyEnvoy}, o.Proxy) {
		bad("proxy: want %q, %q or %q, got %q", ProxyAuto, ProxyHAProxy, ProxyEnvoy, o.Proxy)
	}
	if o.Workers < 1 || o.Workers > 64 {
		bad("workers: want 1 to 64, got %d", o.Workers)
	}
	for _, l := range []struct {
		field string
		ports []int
	}{{"exclude_inbound_ports", o.ExcludeInboundPorts}, {"exclude_outbound_ports", o.ExcludeOutboundPorts}} {
		for _, p := range l.ports {
			if !validPort(p) {
				bad("%s: port %d: want 1-65535", l.field, p)
			}
		}
	}
	for p, proto := range o.PortProtocols {
		if !validPort(p) {
			bad("port_protocols: port %d: want 1-65535", p)
		}
		if proto != ProtocolHTTP && proto != ProtocolTCP {
			bad("port_protocols: port %d: want %q or %q, got %q", p, ProtocolHTTP, ProtocolTCP, proto)
		}
	}
	return errors.Join(errs...)
}

// httpPorts lists the ports proxied as HTTP, sorted.
func (o *Options) httpPorts() []int {
	var ps []int
	for p, proto := range o.PortProtocols {
		if proto == ProtocolHTTP {
			ps = append(ps, p)
		}
	}
	slices.Sort(ps)
	return ps
}

func validPort(p int) bool { return p > 0 && p < 65536 }

func u16s(ps []int) []uint16 {
	out := make([]uint16, len(ps))
	for i, p := range ps {
		out[i] = uint16(p)
	}
	return out
}

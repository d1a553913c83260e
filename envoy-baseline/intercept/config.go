package intercept

import (
	"fmt"
	"slices"
)

// Mode is how one address family's connections reach the proxy.
type Mode int

// Capture modes.
const (
	// Redirect rewrites the destination (NAT REDIRECT); the proxy recovers
	// it with SO_ORIGINAL_DST.
	Redirect Mode = iota
	// TProxy keeps the destination and hands the connection to a
	// transparent listener; needs policy routing for outbound traffic.
	TProxy
)

func (m Mode) String() string {
	switch m {
	case Redirect:
		return "redirect"
	case TProxy:
		return "tproxy"
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// Defaults, the ones Istio uses.
const (
	DefaultOutboundPort = 15001
	DefaultInboundPort  = 15006
	DefaultProxyUID     = 1337
	DefaultMark         = 0x539 // 1337, as Istio's TPROXY mode
	DefaultRouteTable   = 133   // as Istio's TPROXY mode
)

// Config says how to capture a pod's traffic. The zero value, normalized,
// is Istio's setup with REDIRECT for both families.
type Config struct {
	OutboundPort uint16 // where outbound connections go (15001)
	InboundPort  uint16 // where inbound connections go (15006)
	ProxyUID     uint32 // connections of this UID are never captured (1337)

	// ExcludeInboundPorts are destination ports of inbound connections that
	// go straight to the application. The proxy's ports are always added.
	ExcludeInboundPorts []uint16
	// ExcludeOutboundPorts are destination ports of outbound connections
	// that bypass the proxy.
	ExcludeOutboundPorts []uint16

	IPv4, IPv6 Mode

	// Mark and RouteTable implement TProxy's policy routing.
	Mark       uint32
	RouteTable uint32
}

// Normalize fills zero fields with the defaults and sorts and deduplicates
// the port lists, adding the proxy's own ports to the inbound exclusions.
func (c *Config) Normalize() {
	if c.OutboundPort == 0 {
		c.OutboundPort = DefaultOutboundPort
	}
	if c.InboundPort == 0 {
		c.InboundPort = DefaultInboundPort
	}
	if c.ProxyUID == 0 {
		c.ProxyUID = DefaultProxyUID
	}
	if c.Mark == 0 {
		c.Mark = DefaultMark
	}
	if c.RouteTable == 0 {
		c.RouteTable = DefaultRouteTable
	}
	c.ExcludeInboundPorts = sortedSet(append(slices.Clone(c.ExcludeInboundPorts), c.OutboundPort, c.InboundPort))
	c.ExcludeOutboundPorts = sortedSet(slices.Clone(c.ExcludeOutboundPorts))
}

// Validate reports the first invalid field of a normalized Config.
func (c *Config) Validate() error {
	if c.OutboundPort == c.InboundPort {
		return fmt.Errorf("outbound and inbound port are both %d", c.InboundPort)
	}
	for _, m := range []Mode{c.IPv4, c.IPv6} {
		if m != Redirect && m != TProxy {
			return fmt.Errorf("unknown capture mode %v", m)
		}
	}
	if c.ProxyUID == 0 {
		return fmt.Errorf("proxy uid 0 would exempt every root process from capture")
	}
	if slices.Contains(c.ExcludeInboundPorts, 0) || slices.Contains(c.ExcludeOutboundPorts, 0) {
		return fmt.Errorf("excluded port 0")
	}
	return nil
}

func sortedSet(ports []uint16) []uint16 {
	slices.Sort(ports)
	return slices.Compact(ports)
}

// String summarizes how each family is captured, for results.
func (c Config) String() string {
	return fmt.Sprintf("nftables: ipv4 %s, ipv6 %s", c.IPv4, c.IPv6)
}

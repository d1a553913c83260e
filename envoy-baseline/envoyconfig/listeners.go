package envoyconfig

import (
	"net/netip"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	origdstv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/listener/original_dst/v3"
	tlsinspectorv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/listener/tls_inspector/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// outboundListener takes the application's captured connections.
func outboundListener(c Config) (*listenerv3.Listener, error) {
	l, err := virtualListener(Outbound, c.OutboundPort, corev3.TrafficDirection_OUTBOUND, false)
	if err != nil {
		return nil, err
	}
	if c.TLS != nil {
		peers := peerRanges(c.TLS.MeshedPeers)
		for _, port := range c.HTTPPorts {
			fc, err := httpChain(Outbound+"_mtls_http", ClusterOutboundMTLS, &listenerv3.FilterChainMatch{
				DestinationPort: wrapperspb.UInt32(port), PrefixRanges: peers,
			})
			if err != nil {
				return nil, err
			}
			l.FilterChains = append(l.FilterChains, fc)
		}
		fc, err := tcpChain(Outbound+"_mtls_tcp", ClusterOutboundMTLS, &listenerv3.FilterChainMatch{PrefixRanges: peers})
		if err != nil {
			return nil, err
		}
		l.FilterChains = append(l.FilterChains, fc)
	}
	for _, port := range c.HTTPPorts {
		fc, err := httpChain(Outbound+"_http", ClusterOutbound, &listenerv3.FilterChainMatch{DestinationPort: wrapperspb.UInt32(port)})
		if err != nil {
			return nil, err
		}
		l.FilterChains = append(l.FilterChains, fc)
	}
	l.DefaultFilterChain, err = tcpChain(Outbound+"_tcp", ClusterOutbound, nil)
	return l, err
}

// inboundListener takes connections from other pods.
func inboundListener(c Config) (*listenerv3.Listener, error) {
	l, err := virtualListener(Inbound, c.InboundPort, corev3.TrafficDirection_INBOUND, c.TLS != nil)
	if err != nil {
		return nil, err
	}
	plain := ""
	if c.TLS != nil {
		plain = "raw_buffer"
		ts, err := downstreamTLS(c.TLS)
		if err != nil {
			return nil, err
		}
		for _, port := range c.HTTPPorts {
			fc, err := httpChain(Inbound+"_mtls_http", ClusterInbound, &listenerv3.FilterChainMatch{
				DestinationPort: wrapperspb.UInt32(port), TransportProtocol: "tls",
			})
			if err != nil {
				return nil, err
			}
			fc.TransportSocket = proto.Clone(ts).(*corev3.TransportSocket)
			l.FilterChains = append(l.FilterChains, fc)
		}
		fc, err := tcpChain(Inbound+"_mtls_tcp", ClusterInbound, &listenerv3.FilterChainMatch{TransportProtocol: "tls"})
		if err != nil {
			return nil, err
		}
		fc.TransportSocket = ts
		l.FilterChains = append(l.FilterChains, fc)
	}
	for _, port := range c.HTTPPorts {
		fc, err := httpChain(Inbound+"_http", ClusterInbound, &listenerv3.FilterChainMatch{
			DestinationPort: wrapperspb.UInt32(port), TransportProtocol: plain,
		})
		if err != nil {
			return nil, err
		}
		l.FilterChains = append(l.FilterChains, fc)
	}
	l.DefaultFilterChain, err = tcpChain(Inbound+"_tcp", ClusterInbound, nil)
	return l, err
}

// virtualListener listens on 0.0.0.0 and [::] at port, restores the
// original destination of every connection (original_dst) and, with
// inspect, detects TLS (tls_inspector).
func virtualListener(name string, port uint32, dir corev3.TrafficDirection, inspect bool) (*listenerv3.Listener, error) {
	od, err := pack(&origdstv3.OriginalDst{})
	if err != nil {
		return nil, err
	}
	l := &listenerv3.Listener{
		Name:                name,
		StatPrefix:          name,
		Address:             socketAddress("0.0.0.0", port),
		AdditionalAddresses: []*listenerv3.AdditionalAddress{{Address: socketAddress("::", port)}},
		UseOriginalDst:      wrapperspb.Bool(true),
		TrafficDirection:    dir,
		ListenerFilters: []*listenerv3.ListenerFilter{{
			Name:       "envoy.filters.listener.original_dst",
			ConfigType: &listenerv3.ListenerFilter_TypedConfig{TypedConfig: od},
		}},
	}
	if inspect {
		ti, err := pack(&tlsinspectorv3.TlsInspector{})
		if err != nil {
			return nil, err
		}
		l.ListenerFilters = append(l.ListenerFilters, &listenerv3.ListenerFilter{
			Name:       "envoy.filters.listener.tls_inspector",
			ConfigType: &listenerv3.ListenerFilter_TypedConfig{TypedConfig: ti},
		})
	}
	return l, nil
}

// peerRanges turns addresses into host prefixes (/32, /128).
func peerRanges(addrs []netip.Addr) []*corev3.CidrRange {
	rs := make([]*corev3.CidrRange, len(addrs))
	for i, a := range addrs {
		rs[i] = &corev3.CidrRange{AddressPrefix: a.String(), PrefixLen: wrapperspb.UInt32(uint32(a.BitLen()))}
	}
	return rs
}

package envoyconfig

import (
	"fmt"
	"strconv"

	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	routerv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	tcpproxyv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/tcp_proxy/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
)

// httpChain proxies HTTP/1.1 to cluster: connection manager, one catch-all
// route without a timeout (large bodies are benchmarked), router. The
// chain is named after the stat prefix and the port it matches, since
// chain names must be unique in a listener.
func httpChain(statPrefix, cluster string, match *listenerv3.FilterChainMatch) (*listenerv3.FilterChain, error) {
	router, err := pack(&routerv3.Router{})
	if err != nil {
		return nil, err
	}
	hcm := &hcmv3.HttpConnectionManager{
		StatPrefix: statPrefix,
		CodecType:  hcmv3.HttpConnectionManager_HTTP1,
		RouteSpecifier: &hcmv3.HttpConnectionManager_RouteConfig{RouteConfig: &routev3.RouteConfiguration{
			Name: statPrefix,
			VirtualHosts: []*routev3.VirtualHost{{
				Name:    statPrefix,
				Domains: []string{"*"},
				Routes: []*routev3.Route{{
					Match: &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}},
					Action: &routev3.Route_Route{Route: &routev3.RouteAction{
						ClusterSpecifier: &routev3.RouteAction_Cluster{Cluster: cluster},
						Timeout:          durationpb.New(0),
					}},
				}},
			}},
		}},
		HttpFilters: []*hcmv3.HttpFilter{{
			Name:       "envoy.filters.http.router",
			ConfigType: &hcmv3.HttpFilter_TypedConfig{TypedConfig: router},
		}},
	}
	name := statPrefix
	if p := match.GetDestinationPort(); p != nil {
		name += "_" + strconv.FormatUint(uint64(p.GetValue()), 10)
	}
	return chain("envoy.filters.network.http_connection_manager", name, hcm, match)
}

// tcpChain proxies raw TCP to cluster.
func tcpChain(statPrefix, cluster string, match *listenerv3.FilterChainMatch) (*listenerv3.FilterChain, error) {
	tp := &tcpproxyv3.TcpProxy{
		StatPrefix:       statPrefix,
		ClusterSpecifier: &tcpproxyv3.TcpProxy_Cluster{Cluster: cluster},
	}
	return chain("envoy.filters.network.tcp_proxy", statPrefix, tp, match)
}

func chain(filter, name string, cfg validatable, match *listenerv3.FilterChainMatch) (*listenerv3.FilterChain, error) {
	a, err := pack(cfg)
	if err != nil {
		return nil, err
	}
	return &listenerv3.FilterChain{
		Name:             name,
		FilterChainMatch: match,
		Filters: []*listenerv3.Filter{{
			Name:       filter,
			ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: a},
		}},
	}, nil
}

// validatable is every generated Envoy message.
type validatable interface {
	proto.Message
	ValidateAll() error
}

// pack validates m, which the enclosing message's Validate cannot do once
// m is inside an Any, and wraps it in an Any.
func pack(m validatable) (*anypb.Any, error) {
	if err := m.ValidateAll(); err != nil {
		return nil, fmt.Errorf("%s: %w", m.ProtoReflect().Descriptor().FullName(), err)
	}
	a, err := anypb.New(m)
	if err != nil {
		return nil, fmt.Errorf("pack %s: %w", m.ProtoReflect().Descriptor().FullName(), err)
	}
	return a, nil
}

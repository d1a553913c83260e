package envoyconfig

import (
	"fmt"
	"math"
	"time"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// connectTimeout bounds upstream connection setup.
const connectTimeout = 5 * time.Second

// Build returns the validated bootstrap for c (normalized first).
func Build(c Config) (*bootstrapv3.Bootstrap, error) {
	c.Normalize()
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("envoy config: %w", err)
	}
	out, err := outboundListener(c)
	if err != nil {
		return nil, err
	}
	in, err := inboundListener(c)
	if err != nil {
		return nil, err
	}
	clusters, err := buildClusters(c)
	if err != nil {
		return nil, err
	}
	b := &bootstrapv3.Bootstrap{
		Node:  &corev3.Node{Id: c.NodeID, Cluster: "meshbench"},
		Admin: &bootstrapv3.Admin{Address: socketAddress("127.0.0.1", c.AdminPort)},
		StaticResources: &bootstrapv3.Bootstrap_StaticResources{
			Listeners: []*listenerv3.Listener{out, in},
			Clusters:  clusters,
		},
	}
	if err := b.ValidateAll(); err != nil {
		return nil, fmt.Errorf("envoy bootstrap: %w", err)
	}
	return b, nil
}

func buildClusters(c Config) ([]*clusterv3.Cluster, error) {
	cs := []*clusterv3.Cluster{originalDst(ClusterOutbound), originalDst(ClusterInbound)}
	if c.TLS != nil {
		ts, err := upstreamTLS(c.TLS)
		if err != nil {
			return nil, err
		}
		mtls := originalDst(ClusterOutboundMTLS)
		mtls.TransportSocket = ts
		cs = append(cs, mtls)
	}
	return cs, nil
}

// originalDst is a cluster that connects wherever the downstream
// connection was going. Its circuit breakers are opened wide, as Istio's
// passthrough clusters: the default limit of 1,024 connections or requests
// would otherwise cap a benchmark.
func originalDst(name string) *clusterv3.Cluster {
	unlimited := wrapperspb.UInt32(math.MaxUint32)
	return &clusterv3.Cluster{
		Name:                 name,
		ClusterDiscoveryType: &clusterv3.Cluster_Type{Type: clusterv3.Cluster_ORIGINAL_DST},
		LbPolicy:             clusterv3.Cluster_CLUSTER_PROVIDED,
		ConnectTimeout:       durationpb.New(connectTimeout),
		CircuitBreakers: &clusterv3.CircuitBreakers{Thresholds: []*clusterv3.CircuitBreakers_Thresholds{{
			MaxConnections: unlimited, MaxPendingRequests: unlimited, MaxRequests: unlimited, MaxRetries: unlimited,
		}}},
	}
}

func socketAddress(ip string, port uint32) *corev3.Address {
	return &corev3.Address{Address: &corev3.Address_SocketAddress{SocketAddress: &corev3.SocketAddress{
		Address:       ip,
		PortSpecifier: &corev3.SocketAddress_PortValue{PortValue: port},
	}}}
}

package baseline

import (
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/meshbench/meshbench/envoy-baseline/intercept"
	"github.com/meshbench/meshbench/envoy-baseline/internal/haproxy"
)

// Ports of a sidecar container on Kubernetes besides the two listeners.
const (
	// KubeStatsPort serves HAProxy's statistics page on 127.0.0.1 only, at
	// /stats (";csv" for CSV): what Envoy's admin port is in Istio.
	KubeStatsPort = 15000
	// KubeHealthPort answers /healthz/ready on every address for the
	// kubelet's probes, as Istio's 15021; capture must exclude it.
	KubeHealthPort = 15021
)

// KubeHAProxyConfig renders the haproxy.cfg of a sidecar container on
// Kubernetes: the local sidecar's listeners and backends with the given
// stats socket, plus the statistics page and readiness URI above. Capture
// there is REDIRECT for both families (the proxy container holds no
// capability, so no IP_TRANSPARENT listener); mutual TLS and Envoy are not
// offered on Kubernetes yet.
func KubeHAProxyConfig(opts Options, statsSocket string) ([]byte, error) {
	opts.Normalize()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	var errs []error
	if opts.Proxy != ProxyAuto && opts.Proxy != ProxyHAProxy {
		errs = append(errs, fmt.Errorf("%w: proxy: only %q runs on Kubernetes, got %q", ErrInvalidOptions, ProxyHAProxy, opts.Proxy))
	}
	if opts.MTLS {
		errs = append(errs, fmt.Errorf("%w: mtls: not supported on Kubernetes yet", ErrInvalidOptions))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	cfg := haproxy.Config{
		Workers:      opts.Workers,
		StatsSocket:  statsSocket,
		OutboundPort: intercept.DefaultOutboundPort,
		InboundPort:  intercept.DefaultInboundPort,
		HTTPPorts:    opts.httpPorts(),
	}
	text, err := cfg.Render()
	if err != nil {
		return nil, err
	}
	return append(text, kubeFrontends...), nil
}

// kubeFrontends are the Kubernetes sidecar's own endpoints. Their
// frontends are named apart from the listeners', so their requests never
// count as proxied traffic.
var kubeFrontends = []byte(`
frontend stats
	mode http
	bind 127.0.0.1:` + strconv.Itoa(KubeStatsPort) + `
	stats enable
	stats uri /stats

frontend health
	mode http
	bind 0.0.0.0:` + strconv.Itoa(KubeHealthPort) + `
	monitor-uri /healthz/ready
`)

// ParseHAProxyStats reads a sidecar's counters from HAProxy's CSV
// statistics: the answer of `show stat` or of the stats page's ";csv",
// whole or cut down to the columns counted (see KubeHAProxyConfig).
func ParseHAProxyStats(r io.Reader) (PodCounters, error) {
	c, err := haproxy.ParseCounters(r)
	if err != nil {
		return PodCounters{}, err
	}
	return fromHAProxy(c), nil
}

func fromHAProxy(c haproxy.Counters) PodCounters {
	conv := func(d haproxy.Direction) Direction {
		return Direction{
			Connections: d.Connections, HTTPRequests: d.HTTPRequests, TCPConnections: d.TCPConnections,
			TLSConnections: d.TLSConnections, BytesIn: d.BytesIn, BytesOut: d.BytesOut,
		}
	}
	return PodCounters{Inbound: conv(c.Inbound), Outbound: conv(c.Outbound)}
}

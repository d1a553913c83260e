package baseline

import (
	"context"
	"errors"
	"fmt"
)

// Direction counts what one side of a sidecar proxied.
type Direction struct {
	// Connections are downstream connections the listener accepted.
	Connections uint64 `json:"connections"`
	// HTTPRequests are requests to HTTP ports.
	HTTPRequests uint64 `json:"http_requests"`
	// TCPConnections are connections to raw TCP ports.
	TCPConnections uint64 `json:"tcp_connections"`
	// TLSConnections are mutual TLS connections: originated by the
	// outbound side, terminated by the inbound side.
	TLSConnections uint64 `json:"tls_connections"`
	// BytesIn and BytesOut are received from and sent to downstream
	// (ciphertext where the listener terminates TLS). HAProxy adds a raw
	// TCP connection's bytes when it ends.
	BytesIn  uint64 `json:"bytes_in"`
	BytesOut uint64 `json:"bytes_out"`
}

// PodCounters are one sidecar's totals since it started: Outbound counts
// what its application sent out, Inbound what other pods sent it.
type PodCounters struct {
	Inbound  Direction `json:"inbound"`
	Outbound Direction `json:"outbound"`
}

// Counters maps pod names to their sidecar's counters.
type Counters map[string]PodCounters

// Sub returns c - base per pod and field: what happened between two reads.
func (c Counters) Sub(base Counters) Counters {
	out := make(Counters, len(c))
	for pod, pc := range c {
		b := base[pod]
		out[pod] = PodCounters{Inbound: pc.Inbound.sub(b.Inbound), Outbound: pc.Outbound.sub(b.Outbound)}
	}
	return out
}

func (d Direction) sub(b Direction) Direction {
	return Direction{
		Connections:    d.Connections - b.Connections,
		HTTPRequests:   d.HTTPRequests - b.HTTPRequests,
		TCPConnections: d.TCPConnections - b.TCPConnections,
		TLSConnections: d.TLSConnections - b.TLSConnections,
		BytesIn:        d.BytesIn - b.BytesIn,
		BytesOut:       d.BytesOut - b.BytesOut,
	}
}

// Counters reads every sidecar's counters from the proxy itself (HAProxy's
// stats socket, Envoy's admin /stats). A proxy that died is an error.
func (s *Sidecars) Counters(ctx context.Context) (Counters, error) {
	out := make(Counters, len(s.pods))
	var errs []error
	for _, ps := range s.pods {
		pc, err := ps.proxy.counters(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("pod %s: %w", ps.pod.Name, err))
			continue
		}
		out[ps.pod.Name] = pc
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("read sidecar counters: %w", err)
	}
	return out, nil
}

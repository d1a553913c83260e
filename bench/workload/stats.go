package workload

import (
	"fmt"
	"sync/atomic"
)

// Stats counts what a server has done since it started. The request counts
// are what a sidecar's own counters are checked against.
type Stats struct {
	TCPConns     int64 `json:"tcp_conns"`     // echo connections accepted
	TCPRequests  int64 `json:"tcp_requests"`  // frames echoed
	TCPErrors    int64 `json:"tcp_errors"`    // connections ended by a protocol or I/O error
	HTTPConns    int64 `json:"http_conns"`    // HTTP connections accepted
	HTTPRequests int64 `json:"http_requests"` // requests answered, errors included
	HTTPErrors   int64 `json:"http_errors"`   // requests answered with a 4xx status
	OnceConns    int64 `json:"once_conns"`    // one-frame echo connections accepted
	OnceRequests int64 `json:"once_requests"` // frames echoed on them
	OnceErrors   int64 `json:"once_errors"`   // of them, ended by an error
	StreamConns  int64 `json:"stream_conns"`  // stream connections accepted
	StreamBytes  int64 `json:"stream_bytes"`  // bytes written to streams
	StreamErrors int64 `json:"stream_errors"` // streams with a bad header
}

func (s Stats) String() string {
	return fmt.Sprintf("tcp: %d conns, %d requests, %d errors; http: %d conns, %d requests, %d errors; once: %d conns, %d requests, %d errors; stream: %d conns, %d bytes, %d errors",
		s.TCPConns, s.TCPRequests, s.TCPErrors, s.HTTPConns, s.HTTPRequests, s.HTTPErrors,
		s.OnceConns, s.OnceRequests, s.OnceErrors, s.StreamConns, s.StreamBytes, s.StreamErrors)
}

// Stats returns a snapshot of the server's counters; it is safe to call at
// any time, also while serving.
func (s *Server) Stats() Stats {
	return Stats{
		TCPConns:     s.stats.tcpConns.Load(),
		TCPRequests:  s.stats.tcpRequests.Load(),
		TCPErrors:    s.stats.tcpErrors.Load(),
		HTTPConns:    s.stats.httpConns.Load(),
		HTTPRequests: s.stats.httpRequests.Load(),
		HTTPErrors:   s.stats.httpErrors.Load(),
		OnceConns:    s.stats.onceConns.Load(),
		OnceRequests: s.stats.onceRequests.Load(),
		OnceErrors:   s.stats.onceErrors.Load(),
		StreamConns:  s.stats.streamConns.Load(),
		StreamBytes:  s.stats.streamBytes.Load(),
		StreamErrors: s.stats.streamErrors.Load(),
	}
}

// counters are updated on every request from every connection; the two
// protocols' counters sit on separate cache lines.
type counters struct {
	tcpConns, tcpRequests, tcpErrors atomic.Int64
	_                                [64]byte
	httpConns, httpRequests          atomic.Int64
	httpErrors                       atomic.Int64
	_                                [64]byte
	onceConns, onceRequests          atomic.Int64
	onceErrors                       atomic.Int64
	_                                [64]byte
	streamConns, streamBytes         atomic.Int64
	streamErrors                     atomic.Int64
}

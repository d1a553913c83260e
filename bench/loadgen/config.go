// Package loadgen drives a workload server with open-loop, constant-rate load
// and records latency corrected for coordinated omission, the wrk2 way: every
// request is timed from when the schedule said it should be sent, so a target
// that stalls cannot slow the generator down and hide its own stall.
//
// Connections workers each own one connection and their own histograms (no
// lock on the hot path; merged at the end). Request i of the global schedule
// is intended at t0 + i/Rate and belongs to worker i mod Connections. Rate 0
// switches to closed loop: every worker sends back to back, which measures
// the maximum throughput.
//
// Two more shapes share the machinery: Churn opens a new connection for every
// request (connect, one request, wait for the server to close, close), and
// protocol stream reads a one-way byte stream and counts the bytes that
// arrive in the window. Knee searches for the highest open-loop rate that
// meets a latency objective.
package loadgen

import (
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"time"

	"github.com/meshbench/meshbench/bench/workload"
)

// Protocols a Config can name.
const (
	ProtocolTCP  = "tcp"  // workload's length-prefixed echo frames
	ProtocolHTTP = "http" // HTTP/1.1 GET / with keep-alive
	// ProtocolStream reads the workload's stream source: PayloadBytes is
	// the message (write and read) size.
	ProtocolStream = "stream"
)

// Defaults Normalize fills in.
const (
	DefaultConnections = 1
	DefaultDuration    = 10 * time.Second
	DefaultTimeout     = 5 * time.Second
)

// Config is one load generator run. It serialises into results as is.
type Config struct {
	Target   string  `json:"target"`   // host:port of the workload server
	Protocol string  `json:"protocol"` // "tcp" or "http"
	Rate     float64 `json:"rate"`     // requests/s over all connections; 0 = closed loop
	// Connections is the number of workers, each with one connection.
	Connections int           `json:"connections"`
	Duration    time.Duration `json:"duration"` // the measurement window
	Warmup      time.Duration `json:"warmup"`   // load before the window, not recorded
	// PayloadBytes is the tcp request (and echoed response) payload; for
	// http it is the response body size asked for with ?size=, and 0 sends a
	// plain GET / that gets the server's configured body.
	PayloadBytes int `json:"payload_bytes"`
	// Timeout bounds each request from its actual send (connecting included)
	// to its last response byte. A request past it is an error, not a latency.
	Timeout time.Duration `json:"timeout"`
	// Churn opens a new connection for every request and waits for the
	// server to close it (tcp: target the workload's one-frame echo; http:
	// the request says Connection: close). Latency then includes connect.
	Churn bool `json:"churn,omitempty"`
}

// Normalize fills defaults for zero fields: Connections, Duration, Timeout.
func (c *Config) Normalize() {
	if c.Connections == 0 {
		c.Connections = DefaultConnections
	}
	if c.Duration == 0 {
		c.Duration = DefaultDuration
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
}

// Validate reports every invalid field; each message starts with the field's
// name, e.g. "rate: must be > 0 (or 0 for closed loop), got -5".
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{field}, args...)...))
	}
	if err := checkTarget(c.Target); err != nil {
		bad("target", "%v", err)
	}
	maxPayload := 0
	switch c.Protocol {
	case ProtocolTCP:
		maxPayload = workload.MaxFrameLen
	case ProtocolHTTP:
		maxPayload = workload.MaxHTTPBodyBytes
	case ProtocolStream:
		maxPayload = workload.MaxStreamMessageBytes
	default:
		bad("protocol", "must be %q, %q or %q, got %q", ProtocolTCP, ProtocolHTTP, ProtocolStream, c.Protocol)
	}
	if c.Rate < 0 || math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0) {
		bad("rate", "must be > 0 (or 0 for closed loop), got %v", c.Rate)
	}
	if c.Protocol == ProtocolStream {
		if c.Rate != 0 {
			bad("rate", "must be 0 for a stream, which always runs as fast as the path allows, got %v", c.Rate)
		}
		if c.PayloadBytes < 1 {
			bad("payload_bytes", "must be at least 1 for a stream (the message size), got %d", c.PayloadBytes)
		}
		if c.Churn {
			bad("churn", "does not apply to a stream")
		}
	}
	if c.Connections < 1 {
		bad("connections", "must be >= 1, got %d", c.Connections)
	}
	if c.Duration <= 0 {
		bad("duration", "must be > 0, got %v", c.Duration)
	}
	if c.Warmup < 0 {
		bad("warmup", "must be >= 0, got %v", c.Warmup)
	}
	if c.PayloadBytes < 0 || (maxPayload > 0 && c.PayloadBytes > maxPayload) {
		bad("payload_bytes", "must be between 0 and %d for %s, got %d", max(maxPayload, workload.MaxFrameLen), c.Protocol, c.PayloadBytes)
	}
	if c.Timeout <= 0 {
		bad("timeout", "must be > 0, got %v", c.Timeout)
	}
	return errors.Join(errs...)
}

func checkTarget(target string) error {
	if target == "" {
		return errors.New("required, as host:port")
	}
	host, port, err := net.SplitHostPort(target)
	if err != nil {
		return fmt.Errorf("must be host:port, got %q", target)
	}
	if host == "" {
		return fmt.Errorf("needs a host, got %q", target)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return fmt.Errorf("port must be 1-65535, got %q", port)
	}
	return nil
}

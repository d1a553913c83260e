package loadgen

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/meshbench/meshbench/bench/hist"
)

// TestStream: a stream counts the bytes that arrive in the window, in whole
// messages, and has no latency to report.
func TestStream(t *testing.T) {
	s := startWorkload(t)
	res, err := Run(context.Background(), Config{
		Target: s.StreamAddr().String(), Protocol: ProtocolStream, Connections: 2,
		Duration: 300 * time.Millisecond, Warmup: 50 * time.Millisecond, PayloadBytes: 16 << 10,
	}, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 0 || res.Bytes < 1<<20 || res.Completed != res.Bytes/(16<<10) {
		t.Fatalf("bytes %d completed %d errors %d %q", res.Bytes, res.Completed, res.Errors, res.ErrorSamples)
	}
	if res.Latency.TotalCount() != 0 || len(res.Warnings) != 0 {
		t.Fatalf("a stream has no latency or warnings: %d, %q", res.Latency.TotalCount(), res.Warnings)
	}
	// The kernel counted the same window into the sockets, up to what sat
	// in their receive queues at either end.
	if d := res.Bytes - res.KernelBytes; res.KernelBytes == 0 || max(d, -d) > maxQueuedStreamBytes {
		t.Fatalf("reader counted %d bytes, the kernel %d", res.Bytes, res.KernelBytes)
	}
	// The window is measured: the server wrote at least what was counted.
	if st := s.Stats(); st.StreamConns != 2 || st.StreamBytes < res.Bytes {
		t.Fatalf("server %v, client counted %d bytes", st, res.Bytes)
	}
}

// TestChurn: every request opens a connection and the server closes it
// first, for tcp (the one-frame echo) and http (Connection: close).
func TestChurn(t *testing.T) {
	s := startWorkload(t)
	for _, c := range []struct {
		protocol, target string
		conns            func() int64
	}{
		{ProtocolTCP, s.OnceAddr().String(), func() int64 { return s.Stats().OnceConns }},
		{ProtocolHTTP, s.HTTPAddr().String(), func() int64 { return s.Stats().HTTPConns }},
	} {
		t.Run(c.protocol, func(t *testing.T) {
			before := c.conns()
			res, err := Run(context.Background(), Config{
				Target: c.target, Protocol: c.protocol, Connections: 2, Churn: true,
				Duration: 300 * time.Millisecond, PayloadBytes: 100,
			}, Hooks{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Errors != 0 || res.Completed < 10 {
				t.Fatalf("completed %d errors %d %q", res.Completed, res.Errors, res.ErrorSamples)
			}
			// One connection per request, plus the two reachability checks.
			if got := c.conns() - before; got < res.Completed+2 {
				t.Fatalf("%d connections for %d requests", got, res.Completed)
			}
		})
	}
}

// TestChurnOpenLoop: churn at a fixed connection rate is timed from the
// schedule like any open-loop request.
func TestChurnOpenLoop(t *testing.T) {
	s := startWorkload(t)
	res, err := Run(context.Background(), Config{
		Target: s.OnceAddr().String(), Protocol: ProtocolTCP, Connections: 2, Churn: true, Rate: 200,
		Duration: 500 * time.Millisecond, PayloadBytes: 10,
	}, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	// 100 connections are due; on a busy host some may still be unsent
	// when the window ends, but every due one is accounted for.
	if due := res.Completed + res.Unsent; res.Errors != 0 || res.Completed == 0 || due < 90 || due > 101 {
		t.Fatalf("completed %d unsent %d errors %d %q, want 100 due", res.Completed, res.Unsent, res.Errors, res.ErrorSamples)
	}
}

// TestStreamMiscountWarns: a reader count the kernel's does not back is
// flagged, one within the receive queue's slack is not.
func TestStreamMiscountWarns(t *testing.T) {
	for _, tt := range []struct {
		bytes, kernel int64
		warn          bool
	}{
		{1 << 30, 1<<30 + 4<<20, false},     // queue slack
		{3 << 30, 1 << 30, true},            // counted three times what arrived
		{1 << 30, 0, false},                 // no kernel count: nothing to compare
		{100 << 20, 100<<20 - 20<<20, true}, // 20 MiB apart, past the slack
	} {
		r := Result{Config: Config{Protocol: ProtocolStream}, Completed: 1, Bytes: tt.bytes, KernelBytes: tt.kernel, SendLag: hist.New()}
		ws := warnings(&r, hist.New(), 0, true)
		got := len(ws) == 1 && strings.Contains(ws[0], "the reader miscounts")
		if got != tt.warn || (!tt.warn && len(ws) != 0) {
			t.Errorf("bytes %d kernel %d: warnings %q, want a miscount warning %v", tt.bytes, tt.kernel, ws, tt.warn)
		}
	}
}

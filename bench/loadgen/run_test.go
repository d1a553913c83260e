package loadgen

import (
	"context"
	"errors"
	"math"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/meshbench/meshbench/bench/hist"
	"github.com/meshbench/meshbench/bench/workload"
)

// startWorkload runs the real workload server on loopback for one test.
func startWorkload(tb testing.TB) *workload.Server {
	tb.Helper()
	s, err := workload.Listen(workload.Config{TCPAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", OnceAddr: "127.0.0.1:0", StreamAddr: "127.0.0.1:0", HTTPBodyBytes: 512})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("workload server: %v", err)
		}
	})
	return s
}

// checkOrdered fails unless h's percentiles are ordered.
func checkOrdered(t *testing.T, name string, h *hdrhistogram.Histogram) hist.Summary {
	t.Helper()
	p := hist.Percentiles(h)
	if !(0 < p.P50 && p.P50 <= p.P90 && p.P90 <= p.P99 && p.P99 <= p.P999 && p.P999 <= p.Max) {
		t.Errorf("%s percentiles not ordered: %+v", name, p)
	}
	return p
}

func TestRunEndToEnd(t *testing.T) {
	s := startWorkload(t)
	for _, c := range []struct {
		protocol string
		addr     net.Addr
		payload  int
	}{
		{ProtocolTCP, s.TCPAddr(), 100},
		{ProtocolHTTP, s.HTTPAddr(), 200},
		{ProtocolHTTP, s.HTTPAddr(), 0}, // the server's default body
	} {
		t.Run(c.protocol, func(t *testing.T) {
			var starts, ends int
			var startedAt, endedAt time.Time
			cfg := Config{
				Target: c.addr.String(), Protocol: c.protocol, Rate: 400, Connections: 4,
				Duration: time.Second, Warmup: 200 * time.Millisecond, PayloadBytes: c.payload,
			}
			res, err := Run(context.Background(), cfg, Hooks{
				OnWindowStart: func() { starts++; startedAt = time.Now() },
				OnWindowEnd:   func() { ends++; endedAt = time.Now() },
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("achieved %.1f/s, completed %d, unsent %d, latency %+v, warnings %q",
				res.Achieved, res.Completed, res.Unsent, hist.Percentiles(res.Latency), res.Warnings)
			if res.Errors != 0 || res.Completed == 0 {
				t.Fatalf("completed %d, errors %d %q", res.Completed, res.Errors, res.ErrorSamples)
			}
			// Every request due in the window is accounted for exactly once,
			// and only those are: 400 req/s for 1s.
			if n := res.Completed + res.Errors + res.Unsent; n < 399 || n > 401 {
				t.Fatalf("completed+errors+unsent = %d, want 400", n)
			}
			if res.Achieved > 401 || res.Achieved < 200 {
				t.Fatalf("achieved %.1f req/s of 400 requested", res.Achieved)
			}
			if res.Requested != 400 || res.Latency.TotalCount() != res.Completed ||
				res.Service.TotalCount() != res.Completed || res.SendLag.TotalCount() != res.Completed {
				t.Fatalf("histogram counts %d/%d/%d for %d completed", res.Latency.TotalCount(),
					res.Service.TotalCount(), res.SendLag.TotalCount(), res.Completed)
			}
			lat := checkOrdered(t, "latency", res.Latency)
			svc := checkOrdered(t, "service", res.Service)
			// Latency includes send lag, so it dominates service time.
			if lat.P50 < svc.P50 || lat.Max < svc.Max {
				t.Fatalf("latency %+v below service time %+v", lat, svc)
			}
			if got := res.WindowEnd.Sub(res.WindowStart); got != time.Second {
				t.Fatalf("window %v, want 1s", got)
			}
			if starts != 1 || ends != 1 || startedAt.Before(res.WindowStart) || endedAt.Before(res.WindowEnd) {
				t.Fatalf("hooks: %d starts at %v, %d ends at %v, window %v..%v",
					starts, startedAt, ends, endedAt, res.WindowStart, res.WindowEnd)
			}
		})
	}
	// The server saw the warm-up and the window: more than the window alone.
	if st := s.Stats(); st.TCPRequests < 400 || st.HTTPRequests < 800 || st.TCPConns != 4 || st.HTTPConns != 8 {
		t.Fatalf("server stats %v", st)
	}
}

func TestRunClosedLoop(t *testing.T) {
	s := startWorkload(t)
	res, err := Run(context.Background(), Config{
		Target: s.TCPAddr().String(), Protocol: ProtocolTCP, Connections: 2,
		Duration: 300 * time.Millisecond, Warmup: 50 * time.Millisecond, PayloadBytes: 16,
	}, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Completed == 0 || res.Errors != 0 || res.Requested != 0 {
		t.Fatalf("completed %d errors %d requested %v", res.Completed, res.Errors, res.Requested)
	}
	if math.Abs(res.Achieved-float64(res.Completed)/0.3) > 1e-6 {
		t.Fatalf("achieved %v for %d completed in 300ms", res.Achieved, res.Completed)
	}
	checkOrdered(t, "latency", res.Latency)
	if !res.Latency.Equals(res.Service) || res.SendLag.TotalCount() != 0 {
		t.Fatal("closed loop: latency must be the service time and there is no send lag")
	}
}

func TestRunCannotConnect(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), Config{Target: addr, Protocol: ProtocolTCP, Rate: 10, Duration: time.Second}, Hooks{})
	if err == nil || !strings.Contains(err.Error(), "connect to "+addr) {
		t.Fatalf("got %v, want a connect error naming %s", err, addr)
	}
}

func TestRunInvalidConfig(t *testing.T) {
	_, err := Run(context.Background(), Config{Target: "h:1", Protocol: "tcp", Rate: -5}, Hooks{})
	if err == nil || !strings.Contains(err.Error(), "rate: must be > 0") {
		t.Fatalf("got %v", err)
	}
}

func TestRunCancelled(t *testing.T) {
	s := startWorkload(t)
	ctx, cancel := context.WithCancel(context.Background())
	var ended bool
	res, err := Run(ctx, Config{
		Target: s.TCPAddr().String(), Protocol: ProtocolTCP, Rate: 200, Duration: time.Hour,
	}, Hooks{
		OnWindowStart: func() { time.AfterFunc(200*time.Millisecond, cancel) },
		OnWindowEnd:   func() { ended = true },
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if !ended || res.Completed == 0 || res.Errors != 0 || res.WindowEnd.Sub(res.WindowStart) >= time.Hour {
		t.Fatalf("cancelled run: ended %v, completed %d, errors %d, window %v", ended, res.Completed, res.Errors,
			res.WindowEnd.Sub(res.WindowStart))
	}
}

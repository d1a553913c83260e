package loadgen

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meshbench/meshbench/bench/workload"
)

// flakyEcho echoes frames, but every n-th frame it receives it calls fail
// with the connection instead of answering.
func flakyEcho(t *testing.T, n int64, fail func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var frames atomic.Int64
	var wg sync.WaitGroup
	t.Cleanup(func() {
		if err := ln.Close(); err != nil {
			t.Error(err)
		}
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				br := bufio.NewReader(c)
				var buf []byte
				for {
					var err error
					if buf, err = workload.ReadFrame(br, buf); err != nil {
						return
					}
					if frames.Add(1)%n == 0 {
						fail(c)
						return
					}
					if _, err := c.Write(buf); err != nil {
						return
					}
				}
			})
		}
	})
	return ln.Addr().String()
}

func TestErrorsAreCountedApartAndWorkersReconnect(t *testing.T) {
	for _, c := range []struct {
		name string
		fail func(net.Conn)
		want string // in the error samples
	}{
		{"connection closed", func(net.Conn) {}, "io: read: unexpected EOF"},
		{"short frame", func(c net.Conn) { _, _ = c.Write([]byte{0, 0, 0, 9, 1}) }, "io: read: read frame payload: got 1 of 9 bytes"},
		{"wrong length", func(c net.Conn) { _ = workload.WriteFrame(c, []byte("x")) }, "protocol: echo carried 1 bytes, sent 8"},
		{"timeout", func(net.Conn) { time.Sleep(300 * time.Millisecond) }, "timeout: read: i/o timeout"},
	} {
		t.Run(c.name, func(t *testing.T) {
			target := flakyEcho(t, 5, c.fail)
			res, err := Run(context.Background(), Config{
				Target: target, Protocol: ProtocolTCP, Rate: 100, Connections: 2,
				Duration: time.Second, PayloadBytes: 8, Timeout: 100 * time.Millisecond,
			}, Hooks{})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("completed %d errors %d unsent %d samples %q warnings %q", res.Completed, res.Errors, res.Unsent, res.ErrorSamples, res.Warnings)
			// Every 5th frame fails, and the connection with it: the
			// workers must reconnect to keep succeeding after that.
			if res.Errors < 5 || res.Completed < 4*res.Errors-10 {
				t.Fatalf("completed %d, errors %d: want about one error per four successes", res.Completed, res.Errors)
			}
			if res.Latency.TotalCount() != res.Completed {
				t.Fatalf("%d latencies for %d completed requests: errors leaked into latency", res.Latency.TotalCount(), res.Completed)
			}
			if len(res.ErrorSamples) == 0 || !strings.HasPrefix(res.ErrorSamples[0], c.want) {
				t.Fatalf("error samples %q, want one starting with %q", res.ErrorSamples, c.want)
			}
			if !hasWarning(res, "requests failed") {
				t.Fatalf("warnings %q do not report the errors", res.Warnings)
			}
		})
	}
}

func TestHTTPBadStatusIsAnError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	})}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
		if err := <-done; err != http.ErrServerClosed {
			t.Error(err)
		}
	})
	res, err := Run(context.Background(), Config{
		Target: ln.Addr().String(), Protocol: ProtocolHTTP, Rate: 100, Duration: 300 * time.Millisecond,
	}, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Completed != 0 || res.Errors < 25 || res.Latency.TotalCount() != 0 {
		t.Fatalf("completed %d, errors %d, latencies %d", res.Completed, res.Errors, res.Latency.TotalCount())
	}
	if want := "status: HTTP 500 Internal Server Error"; len(res.ErrorSamples) != 1 || res.ErrorSamples[0] != want {
		t.Fatalf("error samples %q, want just %q", res.ErrorSamples, want)
	}
	if !hasWarning(res, "no request completed") || !hasWarning(res, "could not keep up") {
		t.Fatalf("warnings %q", res.Warnings)
	}
}

func hasWarning(r Result, s string) bool {
	for _, w := range r.Warnings {
		if strings.Contains(w, s) {
			return true
		}
	}
	return false
}

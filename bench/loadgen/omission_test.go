package loadgen

import (
	"bufio"
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/meshbench/meshbench/bench/hist"
	"github.com/meshbench/meshbench/bench/workload"
)

// stallingEcho is a frame echo server that holds one response, the stallAt-th
// frame it receives, for stall before answering it.
func stallingEcho(t *testing.T, stallAt int64, stall time.Duration) string {
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
				return // closed by cleanup
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
					if frames.Add(1) == stallAt {
						time.Sleep(stall)
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

// A target that stalls once for 200ms, on one connection sending every 5ms:
// the requests due during the stall wait for it, and corrected latency must
// show the stall in the tail (about 40 requests of 400, from ~200ms down).
// Timed from the actual send, only the one stalled request would be slow and
// the p99 would stay small: this test fails for a generator that suffers
// from coordinated omission.
func TestCoordinatedOmissionCorrected(t *testing.T) {
	const stall = 200 * time.Millisecond
	target := stallingEcho(t, 150, stall) // 150th frame: ~0.5s into the 2s window
	res, err := Run(context.Background(), Config{
		Target: target, Protocol: ProtocolTCP, Rate: 200, Connections: 1,
		Duration: 2 * time.Second, Warmup: 250 * time.Millisecond, PayloadBytes: 32,
	}, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	lat, svc := hist.Percentiles(res.Latency), hist.Percentiles(res.Service)
	t.Logf("latency %+v\nservice %+v\nqueued %d warnings %q", lat, svc, res.Queued, res.Warnings)
	if res.Errors != 0 || res.Completed < 350 {
		t.Fatalf("completed %d, errors %d: %q", res.Completed, res.Errors, res.ErrorSamples)
	}
	stallUs := float64(stall / time.Microsecond)
	if lat.Max < 0.95*stallUs {
		t.Errorf("latency max %.0fµs, want >= ~%.0fµs: the stall is missing", lat.Max, stallUs)
	}
	if lat.P99 < 0.75*stallUs {
		t.Errorf("latency p99 %.0fµs, want >= %.0fµs: requests queued behind the stall were timed from their actual send", lat.P99, 0.75*stallUs)
	}
	// At least the ~40 requests due during the stall waited for it.
	slow := res.Latency.TotalCount() - countBelow(res.Latency, int64(stall/4))
	if slow < 25 {
		t.Errorf("%d requests with latency >= %v, want the ~40 due during the stall", slow, stall/4)
	}
	if res.Queued < 25 {
		t.Errorf("queued %d, want the ~40 requests due during the stall", res.Queued)
	}
	// Service time (from the actual send) is still short for almost all.
	if svc.P50 > 0.1*stallUs || svc.Max < 0.95*stallUs {
		t.Errorf("service p50 %.0fµs max %.0fµs: want a small median and the one stalled request at the top", svc.P50, svc.Max)
	}
}

// countBelow counts the values of h below v (to the histogram's precision).
func countBelow(h *hdrhistogram.Histogram, v int64) int64 {
	var n int64
	for _, bar := range h.Distribution() {
		if bar.To < v {
			n += bar.Count
		}
	}
	return n
}

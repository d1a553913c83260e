package loadgen

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/meshbench/meshbench/bench/hist"
)

// BenchmarkLatencyFloor is the generator's own round trip against the
// workload server in the same process over loopback: the floor under every
// latency it reports. ns/op is the mean round trip.
func BenchmarkLatencyFloor(b *testing.B) {
	s := startWorkload(b)
	for _, c := range []struct {
		protocol string
		target   string
	}{
		{ProtocolTCP, s.TCPAddr().String()},
		{ProtocolHTTP, s.HTTPAddr().String()},
	} {
		b.Run(c.protocol, func(b *testing.B) {
			cfg := Config{Target: c.target, Protocol: c.protocol, Rate: 1, Duration: time.Second, PayloadBytes: 64}
			cfg.Normalize()
			sess := newSession(context.Background(), &cfg)
			defer sess.close()
			h := hist.New()
			b.ReportAllocs()
			for b.Loop() {
				start := time.Now()
				if err := sess.roundTrip(start.Add(cfg.Timeout)); err != nil {
					b.Fatal(err)
				}
				if err := h.RecordValue(int64(time.Since(start))); err != nil {
					b.Fatal(err)
				}
			}
			p := hist.Percentiles(h)
			b.ReportMetric(p.P50, "p50-µs")
			b.ReportMetric(p.P99, "p99-µs")
		})
	}
}

// BenchmarkMaxOpenLoopRate finds the highest open-loop rate the generator
// sustains with p99 < 1ms and achieved >= 99% of requested against the
// workload's TCP echo on loopback. It runs the whole search once (a few tens
// of seconds); run it alone, with -benchtime 1x. With -cpu 1 the generator
// and the in-process server share one core; set MESHBENCH_BENCH_TARGET to
// host:port of a workload TCP echo in another process to give the generator
// a core of its own. MESHBENCH_BENCH_CONNS sets the connections (default 8).
func BenchmarkMaxOpenLoopRate(b *testing.B) {
	target := os.Getenv("MESHBENCH_BENCH_TARGET")
	if target == "" {
		target = startWorkload(b).TCPAddr().String()
	}
	conns := 8
	if v := os.Getenv("MESHBENCH_BENCH_CONNS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("MESHBENCH_BENCH_CONNS=%q: want a positive integer", v)
		}
		conns = n
	}
	cfg := Config{
		Target: target, Protocol: ProtocolTCP, Rate: 2000, Connections: conns,
		Duration: 3 * time.Second, Warmup: 500 * time.Millisecond, PayloadBytes: 64,
	}
	var best float64
	for b.Loop() {
		// The process's CPU over each trial's window, via the hooks.
		var cpu []float64
		var cpu0 time.Duration
		var wall0 time.Time
		hooks := Hooks{
			OnWindowStart: func() { cpu0, wall0 = processCPU(), time.Now() },
			OnWindowEnd: func() {
				cpu = append(cpu, 100*float64(processCPU()-cpu0)/float64(time.Since(wall0)))
			},
		}
		rate, trials, err := MaxRate(context.Background(), cfg, SLO{P99: time.Millisecond, MinAchieved: 0.99}, hooks)
		if err != nil {
			b.Fatal(err)
		}
		for i, tr := range trials {
			p := hist.Percentiles(tr.Result.Latency)
			b.Logf("%8.0f req/s: sustained=%-5v achieved %8.0f p50 %6.1fµs p99 %8.1fµs cpu %5.1f%% %s",
				tr.Rate, tr.Sustained, tr.Result.Achieved, p.P50, p.P99, cpu[i], tr.Why)
		}
		best = rate
	}
	b.ReportMetric(best, "max-req/s")
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "procs")
}

// BenchmarkPacer measures how late a wait returns (the send lag a sleeping
// worker adds) with a plain Go timer and with the pacer, for waits shorter
// and longer than the runtime's 1ms netpoll granularity. Each op is one
// wait; the process is otherwise idle, as a generator at moderate rates is.
func BenchmarkPacer(b *testing.B) {
	for _, d := range []time.Duration{100 * time.Microsecond, 2500 * time.Microsecond} {
		b.Run(fmt.Sprintf("timer/%v", d), func(b *testing.B) {
			t := time.NewTimer(time.Hour)
			defer t.Stop()
			h := hist.New()
			cpu0, wall0 := processCPU(), time.Now()
			for b.Loop() {
				at := time.Now().Add(d)
				t.Reset(d)
				<-t.C
				if err := h.RecordValue(hist.Clamp(int64(time.Since(at)))); err != nil {
					b.Fatal(err)
				}
			}
			reportLate(b, h, cpu0, wall0)
		})
		for _, spin := range []time.Duration{0, spinWindow} {
			b.Run(fmt.Sprintf("pacer-spin-%v/%v", spin, d), func(b *testing.B) {
				p := newPacer(time.Now(), spin)
				defer func() { _ = p.close() }()
				if !p.precise() {
					b.Log("no timerfd here: the pacer falls back to Go timers")
				}
				h := hist.New()
				cpu0, wall0 := processCPU(), time.Now()
				for b.Loop() {
					at := p.now() + d
					if err := p.waitUntil(context.Background(), at); err != nil {
						b.Fatal(err)
					}
					if err := h.RecordValue(hist.Clamp(int64(p.now() - at))); err != nil {
						b.Fatal(err)
					}
				}
				reportLate(b, h, cpu0, wall0)
			})
		}
	}
}

// reportLate reports how late the waits returned, and the CPU the process
// used meanwhile as a share of one core.
func reportLate(b *testing.B, h interface{ ValueAtPercentile(float64) int64 }, cpu0 time.Duration, wall0 time.Time) {
	b.ReportMetric(float64(h.ValueAtPercentile(50))/1e3, "late-p50-µs")
	b.ReportMetric(float64(h.ValueAtPercentile(99))/1e3, "late-p99-µs")
	b.ReportMetric(100*float64(processCPU()-cpu0)/float64(time.Since(wall0)), "cpu-%")
}

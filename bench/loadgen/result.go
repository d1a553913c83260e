package loadgen

import (
	"fmt"
	"slices"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/meshbench/meshbench/bench/hist"
)

// Thresholds of the warnings attached to a Result.
const (
	minAchievedRatio = 0.95             // achieved/requested below this: could not keep up
	maxSendLagP99    = time.Millisecond // send lag p99 above this: behind schedule
)

// Result is what one run measured. Histograms record nanoseconds with the
// hist package's standard range.
type Result struct {
	Config    Config  `json:"config"`    // normalised
	Requested float64 `json:"requested"` // requests/s; 0 in closed loop
	Achieved  float64 `json:"achieved"`  // Completed per second of the window
	// Completed counts the requests of the window that succeeded: intended
	// inside it (open loop) or sent inside it (closed loop).
	Completed int64 `json:"completed"`
	Errors    int64 `json:"errors"` // failed requests of the window, never in Latency
	// Unsent counts requests due in the window that were not sent by its
	// end because their connection was still busy.
	Unsent int64 `json:"unsent"`
	// Queued counts completed requests whose connection was still busy with
	// an earlier response at their intended time (open loop).
	Queued int64 `json:"queued"`
	// Bytes is what a stream received in the window; a stream's Completed
	// counts whole messages (Bytes / PayloadBytes).
	Bytes int64 `json:"bytes,omitempty"`
	// KernelBytes is what the kernel counted into the streams' sockets
	// over the same window (TCP_INFO bytes_received), 0 where it could not
	// be read for every stream (another platform, a stream reopened).
	KernelBytes int64 `json:"kernel_bytes,omitempty"`

	// Latency runs from the intended send time to the last response byte,
	// corrected for coordinated omission (closed loop: from the actual send).
	Latency *hdrhistogram.Histogram `json:"-"`
	// Service runs from the actual send to the last response byte.
	Service *hdrhistogram.Histogram `json:"-"`
	// SendLag is actual send minus intended send (open loop).
	SendLag *hdrhistogram.Histogram `json:"-"`

	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
	// Warnings say why the numbers may not mean what they seem.
	Warnings     []string `json:"warnings"`
	ErrorSamples []string `json:"error_samples"` // the first distinct errors
}

// collect merges the workers' records into a Result and derives warnings.
func collect(cfg *Config, pl *plan, win window, workers []*worker) Result {
	r := Result{
		Config:    *cfg,
		Requested: cfg.Rate,
		Latency:   hist.New(),
		Service:   hist.New(),
		SendLag:   hist.New(),

		ErrorSamples: []string{},
	}
	wakeLag := hist.New()
	var warmupErrors int64
	precise, kernelOK := true, cfg.Protocol == ProtocolStream
	for _, w := range workers {
		// Same geometry everywhere: merging drops nothing.
		w.latency.MergeInto(r.Latency)
		w.service.MergeInto(r.Service)
		w.sendLag.MergeInto(r.SendLag)
		w.wakeLag.MergeInto(wakeLag)
		r.Completed += w.completed
		r.Errors += w.errors
		r.Unsent += w.unsent
		r.Queued += w.queued
		r.Bytes += w.bytes
		r.KernelBytes += w.kernelBytes
		kernelOK = kernelOK && w.kernelOK
		warmupErrors += w.warmupErrors
		precise = precise && w.pacer.precise()
		for _, s := range w.samples {
			if len(r.ErrorSamples) < maxErrorSamples && !slices.Contains(r.ErrorSamples, s) {
				r.ErrorSamples = append(r.ErrorSamples, s)
			}
		}
	}
	if !kernelOK {
		r.KernelBytes = 0
	}
	if cfg.Protocol == ProtocolStream && cfg.PayloadBytes > 0 {
		r.Completed = r.Bytes / int64(cfg.PayloadBytes)
	}
	if win.opened {
		r.WindowStart = pl.base.Add(win.start)
		r.WindowEnd = pl.base.Add(win.end)
		if secs := (win.end - win.start).Seconds(); secs > 0 {
			r.Achieved = float64(r.Completed) / secs
		}
	}
	r.Warnings = warnings(&r, wakeLag, warmupErrors, precise)
	return r
}

func warnings(r *Result, wakeLag *hdrhistogram.Histogram, warmupErrors int64, precise bool) []string {
	ws := []string{} // serialised as [], not null
	add := func(format string, args ...any) { ws = append(ws, fmt.Sprintf(format, args...)) }
	if r.Completed == 0 {
		if r.Config.Protocol == ProtocolStream {
			add("no complete message received in the measurement window")
		} else {
			add("no request completed in the measurement window")
		}
	}
	if r.Requested > 0 && r.Achieved < minAchievedRatio*r.Requested {
		add("achieved %.0f req/s, %.1f%% of the %.0f requested: generator or target could not keep up",
			r.Achieved, 100*r.Achieved/r.Requested, r.Requested)
	}
	if lag := p99(wakeLag); lag > maxSendLagP99 {
		add("send lag p99 %v on idle connections: load generator fell behind its schedule", lag)
	} else if lag := p99(r.SendLag); lag > maxSendLagP99 {
		add("send lag p99 %v: %d requests waited for an earlier response on their connection; the target stalled, or there are too few connections for the rate",
			lag, r.Queued)
	}
	if d := r.Bytes - r.KernelBytes; r.KernelBytes > 0 && max(d, -d) > max(r.KernelBytes/20, maxQueuedStreamBytes) {
		add("the stream reader counted %d bytes in the window, the kernel %d (TCP_INFO): more apart than the receive queue explains, so the reader miscounts",
			r.Bytes, r.KernelBytes)
	}
	if r.Errors > 0 {
		add("%d of %d requests failed (%.2f%%), kept out of the latencies",
			r.Errors, r.Errors+r.Completed, 100*float64(r.Errors)/float64(r.Errors+r.Completed))
	}
	if r.Unsent > 0 {
		add("%d requests due in the window were never sent", r.Unsent)
	}
	if warmupErrors > 0 {
		add("%d requests failed during warm-up", warmupErrors)
	}
	if !precise && r.Requested > 0 {
		add("no timerfd wake-up helper on this platform: sends may be up to ~1ms late, which inflates latency")
	}
	return ws
}

// maxQueuedStreamBytes bounds what the reader's and the kernel's counts of
// a window may differ by without a miscount: the receive queue at either
// end (net.ipv4.tcp_rmem's default maximum is 6 MiB), twice, with room.
const maxQueuedStreamBytes = 16 << 20

func p99(h *hdrhistogram.Histogram) time.Duration {
	return time.Duration(h.ValueAtPercentile(99))
}

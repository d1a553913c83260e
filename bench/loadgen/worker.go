package loadgen

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/meshbench/meshbench/bench/hist"
)

// maxErrorSamples bounds the distinct error messages kept per worker and per
// run.
const maxErrorSamples = 8

// worker owns one connection and everything it records; nothing is shared
// with other workers until the run is over.
type worker struct {
	id    int
	plan  *plan
	sess  *session
	pacer *pacer

	latency, service, sendLag *hdrhistogram.PackedHistogram
	// wakeLag is the send lag of requests whose connection was idle at their
	// intended time: the generator's own lateness, without queueing behind a
	// slow response.
	wakeLag *hdrhistogram.PackedHistogram

	completed, errors, unsent, queued int64
	warmupErrors                      int64
	bytes                             int64 // stream bytes received in the window
	// kernelBytes is what the kernel counted into the stream's socket over
	// the same reads (tcpi_bytes_received), kernelOK whether that count
	// covers the whole window: one connection, readable TCP_INFO.
	kernelBytes int64
	kernelOK    bool
	samples     []string
}

func newWorker(id int, p *plan, sess *session, pc *pacer) *worker {
	return &worker{
		id: id, plan: p, sess: sess, pacer: pc,
		latency: hist.NewPacked(), service: hist.NewPacked(),
		sendLag: hist.NewPacked(), wakeLag: hist.NewPacked(),
	}
}

// record adds ns to h. Clamped values are always in range, so recording
// cannot fail.
func record(h *hdrhistogram.PackedHistogram, ns time.Duration) {
	_ = h.RecordValue(hist.Clamp(int64(ns)))
}

// openLoop sends the worker's share of the schedule: requests id,
// id+Connections, ... each at its intended time, or at once when the
// connection was busy past it. Latency runs from the intended time.
func (w *worker) openLoop(ctx context.Context) {
	p := w.plan
	step := int64(p.connections)
	for i := int64(w.id); i < p.endIdx; i += step {
		intended := p.intended(i)
		now := w.pacer.now()
		if now >= p.windowEnd {
			// Out of time with requests of the window still due: they
			// are unsent, the sign of a target or generator too slow.
			w.unsent += countFrom(max(i, p.startIdx+mod(int64(w.id)-p.startIdx, step)), p.endIdx, step)
			return
		}
		idle := now < intended
		if idle {
			if w.pacer.waitUntil(ctx, intended) != nil {
				return
			}
			now = w.pacer.now()
		}
		if ctx.Err() != nil {
			return
		}
		measured := i >= p.startIdx
		err := w.sess.roundTrip(p.base.Add(now + p.timeout))
		done := w.pacer.now()
		if !w.account(ctx, err, measured) {
			continue
		}
		w.completed++
		record(w.latency, done-intended)
		record(w.service, done-now)
		record(w.sendLag, now-intended)
		if idle {
			record(w.wakeLag, now-intended)
		} else {
			w.queued++
		}
	}
}

// closedLoop sends back to back until the window ends. Latency is service
// time: there is no schedule to be late against.
func (w *worker) closedLoop(ctx context.Context) {
	p := w.plan
	var backoff time.Duration
	for ctx.Err() == nil {
		start := w.pacer.now()
		if start >= p.windowEnd {
			return
		}
		measured := start >= p.windowStart
		err := w.sess.roundTrip(p.base.Add(start + p.timeout))
		done := w.pacer.now()
		if !w.account(ctx, err, measured) {
			// Back off on consecutive failures, so a target that refuses
			// connections is not hammered in a tight loop.
			backoff = min(max(2*backoff, time.Millisecond), 100*time.Millisecond)
			if w.pacer.waitUntil(ctx, done+backoff) != nil {
				return
			}
			continue
		}
		backoff = 0
		w.completed++
		record(w.latency, done-start)
		record(w.service, done-start)
	}
}

// account counts a failed request and reports whether the request succeeded
// and was measured. Failures caused by the run being cancelled are not
// errors of the target.
func (w *worker) account(ctx context.Context, err error, measured bool) bool {
	if err == nil {
		return measured
	}
	if ctx.Err() != nil {
		return false
	}
	if !measured {
		w.warmupErrors++
		return false
	}
	w.errors++
	msg := err.Error()
	var re *reqError
	if !errors.As(err, &re) {
		msg = "io: " + msg
	}
	if len(w.samples) < maxErrorSamples && !slices.Contains(w.samples, msg) {
		w.samples = append(w.samples, msg)
	}
	return false
}

// countFrom counts i, i+step, ... below end.
func countFrom(i, end, step int64) int64 {
	if i >= end {
		return 0
	}
	return (end - i + step - 1) / step
}

// mod is the non-negative remainder of a divided by m.
func mod(a, m int64) int64 { return ((a % m) + m) % m }

package loadgen

import (
	"context"
	"runtime"
	"time"
)

// Waiting for a request's intended send time.
//
// Measured on Linux with Go 1.26 (2-core VM; BenchmarkPacer reproduces it):
// when the process is otherwise idle, time.Sleep and timers overshoot by about
// 1ms for any sleep under 1ms, and by up to 1ms for longer ones. The runtime
// parks its last thread in epoll_wait, whose timeout is whole milliseconds
// (rounded up below 1ms, truncated above). A final Gosched spin of 20-50µs
// cannot repair a 1ms overshoot, and a spin long enough to (over 1ms) burns a
// core at any rate above ~1000 requests/s. When the process is busy, timers
// are checked at every scheduling point and are accurate to about 1µs.
//
// So each wait arms a per-worker timerfd for the same instant as the Go
// timer. The timerfd is registered with the netpoller: when it fires it ends
// the epoll_wait at once, the scheduler finds the expired Go timer, and the
// overshoot drops to the thread wake-up latency (median 30-50µs here). The Go
// timer still does the waking when the process is busy (a timerfd alone is
// then only noticed when the run queue drains, up to 10ms later).
//
// On top, the last stretch of a wait can be a runtime.Gosched spin: the wait
// ends spin early and spins to the instant. With a 50µs spin the median
// overshoot falls from ~40µs to under 1µs, which matters when the service time
// being measured is itself 20-60µs. It costs about 25µs of CPU per wait (the
// wake-up eats the rest of the window), so the spin is sized to the rate:
// spinFor keeps it under spinBudget of one core and drops it above 10,000
// requests/s, leaving the timerfd's ~40µs (and the busier the process, the
// more often a thread is awake to fire timers on time). One more cost: with GOMAXPROCS=1 a spinning goroutine keeps the
// scheduler from polling the network, so a response arriving during another
// worker's spin is noticed up to the rest of that spin later. The budget
// bounds how often that can happen; with more than one P it does not.
const (
	spinWindow    = 50 * time.Microsecond
	minUsefulSpin = 10 * time.Microsecond // below the wake-up latency: useless
	spinBudget    = 0.1                   // of one core, at most
)

// spinFor is the final spin for waits paced at rate requests/s in total.
func spinFor(rate float64) time.Duration {
	if rate <= 0 {
		return 0
	}
	s := min(spinWindow, time.Duration(spinBudget*float64(time.Second)/rate))
	if s < minUsefulSpin {
		return 0
	}
	return s
}

// pacer waits until an instant with microsecond accuracy. Each worker owns
// one; it is not safe for concurrent use.
type pacer struct {
	base  time.Time // the run's clock: instants are offsets from base
	spin  time.Duration
	timer *time.Timer
	wake  *waker // nil where unavailable: then sleeps may overshoot ~1ms
}

func newPacer(base time.Time, spin time.Duration) *pacer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	p := &pacer{base: base, spin: spin, timer: t}
	if w, err := newWaker(); err == nil {
		p.wake = w
	}
	return p
}

// precise reports whether the pacer has its wake-up helper.
func (p *pacer) precise() bool { return p.wake != nil }

// now is the offset of the current instant from base (monotonic clock).
func (p *pacer) now() time.Duration { return time.Since(p.base) }

// waitUntil returns at instant at (an offset from base) or just after, or
// early with ctx's error when ctx is done first.
func (p *pacer) waitUntil(ctx context.Context, at time.Duration) error {
	if d := at - p.now() - p.spin; d > 0 {
		// Timer first, timerfd second: the timerfd must not fire before
		// the Go timer is due, or the woken scheduler finds nothing to do
		// and goes back to sleep for another whole millisecond.
		p.timer.Reset(d)
		if p.wake != nil && p.wake.arm(d) != nil {
			// Lost the helper (should not happen): carry on with the
			// Go timer alone, and say so in the result's warnings.
			_ = p.wake.close() // already failing; nothing more to learn
			p.wake = nil
		}
		select {
		case <-p.timer.C:
		case <-ctx.Done():
			p.timer.Stop()
			return ctx.Err()
		}
	}
	for p.now() < at {
		runtime.Gosched()
	}
	return nil
}

func (p *pacer) close() error {
	p.timer.Stop()
	if p.wake == nil {
		return nil
	}
	return p.wake.close()
}

package loadgen

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Hooks are called when the measurement window opens (after warm-up) and
// when it closes (before in-flight requests drain), on a goroutine of their
// own with the same timer precision as requests, so a caller can sample CPU
// counters around exactly the window. A slow hook never delays requests.
// OnWindowEnd is also called when the run is cancelled inside the window.
type Hooks struct {
	OnWindowStart, OnWindowEnd func()
}

// maxParallelDials bounds connection setup, so opening thousands of
// connections does not overflow the target's accept queue.
const maxParallelDials = 64

// Run opens cfg.Connections connections to cfg.Target, then drives the load
// cfg describes: warm-up, then the measurement window. Requests still in
// flight when the window closes finish (bounded by cfg.Timeout). It returns an
// error when cfg is invalid or the connections cannot be opened; failures
// during the run are counted in the Result instead. When ctx is cancelled the
// run stops early and Run returns what it measured with ctx's error.
func Run(ctx context.Context, cfg Config, hooks Hooks) (Result, error) {
	cfg.Normalize()
	if err := cfg.Validate(); err != nil {
		return Result{}, fmt.Errorf("loadgen config: %w", err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	base := time.Now()
	sessions, err := connectAll(runCtx, &cfg)
	if err != nil {
		return Result{Config: cfg}, err
	}
	pl := newPlan(&cfg, base, time.Since(base)+startLead)
	workers := make([]*worker, cfg.Connections)
	spin := spinFor(cfg.Rate)
	for i := range workers {
		workers[i] = newWorker(i, pl, sessions[i], newPacer(base, spin))
	}

	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() {
			defer w.sess.close()
			switch {
			case cfg.Protocol == ProtocolStream:
				w.stream(runCtx)
			case pl.openLoop:
				w.openLoop(runCtx)
			default:
				w.closedLoop(runCtx)
			}
		})
	}
	var win window
	wg.Go(func() { win = watchWindow(runCtx, pl, hooks) })
	wg.Wait()

	var closeErrs []error
	for _, w := range workers {
		if err := w.pacer.close(); err != nil {
			closeErrs = append(closeErrs, err)
		}
	}
	res := collect(&cfg, pl, win, workers)
	if err := errors.Join(closeErrs...); err != nil {
		res.Warnings = append(res.Warnings, fmt.Sprintf("releasing timers: %v", err))
	}
	return res, ctx.Err()
}

// connectAll opens one session per connection, a bounded number at a time.
func connectAll(ctx context.Context, cfg *Config) ([]*session, error) {
	sessions := make([]*session, cfg.Connections)
	errs := make([]error, cfg.Connections)
	sem := make(chan struct{}, maxParallelDials)
	var wg sync.WaitGroup
	for i := range sessions {
		sessions[i] = newSession(ctx, cfg)
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = sessions[i].connect(time.Now().Add(cfg.Timeout))
		})
	}
	wg.Wait()
	failed := 0
	var first error
	for _, err := range errs {
		if err != nil {
			failed++
			if first == nil {
				first = err
			}
		}
	}
	if failed == 0 {
		if cfg.Churn {
			// The target is reachable; every request opens its own
			// connection, so connecting is part of each one's latency.
			for _, s := range sessions {
				s.close()
			}
		}
		return sessions, nil
	}
	for _, s := range sessions {
		s.close()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("connect to %s: %d of %d connections failed, first: %w", cfg.Target, failed, cfg.Connections, first)
}

// window is the measurement window as it happened: planned, or cut short
// by cancellation.
type window struct {
	start, end time.Duration
	opened     bool
}

// watchWindow calls the hooks at the window's edges.
func watchWindow(ctx context.Context, pl *plan, hooks Hooks) window {
	pc := newPacer(pl.base, spinWindow) // two waits per run: spin freely
	// Closing the pacer's timerfd cannot fail in a way that matters here.
	defer func() { _ = pc.close() }()
	if pc.waitUntil(ctx, pl.windowStart) != nil {
		return window{}
	}
	if hooks.OnWindowStart != nil {
		hooks.OnWindowStart()
	}
	w := window{start: pl.windowStart, end: pl.windowEnd, opened: true}
	if pc.waitUntil(ctx, pl.windowEnd) != nil {
		w.end = pc.now()
	}
	if hooks.OnWindowEnd != nil {
		hooks.OnWindowEnd()
	}
	return w
}

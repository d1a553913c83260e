package loadgen

import "time"

// startLead is how far in the future request 0 is scheduled once every
// connection is up, so that all workers are waiting before it is due.
const startLead = 2 * time.Millisecond

// plan is the run's schedule. Instants are offsets from base on the
// monotonic clock.
type plan struct {
	base        time.Time
	connections int
	timeout     time.Duration
	openLoop    bool

	t0          time.Duration // request 0 (open loop), start of warm-up
	interval    float64       // ns between consecutive requests (open loop)
	windowStart time.Duration // t0 + warm-up
	windowEnd   time.Duration // windowStart + duration
	// Requests [startIdx, endIdx) are intended inside the window; earlier
	// ones are warm-up, later ones are never sent.
	startIdx, endIdx int64
}

func newPlan(cfg *Config, base time.Time, t0 time.Duration) *plan {
	p := &plan{
		base:        base,
		connections: cfg.Connections,
		timeout:     cfg.Timeout,
		openLoop:    cfg.Rate > 0,
		t0:          t0,
		windowStart: t0 + cfg.Warmup,
		windowEnd:   t0 + cfg.Warmup + cfg.Duration,
	}
	if p.openLoop {
		p.interval = 1e9 / cfg.Rate
		p.startIdx = p.firstAtOrAfter(p.windowStart)
		p.endIdx = p.firstAtOrAfter(p.windowEnd)
	}
	return p
}

// intended is when request i should be sent.
func (p *plan) intended(i int64) time.Duration {
	return p.t0 + time.Duration(float64(i)*p.interval)
}

// firstAtOrAfter is the first request intended at or after instant at,
// consistent with intended's rounding.
func (p *plan) firstAtOrAfter(at time.Duration) int64 {
	i := max(int64(float64(at-p.t0)/p.interval), 0)
	for i > 0 && p.intended(i-1) >= at {
		i--
	}
	for p.intended(i) < at {
		i++
	}
	return i
}

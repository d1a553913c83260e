package loadgen

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSpinFor(t *testing.T) {
	for _, c := range []struct {
		rate float64
		want time.Duration
	}{
		{0, 0},
		{100, spinWindow},
		{2000, spinWindow},
		{4000, 25 * time.Microsecond},
		{10000, 10 * time.Microsecond},
		{20000, 0},
	} {
		if got := spinFor(c.rate); got != c.want {
			t.Errorf("spinFor(%v) = %v, want %v", c.rate, got, c.want)
		}
		// Spinning never takes more than the budget: rate waits per
		// second, each spinning at most spinFor.
		if cost := c.rate * spinFor(c.rate).Seconds(); cost > spinBudget {
			t.Errorf("rate %v: spin costs %.2f of a core", c.rate, cost)
		}
	}
}

// A wait never returns before its instant, whatever the spin.
func TestPacerNeverEarly(t *testing.T) {
	for _, spin := range []time.Duration{0, spinWindow} {
		p := newPacer(time.Now(), spin)
		for _, d := range []time.Duration{-time.Millisecond, 0, time.Microsecond, 30 * time.Microsecond, 300 * time.Microsecond, 2 * time.Millisecond} {
			at := p.now() + d
			if err := p.waitUntil(context.Background(), at); err != nil {
				t.Fatal(err)
			}
			if now := p.now(); now < at {
				t.Fatalf("spin %v: wait of %v returned %v early", spin, d, at-now)
			}
		}
		if err := p.close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPacerCancel(t *testing.T) {
	p := newPacer(time.Now(), spinWindow)
	defer func() { _ = p.close() }()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(10*time.Millisecond, cancel)
	if err := p.waitUntil(ctx, p.now()+time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

package loadgen

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSearchBelow(t *testing.T) {
	const ceiling = 10000.0
	for _, c := range []struct {
		name      string
		knee      float64 // rates up to it pass
		flaky     bool    // the first trial of every rate fails, as noise would
		trials    int
		wantLo    float64 // the result must lie in [wantLo, knee]
		wantBound float64 // and the bound at or below this
	}{
		{"knee at 80%", 8000, false, 10, 8000 / 1.05, 8000 * 1.06},
		{"noisy", 8000, true, 16, 8000 / 1.05, 8000 * 1.06},
		{"everything passes", 1e9, false, 10, ceiling / 1.05, ceiling},
		{"nothing passes", 0, false, 10, 0, ceiling},
		{"few trials", 8000, false, 2, 7500, 10000},
	} {
		t.Run(c.name, func(t *testing.T) {
			tried := map[float64]int{}
			n := 0
			pass, fail, err := searchBelow(ceiling, c.trials, func(rate float64) (bool, error) {
				n++
				tried[rate]++
				if c.flaky && tried[rate] == 1 {
					return false, nil
				}
				return rate <= c.knee, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if pass < c.wantLo || pass > c.knee || fail > c.wantBound || fail <= pass {
				t.Fatalf("found [%v, %v), want pass in [%v, %v] and bound <= %v", pass, fail, c.wantLo, c.knee, c.wantBound)
			}
			if n > c.trials {
				t.Fatalf("%d trials, limit %d", n, c.trials)
			}
			for rate := range tried {
				if rate >= ceiling {
					t.Fatalf("tried %v, at or above the ceiling", rate)
				}
			}
		})
	}
}

func TestSearchBelowStopsOnError(t *testing.T) {
	boom := errors.New("boom")
	calls := 0
	pass, _, err := searchBelow(1000, 10, func(rate float64) (bool, error) {
		calls++
		if rate < 600 {
			return true, nil
		}
		return false, boom
	})
	if !errors.Is(err, boom) || pass != 500 || calls != 2 {
		t.Fatalf("got %v, %v after %d calls; want 500, boom after 2", pass, err, calls)
	}
}

func TestKneeEndToEnd(t *testing.T) {
	s := startWorkload(t)
	cfg := Config{Target: s.TCPAddr().String(), Protocol: ProtocolTCP, Connections: 2, PayloadBytes: 64}
	windows := 0
	kr, err := Knee(context.Background(), cfg, KneeConfig{
		SLO: SLO{P99: time.Second, MinAchieved: 0.5}, Ceiling: 800, MaxTrials: 3,
		TrialDuration: 100 * time.Millisecond,
	}, Hooks{OnWindowStart: func() { windows++ }})
	if err != nil {
		t.Fatal(err)
	}
	// A generous SLO: 400, 600 and 700 req/s all pass.
	if kr.Rate != 700 || kr.Bound != 800 || len(kr.Trials) != 3 || windows != 3 {
		t.Fatalf("knee %v bound %v after %d trials (%d windows)", kr.Rate, kr.Bound, len(kr.Trials), windows)
	}
	for _, tr := range kr.Trials {
		if !tr.Sustained || tr.Result.Config.Duration != 100*time.Millisecond {
			t.Fatalf("trial %+v", tr)
		}
	}
	if _, err := Knee(context.Background(), cfg, KneeConfig{Ceiling: 0, MaxTrials: 3}, Hooks{}); err == nil {
		t.Fatal("a zero ceiling was accepted")
	}
}

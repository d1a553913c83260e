package loadgen

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSearchMax(t *testing.T) {
	const knee = 12345.0
	for _, c := range []struct {
		name  string
		start float64
		flaky bool // the first trial of every rate fails, as noise would
		want  func(got float64) bool
	}{
		{"from below", 1000, false, func(got float64) bool { return got <= knee && got >= knee/1.05 }},
		{"from above", 100000, false, func(got float64) bool { return got <= knee && got >= knee/1.05 }},
		{"noisy", 1000, true, func(got float64) bool { return got <= knee && got >= knee/1.05 }},
		{"nothing sustained", 1000, false, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			tried := map[float64]int{}
			limit := knee
			if c.want == nil {
				limit = 0
			}
			got, err := searchMax(c.start, func(rate float64) (bool, error) {
				tried[rate]++
				if c.flaky && tried[rate] == 1 {
					return false, nil
				}
				return rate <= limit, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if c.want == nil {
				if got != 0 {
					t.Fatalf("got %v, want 0", got)
				}
			} else if !c.want(got) {
				t.Fatalf("got %v, want within 5%% below %v", got, knee)
			}
			total := 0
			for _, n := range tried {
				total += n
			}
			if total > maxTrials {
				t.Fatalf("%d trials, limit %d", total, maxTrials)
			}
		})
	}
}

func TestSearchMaxStopsOnError(t *testing.T) {
	boom := errors.New("boom")
	calls := 0
	got, err := searchMax(100, func(rate float64) (bool, error) {
		calls++
		if rate > 300 {
			return false, boom
		}
		return true, nil
	})
	if !errors.Is(err, boom) || got != 200 || calls != 3 {
		t.Fatalf("got %v, %v after %d calls; want 200, boom after 3", got, err, calls)
	}
}

func TestMaxRateEndToEnd(t *testing.T) {
	s := startWorkload(t)
	// A generous SLO and a tiny budget: the search must pass its first
	// trials and report a rate it actually ran.
	cfg := Config{Target: s.TCPAddr().String(), Protocol: ProtocolTCP, Rate: 200, Duration: 100 * time.Millisecond}
	rate, trials, err := MaxRate(context.Background(), cfg, SLO{P99: time.Second, MinAchieved: 0.5}, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if rate < 200 || len(trials) == 0 || !trials[0].Sustained {
		t.Fatalf("rate %v after %d trials", rate, len(trials))
	}
	found := false
	for _, tr := range trials {
		found = found || (tr.Sustained && tr.Rate == rate)
		if tr.Result.Latency == nil {
			t.Fatalf("trial at %v has no result", tr.Rate)
		}
	}
	if !found {
		t.Fatalf("reported rate %v is not a sustained trial", rate)
	}
}

package loadgen

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SLO is what a rate must meet to count as sustained.
type SLO struct {
	P99         time.Duration `json:"p99"`          // corrected latency p99 below this; default 1ms
	MinAchieved float64       `json:"min_achieved"` // achieved/requested at least this; default 0.99
}

func (slo *SLO) normalize() {
	if slo.P99 <= 0 {
		slo.P99 = time.Millisecond
	}
	if slo.MinAchieved <= 0 {
		slo.MinAchieved = 0.99
	}
}

// Trial is one run of a MaxRate or Knee search.
type Trial struct {
	Rate      float64 `json:"rate"`
	Sustained bool    `json:"sustained"`
	Why       string  `json:"why,omitempty"` // why not sustained
	Result    Result  `json:"result"`
}

// maxTrials bounds a MaxRate search.
const maxTrials = 30

// MaxRate finds the saturation knee: the highest open-loop rate cfg's target
// sustains within slo with no errors. Starting at cfg.Rate it doubles the
// rate while trials pass (halves it while they fail), then bisects between
// the highest pass and the lowest failure until they are within 5%. Every
// trial is a full Run of cfg at its rate (warm-up included); hooks are called
// around each trial's window. A rate fails only when two trials in a row fail
// it: interference on a shared machine only ever makes a trial worse, so a
// pass is evidence but a single failure may be noise. It returns the highest
// sustained rate, 0 if none was, and every trial in order.
func MaxRate(ctx context.Context, cfg Config, slo SLO, hooks Hooks) (float64, []Trial, error) {
	slo.normalize()
	if cfg.Rate <= 0 {
		return 0, nil, errors.New("rate: MaxRate needs a starting rate > 0")
	}
	var trials []Trial
	best, err := searchMax(cfg.Rate, func(rate float64) (bool, error) {
		c := cfg
		c.Rate = rate
		res, err := Run(ctx, c, hooks)
		if err != nil {
			return false, fmt.Errorf("trial at %.0f req/s: %w", rate, err)
		}
		tr := judgeTrial(rate, res, slo)
		trials = append(trials, tr)
		return tr.Sustained, nil
	})
	return best, trials, err
}

// judgeTrial decides whether a trial at rate met slo with no errors.
func judgeTrial(rate float64, res Result, slo SLO) Trial {
	tr := Trial{Rate: rate, Result: res}
	p99 := time.Duration(res.Latency.ValueAtPercentile(99))
	switch {
	case res.Errors > 0:
		tr.Why = fmt.Sprintf("%d errors", res.Errors)
	case res.Achieved < slo.MinAchieved*rate:
		tr.Why = fmt.Sprintf("achieved %.0f req/s", res.Achieved)
	case p99 >= slo.P99:
		tr.Why = fmt.Sprintf("p99 %v", p99)
	default:
		tr.Sustained = true
	}
	return tr
}

// searchMax is MaxRate's search over a trial function: exponential steps
// from start, then bisection to 5%, failures confirmed by a second trial, at
// most maxTrials trials.
func searchMax(start float64, trial func(rate float64) (bool, error)) (float64, error) {
	n := 0
	try := func(rate float64) (bool, error) {
		for attempt := 0; attempt < 2 && n < maxTrials; attempt++ {
			n++
			if ok, err := trial(rate); ok || err != nil {
				return ok, err
			}
		}
		return false, nil
	}
	var pass, fail float64 // highest sustained, lowest not sustained
	for rate := start; pass == 0 || fail == 0; {
		if n >= maxTrials || rate < 1 {
			return pass, nil
		}
		ok, err := try(rate)
		if err != nil {
			return pass, err
		}
		if ok {
			pass, rate = rate, rate*2
		} else {
			fail, rate = rate, rate/2
		}
	}
	for fail > 1.05*pass && n < maxTrials {
		mid := (pass + fail) / 2
		ok, err := try(mid)
		if err != nil {
			return pass, err
		}
		if ok {
			pass = mid
		} else {
			fail = mid
		}
	}
	return pass, nil
}

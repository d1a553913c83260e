package loadgen

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// KneeConfig is a saturation-knee search below a known ceiling.
type KneeConfig struct {
	SLO SLO `json:"slo"`
	// Ceiling is the highest rate worth trying, typically the closed-loop
	// maximum just measured: a rate at or above it counts as not sustained
	// without a trial.
	Ceiling float64 `json:"ceiling"`
	// MaxTrials bounds the number of trials (each a full Run).
	MaxTrials int `json:"max_trials"`
	// TrialDuration and TrialWarmup replace the Config's Duration and
	// Warmup for every trial.
	TrialDuration time.Duration `json:"trial_duration"`
	TrialWarmup   time.Duration `json:"trial_warmup"`
}

// KneeResult is what a Knee search found.
type KneeResult struct {
	// Rate is the highest sustained rate, 0 when none was.
	Rate float64 `json:"rate"`
	// Bound is the lowest rate found not sustained (the Ceiling when every
	// trial passed): the knee lies in [Rate, Bound).
	Bound  float64 `json:"bound"`
	Trials []Trial `json:"trials"`
}

// Knee finds the highest open-loop rate cfg's target sustains within
// kc.SLO, by bisection between 0 and kc.Ceiling: the first trial runs at half
// the ceiling. As in MaxRate, a failing rate is tried twice before it counts
// as failed, because interference on a shared machine only makes a trial
// worse. The search stops when the bracket is within 5% or the trials are
// spent. Hooks are called around each trial's window.
func Knee(ctx context.Context, cfg Config, kc KneeConfig, hooks Hooks) (KneeResult, error) {
	kc.SLO.normalize()
	if !(kc.Ceiling >= 1) {
		return KneeResult{}, fmt.Errorf("knee: ceiling must be at least 1 req/s, got %v", kc.Ceiling)
	}
	if kc.MaxTrials < 1 {
		return KneeResult{}, errors.New("knee: max trials must be at least 1")
	}
	cfg.Duration, cfg.Warmup = kc.TrialDuration, kc.TrialWarmup
	var out KneeResult
	pass, fail, err := searchBelow(kc.Ceiling, kc.MaxTrials, func(rate float64) (bool, error) {
		c := cfg
		c.Rate = rate
		res, err := Run(ctx, c, hooks)
		if err != nil {
			return false, fmt.Errorf("knee trial at %.0f req/s: %w", rate, err)
		}
		tr := judgeTrial(rate, res, kc.SLO)
		out.Trials = append(out.Trials, tr)
		return tr.Sustained, nil
	})
	out.Rate, out.Bound = pass, fail
	return out, err
}

// searchBelow bisects [0, ceiling) for the highest rate trial passes, with
// failures confirmed by a second trial, in at most maxTrials trials. It
// returns the highest passing and the lowest failing rate.
func searchBelow(ceiling float64, maxTrials int, trial func(rate float64) (bool, error)) (pass, fail float64, err error) {
	fail = ceiling
	n := 0
	for n < maxTrials && fail > 1.05*pass && fail-pass >= 2 {
		mid := (pass + fail) / 2
		ok := false
		for attempt := 0; attempt < 2 && n < maxTrials && !ok; attempt++ {
			n++
			if ok, err = trial(mid); err != nil {
				return pass, fail, err
			}
		}
		if ok {
			pass = mid
		} else {
			fail = mid
		}
	}
	return pass, fail, nil
}

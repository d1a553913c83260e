package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/meshbench/meshbench/bench/hist"
	"github.com/meshbench/meshbench/bench/loadgen"
	"github.com/meshbench/meshbench/bench/results"
	"github.com/spf13/cobra"
)

// kneeFlags configure the knee search `meshbench load` can run after a
// closed-loop window.
type kneeFlags struct {
	p99           time.Duration
	trials        int
	trialDuration time.Duration
	trialWarmup   time.Duration
}

func (k *kneeFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.DurationVar(&k.p99, "knee-p99", 0, "after the closed-loop run, search for the highest open-loop rate with p99 below this (0: no search)")
	f.IntVar(&k.trials, "knee-trials", 8, "most trials of the knee search")
	f.DurationVar(&k.trialDuration, "knee-trial-duration", time.Second, "measurement window of each knee trial")
	f.DurationVar(&k.trialWarmup, "knee-trial-warmup", 250*time.Millisecond, "warm-up of each knee trial")
}

func (k *kneeFlags) validate(cfg *loadgen.Config) error {
	switch {
	case k.p99 < 0:
		return fmt.Errorf("--knee-p99: must be >= 0, got %v", k.p99)
	case k.p99 == 0:
		return nil
	case cfg.Rate != 0:
		return errors.New("--knee-p99: the search follows a closed-loop run; use --rate 0")
	case cfg.Protocol == loadgen.ProtocolStream || cfg.Churn:
		return errors.New("--knee-p99: only for request/response load over kept-alive connections")
	case k.trials < 1:
		return fmt.Errorf("--knee-trials: must be >= 1, got %d", k.trials)
	case k.trialDuration <= 0 || k.trialWarmup < 0:
		return fmt.Errorf("--knee-trial-duration must be > 0 and --knee-trial-warmup >= 0, got %v and %v", k.trialDuration, k.trialWarmup)
	}
	return nil
}

// search runs the knee search below the closed-loop rate res achieved; nil
// when no search was asked for.
func (k *kneeFlags) search(ctx context.Context, cfg loadgen.Config, res loadgen.Result, hooks loadgen.Hooks) (*results.Knee, error) {
	if k.p99 == 0 {
		return nil, nil
	}
	out := &results.Knee{CeilingRPS: res.Achieved, P99TargetUS: float64(k.p99.Microseconds())}
	if res.Achieved < 2 {
		return out, nil // nothing to search below; the result's warnings say why
	}
	kr, err := loadgen.Knee(ctx, cfg, loadgen.KneeConfig{
		SLO: loadgen.SLO{P99: k.p99}, Ceiling: res.Achieved, MaxTrials: k.trials,
		TrialDuration: k.trialDuration, TrialWarmup: k.trialWarmup,
	}, hooks)
	if err != nil {
		return nil, err
	}
	out.RateRPS, out.BoundRPS = kr.Rate, kr.Bound
	for _, tr := range kr.Trials {
		out.Trials = append(out.Trials, results.KneeTrial{
			Rate: tr.Rate, Achieved: tr.Result.Achieved, P99US: hist.Percentiles(tr.Result.Latency).P99,
			Errors: tr.Result.Errors, Sustained: tr.Sustained, Why: tr.Why,
		})
	}
	return out, nil
}

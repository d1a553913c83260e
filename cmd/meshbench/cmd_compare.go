package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/meshbench/meshbench/reports/gate"
	"github.com/meshbench/meshbench/reports/sample"
)

func newCompareCommand() *cobra.Command {
	var gateFile string
	cmd := &cobra.Command{
		Use:   "compare BASE.json CUR.json",
		Short: "Compare two results files and gate on regressions (exit 1 on a significant regression beyond tolerance)",
		Long: `compare matches every point (scenario, mesh, placement, size, rate) of two
results files and prints, per metric, benchstat-style tables: median ± 95% CI of
each, the change, and the Mann-Whitney U p-value, with ~ where the change is not
significant.

A change fails the gate when it is significant and beyond the tolerance of its
metric. Tolerances come from --gate (YAML) or the built-in defaults:

  p50: +10%            lower is better: may rise at most 10%
  p99: +20%
  rate: -5%            higher is better: may drop at most 5%
  throughput: -10%     also max_rps, connections_per_s
  cpu_per_krps: +15%
  p999: off            any metric: shown, never fails
  alpha: 0.05          significance level
  scenarios:           per-scenario overrides
    smoke: {p99: +30%}

A point that is valid in BASE but invalid in CUR also fails the gate.
Exit status: 0 no regression, 1 regression, 2 bad input.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg := gate.Default()
			if gateFile != "" {
				c, err := gate.Load(gateFile)
				if err != nil {
					return badInput(err)
				}
				cfg = c
			}
			sets, err := loadPair(args)
			if err != nil {
				return err
			}
			r := gate.Compare(sets[0], sets[1], cfg)
			if len(r.Pairs) == 0 {
				return badInputf("%s and %s have no point in common: nothing to compare", args[0], args[1])
			}
			if err := r.Write(cmd.OutOrStdout()); err != nil {
				return err
			}
			if r.Failed() {
				return checkFailed(fmt.Errorf("gate failed: %s", r.Summary()))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&gateFile, "gate", "", "gate file: tolerances per metric (YAML)")
	return cmd
}

// loadPair reads the two files compare takes; they may share points.
func loadPair(paths []string) ([2]*sample.Set, error) {
	var out [2]*sample.Set
	for i, p := range paths {
		s, err := loadResults([]string{p})
		if err != nil {
			return out, err
		}
		out[i] = s[0]
	}
	return out, nil
}

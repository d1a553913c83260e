package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/meshbench/meshbench/bench/crosscheck"
	"github.com/meshbench/meshbench/internal/privilege"
	"github.com/meshbench/meshbench/internal/substrate/local"
)

func newCrosscheckCommand() *cobra.Command {
	var cfg crosscheck.Config
	var out string
	cmd := &cobra.Command{
		Use:   "crosscheck [--rounds N] [--sizes 1024,65536,1048576] [--out DIR]",
		Short: "Check that meshbench's numbers agree with iperf3 and wrk between the same two pods",
		Long: `crosscheck creates a two-node local cluster without a mesh, starts meshbench's
workload server and iperf3 -s in one pod and measures it from a pod on the
same node and one on the other node: stream throughput per message size with
iperf3 -R and meshbench load --protocol stream, and the closed-loop HTTP
request rate with wrk -t1 and meshbench load --protocol http --procs 1, each
--rounds times in the balanced order tool, meshbench, meshbench, tool. It
prints the medians and meshbench's difference from the tool, writes
DIR/crosscheck.json with every value and the exact commands, and removes the
cluster. Exit status 1 when any difference exceeds --tolerance.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			cfg.Exe, cfg.Progress = exe, cmd.ErrOrStderr()
			if cfg, err = cfg.Normalize(); err != nil {
				return badInput(err)
			}
			if err := privilege.Check(); err != nil {
				return environment(err)
			}
			rep, runErr := crosscheck.Run(cmd.Context(), cfg)
			switch {
			case rep == nil && errors.Is(runErr, fs.ErrExist):
				return badInputf("--cluster %s: a cluster of that name exists; pick another name or remove it with meshbench down --cluster %s", cfg.Cluster, cfg.Cluster)
			case rep == nil && errors.Is(runErr, local.ErrInvalidConfig):
				return badInputf("--cluster: %v", runErr)
			case rep == nil && errors.Is(runErr, crosscheck.ErrToolMissing):
				return environment(runErr)
			case rep == nil:
				return runErr
			}
			if err := rep.Table(cmd.OutOrStdout()); err != nil {
				return errors.Join(runErr, err)
			}
			p, err := rep.WriteFile(out)
			if err != nil {
				return errors.Join(runErr, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", p)
			if runErr != nil {
				return runErr
			}
			if d := rep.Disagreements(); len(d) > 0 {
				return checkFailed(fmt.Errorf("%d of %d comparisons differ from the tool by more than %.0f%% (first: %s %s, %+.1f%%)",
					len(d), len(rep.Comparisons), 100*cfg.Tolerance, d[0].Placement, d[0].Metric, 100*d[0].Diff))
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&out, "out", "out/crosscheck", "directory for crosscheck.json")
	fl.StringVar(&cfg.Cluster, "cluster", "crosscheck", "the local cluster to create (and remove)")
	fl.IntVar(&cfg.Rounds, "rounds", 5, "rounds of each tool and of meshbench")
	fl.DurationVar(&cfg.Duration, "duration", 3e9, "measured time of every run (whole seconds)")
	fl.DurationVar(&cfg.Warmup, "warmup", 1e9, "time left out before it (whole seconds; wrk has no warm-up)")
	fl.IntSliceVar(&cfg.StreamSizes, "sizes", []int{1 << 10, 64 << 10, 1 << 20}, "stream message sizes in bytes (iperf3 -l)")
	fl.IntVar(&cfg.Connections, "connections", 4, "HTTP connections (wrk -c)")
	fl.StringSliceVar(&cfg.Placements, "placement", []string{crosscheck.SameNode, crosscheck.CrossNode}, "same-node, cross-node or both")
	fl.Float64Var(&cfg.Tolerance, "tolerance", 0.15, "the agreement asked for, as a fraction")
	return cmd
}

package main

import (
	"fmt"

	"github.com/meshbench/meshbench/internal/privilege"
	"github.com/meshbench/meshbench/internal/substrate/local"
	"github.com/spf13/cobra"
)

func newDownCommand() *cobra.Command {
	var cluster string
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Remove everything meshbench created on this host (idempotent, also after a crash)",
		Long: `down removes every network namespace, link, cgroup, BPF pin and process that
meshbench created on this host. It needs no state from the run that created
them, so it also cleans up after a run that was killed with kill -9. With
--cluster it removes only that cluster.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := privilege.Check(); err != nil {
				return environment(err)
			}
			if cluster != "" {
				if err := local.DownCluster(cluster); err != nil {
					return err
				}
				_, err := fmt.Fprintf(cmd.OutOrStdout(), "removed cluster %s\n", cluster)
				return err
			}
			if err := local.DownAll(); err != nil {
				return err
			}
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "removed everything meshbench created on this host")
			return err
		},
	}
	addClusterFlag(cmd, &cluster)
	return cmd
}

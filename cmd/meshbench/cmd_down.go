package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/meshbench/meshbench/datapath"
	"github.com/meshbench/meshbench/internal/mesh"
	"github.com/meshbench/meshbench/internal/privilege"
	"github.com/meshbench/meshbench/internal/substrate/local"
	"github.com/spf13/cobra"
)

func newDownCommand() *cobra.Command {
	var cluster string
	var sub substrateFlags
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Remove everything meshbench created on this host (idempotent, also after a crash)",
		Long: `down removes every network namespace, link, cgroup, BPF pin and process that
meshbench created on this host. It needs no state from the run that created
them, so it also cleans up after a run that was killed with kill -9. With
--cluster it removes only that cluster. With --substrate kind it removes the
meshbench kind clusters (mb-*), their node containers, the mb-kind Docker
network and the meshbench and sidecar images built for them instead (the node
image stays).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := sub.validate(); err != nil {
				return err
			}
			if sub.kind() {
				return kindDown(cmd, cluster)
			}
			if err := privilege.Check(); err != nil {
				return environment(err)
			}
			if cluster != "" {
				// The datapath first: Down switches it to pass-through
				// before anything it serves disappears.
				if err := errors.Join(datapath.Down(mesh.DatapathInstance(clusterKey(cluster))), local.DownCluster(cluster)); err != nil {
					return err
				}
				_, err := fmt.Fprintf(cmd.OutOrStdout(), "removed cluster %s\n", cluster)
				return err
			}
			if err := errors.Join(downAllDatapaths(), local.DownAll()); err != nil {
				return err
			}
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "removed everything meshbench created on this host")
			return err
		},
	}
	addClusterFlag(cmd, &cluster)
	addSubstrateFlags(cmd, &sub)
	return cmd
}

// downAllDatapaths takes down every datapath instance pinned under
// /sys/fs/bpf/meshbench, whichever cluster or run it belonged to.
func downAllDatapaths() error {
	entries, err := os.ReadDir(datapath.DefaultPinRoot)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if e.IsDir() {
			errs = append(errs, datapath.Down(e.Name()))
		}
	}
	return errors.Join(errs...)
}

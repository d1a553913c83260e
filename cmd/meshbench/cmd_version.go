package main

import (
	"fmt"
	"runtime"

	"github.com/meshbench/meshbench/bench/fingerprint"
	"github.com/meshbench/meshbench/datapath"
	"github.com/spf13/cobra"
)

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print meshbench's version, commit, Go version and the hash of its BPF objects",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			commit, dirty := fingerprint.BuildCommit()
			if dirty {
				commit += "-dirty"
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "meshbench %s commit %s %s bpf-objects %s\n",
				fingerprint.Version, commit, runtime.Version(), datapath.ObjectSHA256()[:12])
			return err
		},
	}
}

package main

import (
	"fmt"
	"runtime"

	"github.com/meshbench/meshbench/bench/fingerprint"
	"github.com/spf13/cobra"
)

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print meshbench's version, commit and Go version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			commit, dirty := fingerprint.BuildCommit()
			if dirty {
				commit += "-dirty"
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "meshbench %s commit %s %s\n", fingerprint.Version, commit, runtime.Version())
			return err
		},
	}
}

package main

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// run is the whole CLI as a function, so tests drive it exactly as a user
// would, without a subprocess.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	root := &cobra.Command{
		Use:   "meshbench",
		Short: "Benchmark and check service-mesh datapaths: no mesh, sidecar proxies and eBPF",
		Long: `meshbench builds pods (network namespaces on this host), installs a mesh
datapath on them (none, sidecar or ebpf), runs latency scenarios between them
and writes results.json with the raw histograms and an environment fingerprint.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return badInput(err) })
	root.AddCommand(
		newUpCommand(),
		newDownCommand(),
		newExecCommand(),
		newRunCommand(),
		newServeCommand(),
		newLoadCommand(),
		newVersionCommand(),
		newReportCommand(),
		newCompareCommand(),
		newDatapathCommand(),
		newConformanceCommand(),
		newSidecarInitCommand(),
		newKindCommand(),
		newCrosscheckCommand(),
	)
	err := root.ExecuteContext(ctx)
	var ce *codedError
	if err != nil && !errors.As(err, &ce) && isUsageError(err) {
		return badInput(err)
	}
	return err
}

// isUsageError recognises cobra's own argument and command errors, which are
// bad input (exit 2) rather than failures.
func isUsageError(err error) bool {
	msg := err.Error()
	for _, s := range []string{"unknown command", "accepts ", "requires at least", "unknown flag", "unknown shorthand", "invalid argument"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

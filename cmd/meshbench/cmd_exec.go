package main

import (
	"errors"
	"fmt"
	"os/exec"

	"github.com/meshbench/meshbench/internal/privilege"
	"github.com/meshbench/meshbench/internal/substrate/local"
	"github.com/spf13/cobra"
)

// childExitError passes a command's own exit status through `meshbench exec`.
type childExitError struct{ code int }

func (e *childExitError) Error() string { return fmt.Sprintf("command exited with status %d", e.code) }

func newExecCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "exec POD -- COMMAND [ARGS...]",
		Short: "Run a program inside a pod (its network namespace and cgroup)",
		Example: `  meshbench exec mb-n0-p0 -- ip addr
  meshbench exec mb-n0-p1 -- iperf3 -c 198.18.0.10`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			// Flag parsing stops at POD, so "--" arrives as an argument.
			if args[1] != "--" || len(args) < 3 {
				return badInputf("usage: meshbench exec POD -- COMMAND [ARGS...]")
			}
			args = append(args[:1], args[2:]...)
			c, pod, err := local.FindPod(args[0])
			if errors.Is(err, local.ErrPodNotFound) {
				return badInput(err)
			}
			if err != nil {
				return err
			}
			if err := privilege.Check(); err != nil {
				return environment(err)
			}
			path, err := exec.LookPath(args[1])
			if err != nil {
				return badInputf("command %q: not found on PATH", args[1])
			}
			child := exec.CommandContext(cmd.Context(), path, args[2:]...)
			child.Stdin, child.Stdout, child.Stderr = cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()
			if err := c.Start(pod, child); err != nil {
				return err
			}
			err = child.Wait()
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				return &childExitError{code: ee.ExitCode()}
			}
			return err
		},
	}
	cmd.Flags().SetInterspersed(false)
	return cmd
}

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"

	"github.com/meshbench/meshbench/internal/privilege"
	"github.com/meshbench/meshbench/internal/substrate/kind"
	"github.com/meshbench/meshbench/internal/substrate/local"
	"github.com/spf13/cobra"
)

// childExitError passes a command's own exit status through `meshbench exec`.
type childExitError struct{ code int }

func (e *childExitError) Error() string { return fmt.Sprintf("command exited with status %d", e.code) }

func newExecCommand() *cobra.Command {
	var sub substrateFlags
	var cluster, container string
	cmd := &cobra.Command{
		Use:   "exec POD -- COMMAND [ARGS...]",
		Short: "Run a program inside a pod (its network namespace and cgroup, or its container on kind)",
		Example: `  meshbench exec mb-n0-p0 -- ip addr
  meshbench exec mb-n0-p1 -- iperf3 -c 198.18.0.10
  meshbench exec --substrate kind --cluster demo server-none-1 -- ss -tn`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			// Flag parsing stops at POD, so "--" arrives as an argument.
			if args[1] != "--" || len(args) < 3 {
				return badInputf("usage: meshbench exec POD -- COMMAND [ARGS...]")
			}
			args = append(args[:1], args[2:]...)
			if err := sub.validate(); err != nil {
				return err
			}
			if sub.kind() {
				return kindExec(cmd, sub, cluster, container, args)
			}
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
	addSubstrateFlags(cmd, &sub)
	cmd.Flags().StringVar(&cluster, "cluster", "", "with --substrate kind: the cluster (default: the default cluster)")
	cmd.Flags().StringVarP(&container, "container", "c", "", "with --substrate kind: the container (default: the pod's first)")
	return cmd
}

// kindExec runs args[1:] in pod args[0] of the meshbench namespace of a
// kind cluster (--kubeconfig, or the one meshbench up --substrate kind made).
func kindExec(cmd *cobra.Command, sub substrateFlags, cluster, container string, args []string) error {
	if sub.kubeconfig == "" {
		cfg, err := sub.kindConfig(cluster, 1).Normalize()
		if err != nil {
			return kindErr(err)
		}
		sub.kubeconfig = kind.KubeconfigPath(cfg.Name)
		if _, err := os.Stat(sub.kubeconfig); err != nil {
			return badInputf("kind cluster %s%s is not up (meshbench up --substrate kind --cluster %s): %v", kind.Prefix, cfg.Name, cfg.Name, err)
		}
	}
	c, err := kind.Up(cmd.Context(), sub.kindConfig(cluster, 1))
	if err != nil {
		return kindErr(err)
	}
	return c.Exec(cmd.Context(), args[0], container, args[1:], cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
}

package main

import (
	"errors"
	"log/slog"

	"github.com/meshbench/meshbench/datapath"
	"github.com/meshbench/meshbench/internal/kubemesh/agent"
	"github.com/spf13/cobra"
)

// newDatapathAgentCommand is `meshbench datapath agent`: the datapath on
// one Kubernetes node, run by the datapath DaemonSet's pod until SIGTERM.
func newDatapathAgentCommand() *cobra.Command {
	var cfg agent.Config
	var probe string
	cmd := &cobra.Command{
		Use:    "agent",
		Short:  "Run the datapath on this Kubernetes node until SIGTERM (the datapath DaemonSet's pod)",
		Hidden: true,
		Long: `agent attaches the datapath to the node's cgroup v2 root (found through the
node's PID 1, mounted if the node has no cgroup2 mount: the pod needs
hostPID and privileges), with the pods of the endpoints file as
address-only endpoints, pinned under /sys/fs/bpf/meshbench/<instance>. With
--node, the tc fast path is attached too: on the node end of every pod veth
and on the interfaces that route to other nodes' pods. While
attached, --ready-file exists and --metrics serves /metrics and /readyz.
SIGTERM takes the datapath down (detach and unpin) and exits 0.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			mode, err := datapath.ParseProbeMode(probe)
			if err != nil {
				return badInputf("--probe: %v", err)
			}
			cfg.Probe = mode
			if err := cfg.Validate(); err != nil {
				return badInput(err)
			}
			cfg.Log = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			return agentErr(agent.Run(cmd.Context(), cfg))
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&cfg.Instance, "instance", "", "pin name under /sys/fs/bpf/meshbench; carries the cluster and the node (required)")
	fl.StringVar(&cfg.EndpointsFile, "endpoints", "", "the endpoints file: JSON {\"endpoints\": [{\"name\", \"ipv4\", \"ipv6\", \"node\"}]} (required)")
	fl.StringVar(&cfg.Cgroup, "cgroup", "", "cgroup v2 directory to attach to (default: the node's root, found at run time)")
	fl.StringVar(&probe, "probe", "required", "what a failed kernel self-test does: required, no-splice, degrade or skip")
	fl.StringVar(&cfg.ReadyFile, "ready-file", "", "file that exists exactly while the datapath is attached")
	fl.StringVar(&cfg.Metrics, "metrics", "127.0.0.1:19090", "loopback address:port serving /metrics and /readyz (empty disables)")
	fl.StringVar(&cfg.Node, "node", "", "this node's name as the endpoints file names it: attaches the tc fast path in the agent's network namespace (hostNetwork), empty: none")
	return cmd
}

// agentErr maps the agent's errors to exit codes: bad configuration or
// endpoints 2, what the node or kernel lacks 3.
func agentErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, agent.ErrInvalid):
		return badInput(err)
	case errors.Is(err, agent.ErrNodeCgroup):
		return environment(err)
	}
	return datapathErr(err)
}

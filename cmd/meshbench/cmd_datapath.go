package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"text/tabwriter"
	"time"

	"github.com/meshbench/meshbench/datapath"
	"github.com/meshbench/meshbench/internal/mesh"
	"github.com/meshbench/meshbench/internal/substrate/local"
	"github.com/spf13/cobra"
)

// newDatapathCommand is `meshbench datapath up|down|status`: the eBPF
// datapath on its own, for users who bring their own workload.
func newDatapathCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "datapath",
		Short: "Install, inspect or remove the eBPF short-circuit datapath on a local cluster",
	}
	cmd.AddCommand(newDatapathUpCommand(), newDatapathDownCommand(), withInstance(newDatapathStatusCommand()), newDatapathPolicyCommand(), newDatapathAgentCommand())
	return cmd
}

// datapathErr maps the datapath's environment errors to exit code 3 and its
// option errors to exit code 2.
func datapathErr(err error) error {
	switch {
	case err == nil:
		return nil
	case datapath.IsEnvironment(err), errors.Is(err, datapath.ErrProbe):
		return environment(err)
	case errors.Is(err, datapath.ErrInvalid), errors.Is(err, datapath.ErrNotFound), errors.Is(err, datapath.ErrExists):
		return badInput(err)
	}
	return err
}

func newDatapathUpCommand() *cobra.Command {
	var cluster, probe, policy string
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Attach the datapath to every node of a local cluster (meshbench up first)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			mode, err := datapath.ParseProbeMode(probe)
			if err != nil {
				return badInputf("--probe: %v", err)
			}
			c, err := local.Load(cluster)
			if err != nil {
				if cluster == "" {
					return badInputf("the default cluster is not up (meshbench up): %v", err)
				}
				return badInputf("cluster %q is not up (meshbench up --cluster %s): %v", cluster, cluster, err)
			}
			opts, err := mesh.DatapathOptions(c, mode)
			if err != nil {
				return err
			}
			if policy != "" {
				if opts.Policy, err = readPolicyFile(cmd.InOrStdin(), policy); err != nil {
					return err
				}
				if err := opts.Policy.Validate(opts.Endpoints); err != nil {
					return badInput(fmt.Errorf("%s: %w", policy, err))
				}
			}
			d, err := datapath.Up(cmd.Context(), opts)
			if err != nil {
				return datapathErr(err)
			}
			st, err := d.Status()
			if err != nil {
				return errors.Join(err, d.Close())
			}
			fmt.Fprintf(cmd.OutOrStdout(), "datapath %s up on %d nodes, %d pods: loaded in %s, self-test %s, maps %d KiB\n",
				d.Instance(), len(opts.Cgroups), len(opts.Endpoints), st.LoadTime.Round(time.Millisecond), st.ProbeTime.Round(time.Millisecond), st.MapBytes>>10)
			for _, w := range st.Warnings {
				fmt.Fprintf(cmd.OutOrStdout(), "warning: %s\n", w)
			}
			return d.Close() // the pins keep it running
		},
	}
	addClusterFlag(cmd, &cluster)
	cmd.Flags().StringVar(&policy, "policy", "", "a policy file to start with (see `meshbench datapath policy --help`); default: allow everything")
	cmd.Flags().StringVar(&probe, "probe", "required", "what a failed kernel self-test does: required (refuse), no-splice (accept the splice(2) stall and tcp_bpf's other receive limits), degrade (never redirect) or skip")
	return cmd
}

func newDatapathDownCommand() *cobra.Command {
	var cluster string
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Detach and unpin the datapath; established connections keep working on the normal stack",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := datapath.Down(mesh.DatapathInstance(clusterKey(cluster))); err != nil {
				return datapathErr(err)
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "datapath %s down\n", mesh.DatapathInstance(clusterKey(cluster)))
			return err
		},
	}
	addClusterFlag(cmd, &cluster)
	return cmd
}

func newDatapathStatusCommand() *cobra.Command {
	var cluster, serve string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Print the datapath's per-pod counters, or serve them as Prometheus metrics",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := datapath.Open(mesh.DatapathInstance(clusterKey(cluster)))
			if err != nil {
				return datapathErr(err)
			}
			defer d.Close()
			if serve != "" {
				return serveMetrics(cmd.Context(), cmd, d, serve)
			}
			st, err := d.Status()
			if err != nil {
				return err
			}
			return printStatus(cmd, st)
		},
	}
	addClusterFlag(cmd, &cluster)
	cmd.Flags().StringVar(&serve, "serve", "", "serve Prometheus metrics at this address (e.g. 127.0.0.1:9090) until interrupted")
	return cmd
}

// clusterKey is the name the substrate gives a cluster: "default" for "".
func clusterKey(name string) string {
	if name == "" {
		return "default"
	}
	return name
}

func printStatus(cmd *cobra.Command, st *datapath.Status) error {
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "instance %s enabled %v flows %d maps %d KiB\n", st.Instance, st.Enabled, st.Flows, st.MapBytes>>10)
	fmt.Fprintln(w, "POD\tPAIRED\tMSGS REDIRECTED\tBYTES REDIRECTED\tFALLBACK MSGS\tPOLICY DENIED")
	for _, p := range st.Pods {
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%d\n", p.Name, p.ConnsPaired, p.MsgsRedirected, p.BytesRedirected, p.MsgsFallback, p.PolicyDenied)
	}
	if st.FastPath != nil {
		fmt.Fprintf(w, "fast path packets: peer %d neigh %d pass %d\n", st.FastPath.Peer, st.FastPath.Neigh, st.FastPath.Pass)
	}
	for _, warn := range st.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
	return w.Flush()
}

// serveMetrics serves /metrics at addr until ctx ends. The flag's example
// and the README use loopback; another address is the user's explicit choice.
func serveMetrics(ctx context.Context, cmd *cobra.Command, d *datapath.Datapath, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return badInputf("--serve %s: %v", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", datapath.MetricsHandler(d))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(cmd.OutOrStdout(), "serving metrics on http://%s/metrics\n", ln.Addr())
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

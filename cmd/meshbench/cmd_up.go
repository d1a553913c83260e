package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/meshbench/meshbench/internal/privilege"
	"github.com/meshbench/meshbench/internal/substrate/kind"
	"github.com/meshbench/meshbench/internal/substrate/local"
	"github.com/spf13/cobra"
)

type upFlags struct {
	nodes, podsPerNode int
	cluster            string
	sub                substrateFlags
}

func newUpCommand() *cobra.Command {
	var f upFlags
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Create a local topology (nodes and pods as network namespaces) or a kind cluster, and print its pods or nodes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.sub.validate(); err != nil {
				return err
			}
			if f.sub.kind() {
				return kindUp(cmd, f)
			}
			if f.nodes < 1 || f.nodes > 16 {
				return badInputf("--nodes: must be between 1 and 16, got %d", f.nodes)
			}
			if f.podsPerNode < 1 || f.podsPerNode > 100 {
				return badInputf("--pods-per-node: must be between 1 and 100, got %d", f.podsPerNode)
			}
			if err := privilege.Check(); err != nil {
				return environment(err)
			}
			c, err := local.Up(cmd.Context(), local.Config{Name: f.cluster, Nodes: f.nodes, PodsPerNode: f.podsPerNode})
			if err != nil {
				return err
			}
			return printPods(cmd, c.Pods())
		},
	}
	cmd.Flags().IntVar(&f.nodes, "nodes", 1, "number of nodes")
	cmd.Flags().IntVar(&f.podsPerNode, "pods-per-node", 2, "pods on each node")
	addClusterFlag(cmd, &f.cluster)
	addSubstrateFlags(cmd, &f.sub)
	return cmd
}

// kindUp creates a kind cluster of --nodes nodes (1 or 2) and prints its
// nodes; it stays up until meshbench down --substrate kind.
func kindUp(cmd *cobra.Command, f upFlags) error {
	c, err := kind.Up(cmd.Context(), f.sub.kindConfig(f.cluster, f.nodes))
	if err != nil {
		return kindErr(err)
	}
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NODE\tROLE\tINTERNAL-IP\tPOD-CIDR")
	for _, n := range c.Nodes() {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", n.Name, n.Role, n.InternalIP, n.PodCIDR)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "kubeconfig: %s\n", c.Kubeconfig())
	return err
}

// addClusterFlag adds --cluster, which names a topology so several can live
// side by side (tests use it); the default cluster's names start with "mb-".
func addClusterFlag(cmd *cobra.Command, name *string) {
	cmd.Flags().StringVar(name, "cluster", "", "name of the local cluster (default: the default cluster)")
}

func printPods(cmd *cobra.Command, pods []local.Pod) error {
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "POD\tNODE\tIPV4\tIPV6")
	for _, p := range pods {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", p.Name, p.Node, p.IPv4, p.IPv6)
	}
	return w.Flush()
}

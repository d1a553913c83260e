package main

import (
	"errors"
	"fmt"

	"github.com/meshbench/meshbench/internal/substrate/kind"
	"github.com/spf13/cobra"
)

// The substrates a command can run on.
const (
	substrateLocal = "local"
	substrateKind  = "kind"
)

// substrateFlags choose where pods live: network namespaces on this host
// (local, the default) or a kind cluster that meshbench creates, or reuses
// with --kubeconfig.
type substrateFlags struct {
	name       string
	kubeconfig string
	nodeImage  string
}

// addSubstrateFlags adds --substrate, --kubeconfig and --node-image.
func addSubstrateFlags(cmd *cobra.Command, f *substrateFlags) {
	cmd.Flags().StringVar(&f.name, "substrate", substrateLocal, "where pods live: local (network namespaces on this host) or kind (a Kubernetes cluster in Docker)")
	cmd.Flags().StringVar(&f.kubeconfig, "kubeconfig", "", "with --substrate kind: reuse the cluster of this kubeconfig instead of creating one (nothing is created or deleted but the meshbench namespace)")
	cmd.Flags().StringVar(&f.nodeImage, "node-image", kind.DefaultNodeImage, "with --substrate kind: the kind node image (must be in the local Docker: make kind-image builds it offline)")
}

// validate checks the flags' combination (exit 2 when wrong).
func (f substrateFlags) validate() error {
	switch f.name {
	case substrateLocal:
		if f.kubeconfig != "" {
			return badInputf("--kubeconfig: only with --substrate kind")
		}
	case substrateKind:
	default:
		return badInputf("--substrate: %q: want local or kind", f.name)
	}
	return nil
}

func (f substrateFlags) kind() bool { return f.name == substrateKind }

// kindConfig is the cluster a kind command works on.
func (f substrateFlags) kindConfig(cluster string, nodes int) kind.Config {
	return kind.Config{Name: cluster, Nodes: nodes, NodeImage: f.nodeImage, Kubeconfig: f.kubeconfig}
}

// kindErr maps the kind substrate's errors to exit codes: 2 for a bad
// name or node count, 3 for a missing Docker engine or node image.
func kindErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, kind.ErrInvalidConfig):
		return badInput(err)
	case errors.Is(err, kind.ErrEnvironment):
		return environment(err)
	}
	return err
}

// kindDown removes one kind cluster (by --cluster) or every meshbench kind
// cluster, from names alone.
func kindDown(cmd *cobra.Command, cluster string) error {
	if cluster != "" {
		if err := kindErr(kind.DownCluster(cmd.Context(), cluster)); err != nil {
			return err
		}
		_, err := fmt.Fprintf(cmd.OutOrStdout(), "removed kind cluster %s%s\n", kind.Prefix, cluster)
		return err
	}
	if err := kindErr(kind.DownAll(cmd.Context())); err != nil {
		return err
	}
	_, err := fmt.Fprintln(cmd.OutOrStdout(), "removed every meshbench kind cluster, its containers, the mb-kind network and the images built for them")
	return err
}

package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/meshbench/meshbench/internal/kind/nodeimage"
	"github.com/spf13/cobra"
)

// newKindCommand is `meshbench kind ...`: what the kind substrate needs on
// this machine before a cluster can start.
func newKindCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kind",
		Short: "Prepare the kind substrate on this machine (offline node image)",
	}
	cmd.AddCommand(newKindBuildImageCommand())
	return cmd
}

// kindBuildImageFlags are the flags of `meshbench kind build-image`.
type kindBuildImageFlags struct {
	kubernetesVersion string
	image             string
	workDir           string
	force             bool
}

func newKindBuildImageCommand() *cobra.Command {
	var f kindBuildImageFlags
	cmd := &cobra.Command{
		Use:   "build-image",
		Short: "Build a kind node image without any container registry (Go module proxy and Debian mirror only)",
		Long: `build-image builds a Docker image that kind accepts as a node image, for
machines that can reach the Go module proxy and a Debian mirror but no
container registry: a debootstrap root filesystem with kind's node files,
Kubernetes built from source, and every image kubeadm needs (control plane,
etcd, CoreDNS, pause) built locally and preloaded into the node's containerd.
It also builds ` + nodeimage.BaseImage + `. Each step is kept in --work-dir and
skipped when its output exists; --force rebuilds all. A kindest/node image of
the same version already in Docker is used instead of building. Needs root,
a running Docker engine, debootstrap, gcc and Go (make kind-image installs them).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := nodeimage.Options{
				KubernetesVersion: f.kubernetesVersion,
				Image:             f.image,
				WorkDir:           f.workDir,
				Force:             f.force,
				Progress:          cmd.ErrOrStderr(),
			}
			res, err := nodeimage.Build(cmd.Context(), opts)
			switch {
			case errors.Is(err, nodeimage.ErrInvalid):
				return badInputf("%v", err)
			case errors.Is(err, nodeimage.ErrEnvironment):
				return environment(err)
			case err != nil:
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "node image %s (Kubernetes %s) id %s in %s\n",
				res.Image, res.KubernetesVersion, res.ID, res.Took.Round(time.Second))
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.kubernetesVersion, "kubernetes-version", nodeimage.DefaultKubernetesVersion, "Kubernetes release to build (its kubelet must accept this host's cgroups)")
	fl.StringVar(&f.image, "image", "", "node image reference (default "+nodeimage.DefaultImageRepo+":<kubernetes-version>)")
	fl.StringVar(&f.workDir, "work-dir", nodeimage.DefaultWorkDir, "directory that keeps every step's output between runs")
	fl.BoolVar(&f.force, "force", false, "rebuild every step even when its output exists")
	return cmd
}

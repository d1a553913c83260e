package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/meshbench/meshbench/bench/plan"
	"github.com/meshbench/meshbench/bench/runner"
	"github.com/meshbench/meshbench/datapath"
	baseline "github.com/meshbench/meshbench/envoy-baseline"
	"github.com/meshbench/meshbench/internal/kubestep"
	"github.com/meshbench/meshbench/internal/substrate/kind"
	"github.com/meshbench/meshbench/scenarios"
)

// kindRun is a run's kind cluster: created (or reused) before the run,
// its images built from this binary and loaded into its nodes.
type kindRun struct {
	cluster *kind.Cluster
	backend *kubestep.Backend
}

// startKind creates the cluster the scenarios need (two nodes when any
// step is cross-node), builds and loads the images and returns the
// runner's Kubernetes backend. On failure nothing is left behind.
func startKind(ctx context.Context, progress io.Writer, files []scenarios.File, f runFlags, exe string) (*kindRun, error) {
	var scs []*scenarios.Scenario
	for i := range files {
		scs = append(scs, &files[i].Scenario)
	}
	nodes := 1
	if plan.NeedsCrossNode(plan.Build(scs, f.meshes, 0)) {
		nodes = 2
	}
	probe, err := datapath.ParseProbeMode(f.probe)
	if err != nil {
		return nil, badInputf("--datapath-probe: %v", err)
	}
	sidecar, err := kindSidecar(f.sidecar)
	if err != nil {
		return nil, err
	}
	c, imgs, err := upKind(ctx, progress, f.sub.kindConfig(f.cluster, nodes), exe)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*kindRun, error) {
		return nil, errors.Join(kindErr(err), c.Down(context.WithoutCancel(ctx)))
	}
	be, err := kubestep.New(kubestep.Options{Cluster: c, Images: imgs, Sidecar: sidecar, Probe: probe})
	if err != nil {
		return fail(err)
	}
	return &kindRun{cluster: c, backend: be}, nil
}

// kindSidecar checks the sidecar options for kind, where HAProxy is the
// only sidecar image this project builds, without mTLS.
func kindSidecar(o baseline.Options) (baseline.Options, error) {
	switch o.Proxy {
	case baseline.ProxyAuto, baseline.ProxyHAProxy:
		o.Proxy = baseline.ProxyHAProxy
	default:
		return o, environment(fmt.Errorf("--sidecar %s: on kind only HAProxy exists as an image this project can build offline (no Envoy image is present locally)", o.Proxy))
	}
	o.Normalize()
	if err := o.Validate(); err != nil {
		return o, badInput(err)
	}
	if _, err := baseline.KubeHAProxyConfig(o, "/run/stats.sock"); err != nil {
		return o, badInputf("--mtls: %v", err)
	}
	return o, nil
}

// upKind creates (or, with cfg.Kubeconfig, reuses) the cluster, builds the
// images of the binary exe and loads them into its nodes. On failure
// nothing it created is left.
func upKind(ctx context.Context, progress io.Writer, cfg kind.Config, exe string) (*kind.Cluster, kind.Images, error) {
	started := time.Now()
	if cfg.Kubeconfig != "" {
		fmt.Fprintf(progress, "kind: reusing the cluster of %s\n", cfg.Kubeconfig)
	} else {
		fmt.Fprintf(progress, "kind: creating a %d-node cluster from %s\n", cfg.Nodes, cfg.NodeImage)
	}
	c, err := kind.Up(ctx, cfg)
	if err != nil {
		return nil, kind.Images{}, kindErr(err)
	}
	fmt.Fprintf(progress, "kind: cluster %s ready in %s; building and loading images\n", c.KindName(), time.Since(started).Round(time.Second))
	imgs, err := kind.BuildImages(ctx, exe)
	if err == nil {
		err = c.LoadImages(ctx, imgs.Refs()...)
	}
	if err != nil {
		return nil, imgs, errors.Join(kindErr(err), c.Down(context.WithoutCancel(ctx)))
	}
	fmt.Fprintf(progress, "kind: images %s and %s loaded (%s in all)\n", imgs.Meshbench, imgs.Sidecar, time.Since(started).Round(time.Second))
	return c, imgs, nil
}

// stop exports the cluster's logs into out/kind-logs when the run failed,
// then deletes the cluster unless keep (a reused cluster only loses the
// meshbench namespace).
func (k *kindRun) stop(ctx context.Context, out string, runErr error, keep bool) error {
	ctx = context.WithoutCancel(ctx)
	var errs []error
	if runErr != nil && !errors.Is(runErr, runner.ErrInterrupted) && !errors.Is(runErr, context.Canceled) {
		dir := filepath.Join(out, "kind-logs")
		if err := k.cluster.ExportLogs(ctx, dir); err != nil {
			errs = append(errs, fmt.Errorf("export kind logs: %w", err))
		}
	}
	if !keep {
		errs = append(errs, k.cluster.Down(ctx))
	}
	return errors.Join(errs...)
}

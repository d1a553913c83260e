// Package e2e is the kind substrate's end-to-end suite, written with
// sigs.k8s.io/e2e-framework: TestMain brings up a two-node kind cluster
// (or reuses the one --kubeconfig names), loads the meshbench images into
// it, runs the features, exports the cluster's logs and takes it down.
// Everything is skipped, with the reason, unless MESHBENCH_KIND=1:
//
//	MESHBENCH_KIND=1 go test ./internal/substrate/kind/e2e/ -args --kubeconfig=/path  (reuse)
//	make e2e                                                                       (fresh cluster)
//
// Logs go to $MESHBENCH_E2E_LOGS, else to a fresh directory the suite names.
package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/meshbench/meshbench/internal/substrate/kind"
	"github.com/meshbench/meshbench/internal/substrate/kind/kindtest"
	"sigs.k8s.io/e2e-framework/pkg/env"
	"sigs.k8s.io/e2e-framework/pkg/envconf"
)

// The suite's environment, cluster and images, for every feature.
var (
	testenv env.Environment
	cluster *kind.Cluster
	images  kind.Images
)

// clusterName is the suite's kind cluster: mb-e2e.
const clusterName = "e2e"

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	// Ctrl-C ends the features' contexts; Finish still takes the cluster down.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	notAsked, lacks := kindtest.Missing(ctx)
	if notAsked != "" {
		fmt.Println("skipping the kind e2e suite:", notAsked)
		return 0
	}
	if lacks != "" {
		fmt.Fprintln(os.Stderr, "the kind e2e suite was asked for but cannot run:", lacks)
		return 1
	}
	cfg, err := envconf.NewFromFlags()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e flags:", err)
		return 2
	}
	testenv, err = env.NewWithContext(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e environment:", err)
		return 1
	}
	var setupErr, finishErr error
	testenv.Setup(func(ctx context.Context, cfg *envconf.Config) (context.Context, error) {
		setupErr = setup(ctx, cfg)
		return ctx, setupErr
	})
	testenv.Finish(func(ctx context.Context, _ *envconf.Config) (context.Context, error) {
		finishErr = finish(ctx)
		return ctx, finishErr
	})
	code := testenv.Run(m)
	for what, err := range map[string]error{"setup": setupErr, "teardown": finishErr} {
		if err != nil {
			fmt.Fprintf(os.Stderr, "kind e2e %s: %v\n", what, err)
			code = max(code, 1)
		}
	}
	return code
}

// setup builds the images, brings the cluster up (or reuses the one of
// --kubeconfig) and loads the images into it.
func setup(ctx context.Context, cfg *envconf.Config) error {
	dir, err := os.MkdirTemp("", "meshbench-e2e-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	exe, err := kindtest.Meshbench(ctx, dir)
	if err != nil {
		return err
	}
	if images, err = kind.BuildImages(ctx, exe); err != nil {
		return err
	}
	start := time.Now()
	cluster, err = kind.Up(ctx, kind.Config{Name: clusterName, Nodes: 2, Kubeconfig: cfg.KubeconfigFile()})
	if err != nil {
		return err
	}
	fmt.Printf("kind e2e: cluster %s up in %s\n", cluster.KindName(), time.Since(start).Round(time.Second))
	cfg.WithKubeconfigFile(cluster.Kubeconfig())
	return cluster.LoadImages(ctx, images.Refs()...)
}

// finish exports the cluster's logs and takes it down (a reused cluster
// only loses the meshbench namespace), even after Ctrl-C.
func finish(ctx context.Context) error {
	if cluster == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer cancel()
	var errs []error
	if cluster.KindName() != "" {
		dir := os.Getenv("MESHBENCH_E2E_LOGS")
		var err error
		if dir == "" {
			dir, err = os.MkdirTemp("", "meshbench-e2e-logs-")
		}
		if err == nil {
			err = cluster.ExportLogs(ctx, dir)
			fmt.Printf("kind e2e: cluster logs in %s\n", dir)
		}
		errs = append(errs, err)
	}
	errs = append(errs, cluster.Down(ctx))
	return errors.Join(errs...)
}

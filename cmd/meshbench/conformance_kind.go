package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/meshbench/meshbench/conformance"
)

// startConformanceKind creates (or reuses) the two-node cluster the
// conformance suite runs on, with the images of this binary loaded.
func startConformanceKind(ctx context.Context, progress io.Writer, f conformanceFlags) (*kindRun, *conformance.KindConfig, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, nil, environment(fmt.Errorf("find the meshbench binary for the cluster's images: %w", err))
	}
	kc := f.sub.kindConfig(f.cluster, 2)
	kc.LogDir = filepath.Join(f.out, "kind-logs")
	c, imgs, err := upKind(ctx, progress, kc, exe)
	if err != nil {
		return nil, nil, err
	}
	if n := len(c.Nodes()); n < 2 {
		kr := &kindRun{cluster: c}
		return nil, nil, errors.Join(badInputf("--kubeconfig %s: conformance needs two nodes (same-node and cross-node runs), the cluster has %d", f.sub.kubeconfig, n),
			kr.stop(ctx, f.out, nil, f.keep))
	}
	return &kindRun{cluster: c}, &conformance.KindConfig{Cluster: c, Images: imgs}, nil
}

// conformanceFailure is what makes a kind run export the cluster's logs:
// the suite stopped, or a case failed.
func conformanceFailure(rep *conformance.Report, runErr error) error {
	if runErr != nil {
		return runErr
	}
	if rep != nil {
		if failed := rep.FailedMeshes(); len(failed) > 0 {
			return fmt.Errorf("conformance failed for %v", failed)
		}
	}
	return nil
}

package nodeimage

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// criBaseSpec is what kind's Dockerfile writes to /etc/containerd/cri-base.json
// (the base_runtime_spec of its containerd config): containerd's default OCI
// spec with kind's product-files hook and without rlimits.
const criBaseSpec = `ctr oci spec \
	| jq '.hooks.createContainer[.hooks.createContainer| length] |= . + {"path": "/kind/bin/mount-product-files.sh"}' \
	| jq 'del(.process.rlimits)' > /etc/containerd/cri-base.json`

// preload does what kind's own node image build does: start containerd in a
// container of the staged image, import every image tar into namespace
// k8s.io, stop containerd cleanly and commit the container as ref. The
// container is removed on every path.
func preload(ctx context.Context, stage, imagesDir, ref string, v Versions) (err error) {
	abs, err := filepath.Abs(imagesDir)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("mb-nodeimage-build-%d", time.Now().UnixNano())
	// Not --privileged, like kind's own build container: importing with
	// --no-unpack mounts nothing, and Docker 20.10 cannot start privileged
	// containers where dockerd itself lacks a capability (moby#42906).
	if err := docker.run(ctx, "docker", "run", "--detach", "--name", name, "--security-opt", "seccomp=unconfined",
		"--tmpfs", "/run", "--tmpfs", "/tmp", "--volume", abs+":/kind/images:ro",
		"--entrypoint", "sleep", stage, "infinity"); err != nil {
		return errors.Join(fmt.Errorf("start the build container"), err, removeContainer(ctx, name))
	}
	defer func() { err = errors.Join(err, removeContainer(ctx, name)) }()
	in := func(args ...string) (string, error) {
		return docker.output(ctx, "docker", append([]string{"exec", name}, args...)...)
	}

	// An exec'd process is reaped by the shim when it exits, so the stop
	// below can wait for it to be gone (under sleep as PID 1 it would stay
	// a zombie).
	if err := docker.run(ctx, "docker", "exec", "--detach", name, "bash", "-c", "exec containerd >/tmp/containerd.log 2>&1"); err != nil {
		return fmt.Errorf("start containerd in the build container: %w", err)
	}
	if err := waitFor(ctx, 30*time.Second, func() error { _, err := in("ctr", "version"); return err }); err != nil {
		log, _ := in("tail", "-20", "/tmp/containerd.log")
		return fmt.Errorf("containerd in the build container did not answer: %w\n%s", err, log)
	}
	if _, err := in("bash", "-c", "set -o pipefail; "+criBaseSpec); err != nil {
		return fmt.Errorf("write /etc/containerd/cri-base.json: %w", err)
	}
	for _, c := range v.images() {
		// Not --digests: that adds an import-<date>@sha256 name per image.
		// Not --label io.cri-containerd.pinned: containerd 1.6's ctr has no
		// --label, and its CRI does not pin images.
		if _, err := in("ctr", "--namespace=k8s.io", "images", "import", "--all-platforms", "--no-unpack", "/kind/images/"+c.tarName()); err != nil {
			return fmt.Errorf("import %s into the node's containerd: %w", c.ref, err)
		}
	}
	if err := verifyPreloaded(in, v); err != nil {
		return err
	}
	if err := stopContainerd(ctx, in); err != nil {
		return err
	}
	// STOPSIGNAL and ENV come from the staged image (Docker 20.10's commit
	// cannot change STOPSIGNAL); the run's entrypoint and command are reset.
	if err := docker.run(ctx, "docker", "commit",
		"--change", `ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]`,
		"--change", `CMD []`,
		name, ref); err != nil {
		return err
	}
	return checkNodeConfig(ctx, ref)
}

// nodeConfig is what kind's node image declares, as docker inspect prints
// it: systemd as init behind kind's entrypoint, stopped with SIGRTMIN+3.
const nodeConfig = `["/usr/local/bin/entrypoint","/sbin/init"] [] SIGRTMIN+3 container=docker`

func checkNodeConfig(ctx context.Context, ref string) error {
	out, err := docker.output(ctx, "docker", "image", "inspect", "--format",
		`{{json .Config.Entrypoint}} {{if .Config.Cmd}}{{json .Config.Cmd}}{{else}}[]{{end}} {{.Config.StopSignal}} {{range .Config.Env}}{{if eq . "container=docker"}}{{.}}{{end}}{{end}}`, ref)
	if err != nil {
		return err
	}
	if got := strings.TrimSpace(out); got != nodeConfig {
		return fmt.Errorf("committed image %s has entrypoint, cmd, stop signal, env %s; want %s", ref, got, nodeConfig)
	}
	return nil
}

// verifyPreloaded checks that containerd holds exactly the images kubeadm
// lists for this version, and that the node's kubeadm reports the version.
func verifyPreloaded(in func(...string) (string, error), v Versions) error {
	loaded, err := in("ctr", "--namespace=k8s.io", "images", "ls", "--quiet")
	if err != nil {
		return err
	}
	wanted, err := in("kubeadm", "config", "images", "list", "--kubernetes-version", v.Kubernetes)
	if err != nil {
		return fmt.Errorf("kubeadm in the node: %w", err)
	}
	if diff := missingFrom(strings.Fields(loaded), strings.Fields(wanted)); len(diff) > 0 {
		return fmt.Errorf("kubeadm %s needs %s, which the node's containerd does not hold after the import (it holds %s)",
			v.Kubernetes, strings.Join(diff, ", "), strings.Join(strings.Fields(loaded), ", "))
	}
	return nil
}

// missingFrom lists the entries of want that have is lacks.
func missingFrom(have, want []string) []string {
	var out []string
	for _, w := range want {
		if !slices.Contains(have, w) {
			out = append(out, w)
		}
	}
	return out
}

// stopContainerd sends containerd SIGTERM and waits for it to exit, so its
// metadata database is closed before the commit.
func stopContainerd(ctx context.Context, in func(...string) (string, error)) error {
	if _, err := in("pkill", "--exact", "containerd"); err != nil {
		return fmt.Errorf("stop containerd in the build container: %w", err)
	}
	return waitFor(ctx, 30*time.Second, func() error {
		if _, err := in("pgrep", "--exact", "containerd"); err == nil {
			return fmt.Errorf("containerd still runs")
		}
		return nil
	})
}

// waitFor polls check until it succeeds, ctx ends or timeout passes.
func waitFor(ctx context.Context, timeout time.Duration, check func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %s: %w", timeout, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
}

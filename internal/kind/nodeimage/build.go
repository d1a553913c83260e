package nodeimage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Build produces the node image described by opts (and BaseImage), reusing
// every step output already in opts.WorkDir unless opts.Force is set, and
// prints one line per step to opts.Progress.
func Build(ctx context.Context, opts Options) (Result, error) {
	start := time.Now()
	if err := opts.Normalize(); err != nil {
		return Result{}, err
	}
	res := Result{Image: opts.Image, KubernetesVersion: opts.KubernetesVersion}
	if err := checkDocker(ctx); err != nil {
		return res, err
	}
	kindest, err := localKindestNode(ctx, opts.KubernetesVersion)
	if err != nil {
		return res, err
	}
	if kindest != "" {
		if err := docker.run(ctx, "docker", "tag", kindest, opts.Image); err != nil {
			return res, err
		}
		fmt.Fprintf(opts.Progress, "%-30s using %s found in Docker, tagged %s; nothing built\n", "kindest-node", kindest, opts.Image)
		res.Reused = kindest
		return finish(ctx, res, start)
	}
	p, err := newPlan(ctx, opts)
	if err != nil {
		return res, err
	}
	if err := runSteps(ctx, opts.Progress, opts.Force, p.steps()); err != nil {
		return res, err
	}
	return finish(ctx, res, start)
}

func finish(ctx context.Context, res Result, start time.Time) (Result, error) {
	id, err := imageID(ctx, res.Image)
	if err != nil {
		return res, err
	}
	if id == "" {
		return res, fmt.Errorf("image %s is not in Docker after the build", res.Image)
	}
	res.ID, res.Took = id, time.Since(start)
	return res, nil
}

// plan holds what the steps share: where things are and which versions.
type plan struct {
	opts          Options
	v             Versions
	kindDir       string // sigs.k8s.io/kind in the module cache
	kubernetesDir string // k8s.io/kubernetes in the module cache
	mirror        string
}

func newPlan(ctx context.Context, opts Options) (*plan, error) {
	if err := os.MkdirAll(filepath.Join(opts.WorkDir, "images"), 0o755); err != nil {
		return nil, fmt.Errorf("work directory: %w", err)
	}
	if err := lookTool("modules", "go", "install Go 1.26 or newer (https://go.dev/doc/install) and put it on PATH"); err != nil {
		return nil, err
	}
	kindDir, err := moduleDir(ctx, KindModule)
	if err != nil {
		return nil, err
	}
	kubernetesDir, err := moduleDir(ctx, "k8s.io/kubernetes@"+opts.KubernetesVersion)
	if err != nil {
		return nil, err
	}
	constants, err := os.ReadFile(filepath.Join(kubernetesDir, "cmd", "kubeadm", "app", "constants", "constants.go"))
	if err != nil {
		return nil, fmt.Errorf("kubeadm constants: %w", err)
	}
	v, err := parseVersions(string(constants), opts.KubernetesVersion)
	if err != nil {
		return nil, err
	}
	return &plan{opts: opts, v: v, kindDir: kindDir, kubernetesDir: kubernetesDir, mirror: aptMirror(Suite)}, nil
}

func (p *plan) path(elem ...string) string {
	return filepath.Join(append([]string{p.opts.WorkDir}, elem...)...)
}

// binary returns where the step that builds a component leaves its binary.
func (p *plan) binary(component string) string {
	switch component {
	case "etcd":
		return p.path("etcd-"+p.v.EtcdModuleVersion(), "bin", "etcd")
	case "coredns":
		return p.path("coredns-"+p.v.CoreDNS, "bin", "coredns")
	case "pause":
		return p.path("pause-"+p.v.Pause, "bin", "pause")
	case "crictl":
		return p.path("crictl-"+CrictlVersion, "bin", "crictl")
	}
	return p.path("kubernetes-"+p.v.Kubernetes, "bin", component)
}

// nodeBinaries maps each binary the node carries to its path in the node.
func (p *plan) nodeBinaries() map[string]string {
	m := map[string]string{p.binary("crictl"): "/usr/local/bin/crictl"}
	for _, b := range []string{"kubelet", "kubeadm", "kubectl"} {
		m[p.binary(b)] = "/usr/bin/" + b // as in kind's node images
	}
	return m
}

// steps lists the build in order; each names the files that prove it done.
func (p *plan) steps() []step {
	v, o := p.v, p.opts
	nodeTar, baseTar := p.path("rootfs-node-"+Suite+".tar"), p.path("rootfs-base-"+Suite+".tar")
	kubeDir := p.path("kubernetes-" + v.Kubernetes)
	kubeOut := make([]string, len(kubeBinaries))
	for i, b := range kubeBinaries {
		kubeOut[i] = p.binary(b)
	}
	steps := []step{
		{name: "rootfs-node", outputs: []string{nodeTar}, run: func(ctx context.Context) error {
			return debootstrap(ctx, "rootfs-node", p.mirror, nodeTar, nodePackages)
		}},
		{name: "rootfs-base", outputs: []string{baseTar}, run: func(ctx context.Context) error {
			return debootstrap(ctx, "rootfs-base", p.mirror, baseTar, basePackages)
		}},
		{name: "debian-base", outputs: []string{baseTar}, exists: imageExists(BaseImage), run: func(ctx context.Context) error {
			return dockerImport(ctx, baseTar, BaseImage, `CMD ["/bin/bash"]`)
		}},
		{name: "kubernetes", outputs: kubeOut, run: func(ctx context.Context) error {
			return buildKubernetes(ctx, kubeDir, p.kubernetesDir, v.Kubernetes)
		}},
		{name: "etcd", outputs: []string{p.binary("etcd")}, run: func(ctx context.Context) error {
			return buildEtcd(ctx, filepath.Dir(filepath.Dir(p.binary("etcd"))), v)
		}},
		{name: "coredns", outputs: []string{p.binary("coredns")}, run: func(ctx context.Context) error {
			return buildCoreDNS(ctx, filepath.Dir(filepath.Dir(p.binary("coredns"))), v)
		}},
		{name: "crictl", outputs: []string{p.binary("crictl")}, run: func(ctx context.Context) error {
			return buildCrictl(ctx, filepath.Dir(filepath.Dir(p.binary("crictl"))))
		}},
		{name: "pause", outputs: []string{p.binary("pause")}, run: func(ctx context.Context) error {
			if err := lookTool("pause", "gcc", "apt-get install gcc libc6-dev (make kind-image installs it)"); err != nil {
				return err
			}
			return buildPause(ctx, filepath.Dir(filepath.Dir(p.binary("pause"))), p.kubernetesDir, v)
		}},
	}
	for _, c := range v.images() {
		tar := p.path("images", c.tarName())
		steps = append(steps, step{name: "image-" + c.name, outputs: []string{tar}, run: func(ctx context.Context) error {
			return buildComponentImage(ctx, c, p.binary(c.name), p.path("images", c.name+".ctx"), tar)
		}})
	}
	return append(steps,
		step{name: "node-rootfs", outputs: []string{nodeTar}, exists: imageExists(nodeRootfsImage), run: func(ctx context.Context) error {
			return dockerImport(ctx, nodeTar, nodeRootfsImage)
		}},
		step{name: "node-image", exists: imageExists(o.Image), run: func(ctx context.Context) error {
			return buildNodeImage(ctx, o.WorkDir, p.kindDir, p.nodeBinaries(), p.path("images"), o.Image, v)
		}},
	)
}

// dockerImport imports a root filesystem tar as ref, with a standard PATH.
func dockerImport(ctx context.Context, tar, ref string, changes ...string) error {
	args := []string{"import", "--change", "ENV PATH=" + stdPath}
	for _, c := range changes {
		args = append(args, "--change", c)
	}
	if err := docker.run(ctx, "docker", append(args, tar, ref)...); err != nil {
		return errors.Join(fmt.Errorf("docker import %s as %s", tar, ref), err)
	}
	return nil
}

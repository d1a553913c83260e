package kind

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kind/pkg/cluster/nodes"
	"sigs.k8s.io/kind/pkg/cluster/nodeutils"
)

// BaseImage is the Debian image the meshbench images build on (make
// kind-image builds it with the node image).
const BaseImage = "meshbench/debian-base:bookworm"

// The repositories of the per-binary images BuildImages tags with the
// binary's hash; each new build adds a tag, DownAll removes them all.
const (
	meshbenchRepo = "meshbench/meshbench"
	sidecarRepo   = "meshbench/sidecar-haproxy"
)

// RemoveBuiltImages removes every image BuildImages made, for any binary:
// they are rebuilt in seconds from the binary at hand. The base and node
// images, which take minutes, stay. Kind nodes hold their own copies, so
// running clusters are not affected.
func RemoveBuiltImages(ctx context.Context) error {
	var refs []string
	for _, repo := range []string{meshbenchRepo, sidecarRepo} {
		out, err := docker(ctx, nil, "image", "ls", "--format", "{{.Repository}}:{{.Tag}}", repo)
		if err != nil {
			return fmt.Errorf("list %s images: %w", repo, err)
		}
		for _, ref := range lines(out) {
			if strings.HasPrefix(ref, repo+":") && !strings.HasSuffix(ref, ":<none>") {
				refs = append(refs, ref)
			}
		}
	}
	if len(refs) == 0 {
		return nil
	}
	if _, err := docker(ctx, nil, append([]string{"image", "rm"}, refs...)...); err != nil {
		return fmt.Errorf("remove images %v: %w", refs, err)
	}
	return nil
}

// Images are the workload images of one meshbench binary, tagged with the
// first 12 hex digits of its SHA-256.
type Images struct {
	Meshbench string // meshbench/meshbench:<tag>: the binary at /usr/local/bin/meshbench, ENTRYPOINT meshbench
	Sidecar   string // meshbench/sidecar-haproxy:<tag>: HAProxy from Debian, ENTRYPOINT haproxy
}

// Refs lists the images.
func (im Images) Refs() []string { return []string{im.Meshbench, im.Sidecar} }

// dockerfiles of the images; the build context holds the binary as
// "meshbench".
var dockerfiles = map[string]string{
	"meshbench": `FROM ` + BaseImage + `
COPY meshbench /usr/local/bin/meshbench
ENTRYPOINT ["/usr/local/bin/meshbench"]
`,
	"sidecar-haproxy": `FROM ` + BaseImage + `
ENTRYPOINT ["/usr/sbin/haproxy"]
`,
}

// imageTag is the tag of the images of a binary with these contents.
func imageTag(exe io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, exe); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// BuildImages builds the workload images for the meshbench binary at exe in
// the local Docker, from BaseImage and without network access. An image
// whose tag exists is not rebuilt (the tag is the binary's hash). A missing
// base image is an error wrapping ErrEnvironment.
func BuildImages(ctx context.Context, exe string) (Images, error) {
	f, err := os.Open(exe)
	if err != nil {
		return Images{}, fmt.Errorf("build images: open meshbench binary: %w", err)
	}
	tag, err := imageTag(f)
	f.Close()
	if err != nil {
		return Images{}, fmt.Errorf("build images: hash %s: %w", exe, err)
	}
	im := Images{Meshbench: meshbenchRepo + ":" + tag, Sidecar: sidecarRepo + ":" + tag}
	if err := requireDocker(ctx); err != nil {
		return im, err
	}
	if id, err := imageID(ctx, BaseImage); err != nil {
		return im, fmt.Errorf("build images: %w", err)
	} else if id == "" {
		return im, fmt.Errorf("%w: base image %s is not in Docker and nothing is pulled: build it with make kind-image", ErrEnvironment, BaseImage)
	}
	for ref, file := range map[string]string{im.Meshbench: dockerfiles["meshbench"], im.Sidecar: dockerfiles["sidecar-haproxy"]} {
		if err := buildImage(ctx, ref, file, exe); err != nil {
			return im, fmt.Errorf("build images: %w", err)
		}
	}
	return im, nil
}

// buildImage builds ref from dockerfile unless it exists; the context
// directory holds a copy of exe called meshbench.
func buildImage(ctx context.Context, ref, dockerfile, exe string) error {
	if id, err := imageID(ctx, ref); err != nil || id != "" {
		return err
	}
	dir, err := os.MkdirTemp("", "meshbench-image-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		return err
	}
	if err := copyFile(exe, filepath.Join(dir, "meshbench")); err != nil {
		return err
	}
	if _, err := docker(ctx, nil, "build", "--network", "none", "--label", "io.meshbench.image=workload", "-t", ref, dir); err != nil {
		return fmt.Errorf("build %s: %w", ref, err)
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	return errors.Join(err, out.Close())
}

// LoadImages copies local Docker images into the containerd of every node
// (docker save, then kind's LoadImageArchive), skipping the nodes that
// already hold the same image ID.
func (c *Cluster) LoadImages(ctx context.Context, refs ...string) error {
	kn, err := c.kindNodes()
	if err != nil {
		return err
	}
	for _, ref := range refs {
		if err := loadImage(ctx, kn, ref); err != nil {
			return fmt.Errorf("load image %s: %w", ref, err)
		}
	}
	return nil
}

// kindNodes returns kind's handles of the cluster's node containers.
func (c *Cluster) kindNodes() ([]nodes.Node, error) {
	if c.kindName == "" {
		return nil, fmt.Errorf("the reused cluster from %s is not a kind cluster: its nodes are no containers to load images into", c.kubeconfig)
	}
	kn, err := c.provider.ListNodes(c.kindName)
	if err != nil {
		return nil, kindError("list nodes of "+c.kindName, err)
	}
	if len(kn) == 0 {
		return nil, fmt.Errorf("kind cluster %s has no node containers", c.kindName)
	}
	return kn, nil
}

func loadImage(ctx context.Context, kn []nodes.Node, ref string) error {
	id, err := imageID(ctx, ref)
	if err != nil {
		return err
	}
	if id == "" {
		return fmt.Errorf("%w: image %s is not in Docker", ErrEnvironment, ref)
	}
	var need []nodes.Node
	for _, n := range kn {
		if have, err := nodeutils.ImageID(n, ref); err != nil || have != id {
			need = append(need, n)
		}
	}
	if len(need) == 0 {
		return nil
	}
	dir, err := os.MkdirTemp("", "meshbench-image-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// docker save -o writes aside and renames: open the file afterwards.
	path := filepath.Join(dir, "image.tar")
	if _, err := docker(ctx, nil, "save", "-o", path, ref); err != nil {
		return err
	}
	for _, n := range need {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := importArchive(n, path); err != nil {
			return fmt.Errorf("node %s: %w", n, err)
		}
	}
	return nil
}

func importArchive(n nodes.Node, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return kindError("import", nodeutils.LoadImageArchive(n, f))
}

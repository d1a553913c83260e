package nodeimage

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// docker runs the docker CLI. The legacy builder is asked for explicitly:
// it needs no buildx plugin and, like BuildKit, builds only from the local
// context and local images here (no FROM names a registry).
var docker = command{env: []string{"DOCKER_BUILDKIT=0"}}

// checkDocker fails with an environment error unless a Docker engine answers.
func checkDocker(ctx context.Context) error {
	if _, err := exec.LookPath("docker"); err != nil {
		return missing("docker", "docker", "apt-get install docker.io, then start it with hack/dockerd.sh (make kind-image does both)")
	}
	if _, err := docker.output(ctx, "docker", "version", "--format", "{{.Server.Version}}"); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: no Docker engine answers: start one with hack/dockerd.sh (make kind-image does): %v", ErrEnvironment, err)
	}
	return nil
}

// imageID returns the ID of a local image, or "" when Docker has none.
func imageID(ctx context.Context, ref string) (string, error) {
	out, err := docker.output(ctx, "docker", "image", "inspect", "--format", "{{.Id}}", ref)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if strings.Contains(err.Error(), "No such image") || strings.Contains(err.Error(), "No such object") {
			return "", nil
		}
		return "", err
	}
	return strings.TrimSpace(out), nil
}

// imageExists is a step's extra check for a Docker image.
func imageExists(ref string) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		id, err := imageID(ctx, ref)
		return id != "", err
	}
}

// localKindestNode returns a kindest/node image for version that Docker
// already has, or "".
func localKindestNode(ctx context.Context, version string) (string, error) {
	out, err := docker.output(ctx, "docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}}", "kindest/node")
	if err != nil {
		return "", err
	}
	return pickKindest(strings.Fields(out), version), nil
}

// pickKindest chooses, among local image references, a kindest/node tagged
// with version (exactly, or with a suffix such as v1.33.4-arm64).
func pickKindest(refs []string, version string) string {
	best := ""
	for _, r := range refs {
		repo, tag, ok := strings.Cut(r, ":")
		if !ok || (repo != "kindest/node" && repo != "docker.io/kindest/node") {
			continue
		}
		if tag == version {
			return r
		}
		if best == "" && strings.HasPrefix(tag, version+"-") || best == "" && strings.HasPrefix(tag, version+"@") {
			best = r
		}
	}
	return best
}

// removeContainer removes a container this package created, even when ctx
// is already cancelled.
func removeContainer(ctx context.Context, name string) error {
	err := docker.run(context.WithoutCancel(ctx), "docker", "rm", "--force", "--volumes", name)
	if err != nil && strings.Contains(err.Error(), "No such container") {
		return nil
	}
	if err != nil {
		return errors.Join(fmt.Errorf("remove build container %s", name), err)
	}
	return nil
}

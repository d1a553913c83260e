// Package kindtest is what the kind substrate's tests share: the gate that
// decides whether a test may create kind clusters, the meshbench binary and
// images, workload pods, a byte-exact TCP echo check across pods and the
// reading of a load Job's result. It is test support: no production code
// imports it.
package kindtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshbench/meshbench/internal/substrate/kind"
	"github.com/meshbench/meshbench/internal/testenv"
)

// EnvVar must be 1 for tests to create kind clusters: they take minutes
// and need root, Docker and the node image.
const EnvVar = "MESHBENCH_KIND"

// Missing returns why kind tests cannot run here, "" when they can. The
// first part says whether they were asked for (EnvVar), the second what
// the host lacks.
func Missing(ctx context.Context) (notAsked, lacks string) {
	if os.Getenv(EnvVar) != "1" {
		return fmt.Sprintf("kind tests create clusters (minutes, root, Docker, the node image): set %s=1 to run them", EnvVar), ""
	}
	if os.Geteuid() != 0 {
		return "", fmt.Sprintf("kind tests need root, running as euid %d", os.Geteuid())
	}
	if _, err := exec.LookPath("docker"); err != nil {
		return "", "no docker command: install docker.io and start it (hack/dockerd.sh)"
	}
	for _, img := range []string{kind.DefaultNodeImage, kind.BaseImage} {
		if err := exec.CommandContext(ctx, "docker", "image", "inspect", img).Run(); err != nil {
			return "", fmt.Sprintf("image %s is not in Docker (or Docker does not answer): build it with make kind-image", img)
		}
	}
	return "", ""
}

// Require skips t unless kind tests were asked for, and then skips (fails
// under CI=true) when the host lacks something.
func Require(t testing.TB) {
	t.Helper()
	notAsked, lacks := Missing(t.Context())
	if notAsked != "" {
		t.Skip("skipping: " + notAsked)
	}
	testenv.RequirePrivileged(t)
	if lacks != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("kind test cannot run (CI=true, so this fails instead of skipping): %s", lacks)
		}
		t.Skip("skipping: " + lacks)
	}
}

// Meshbench returns a meshbench binary for the images: $MESHBENCH_BIN when
// set, else one built with go build into dir.
func Meshbench(ctx context.Context, dir string) (string, error) {
	if bin := os.Getenv("MESHBENCH_BIN"); bin != "" {
		return filepath.Abs(bin)
	}
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find the module: go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	bin := filepath.Join(dir, "meshbench")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/meshbench")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/meshbench in %s: %w\n%s", root, err, out)
	}
	return bin, nil
}

package nodeimage

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"time"
)

// Defaults filled in by Options.Normalize.
const (
	DefaultKubernetesVersion = "v1.33.4"
	DefaultImageRepo         = "meshbench/kind-node"
	DefaultWorkDir           = "out/kind-build"
	// BaseImage is the minimal Debian image built alongside the node image.
	BaseImage = "meshbench/debian-base:bookworm"
	// KindModule is the kind release whose node files are copied; it must
	// match the sigs.k8s.io/kind version in go.mod.
	KindModule = "sigs.k8s.io/kind@v0.30.0"
	// Suite is the Debian release of both root filesystems.
	Suite = "bookworm"
)

// ErrEnvironment marks errors caused by something missing on this machine
// (a tool, a running Docker engine); the message says what to install.
var ErrEnvironment = errors.New("missing on this machine")

// ErrInvalid marks bad options.
var ErrInvalid = errors.New("invalid option")

// Options configure Build. The zero value builds the default image.
type Options struct {
	// KubernetesVersion is a release tag such as v1.33.4.
	KubernetesVersion string
	// Image is the reference of the node image; default
	// meshbench/kind-node:<KubernetesVersion>.
	Image string
	// WorkDir keeps every step's output; default out/kind-build.
	WorkDir string
	// Force rebuilds every step even when its output exists.
	Force bool
	// Progress receives one line per step; nil discards them.
	Progress io.Writer
}

// Result describes the node image Build produced or found.
type Result struct {
	Image             string        `json:"image"`
	ID                string        `json:"id"`
	KubernetesVersion string        `json:"kubernetes_version"`
	Took              time.Duration `json:"took"`
	// Reused names the kindest/node image used instead of building, if any.
	Reused string `json:"reused,omitempty"`
}

var releaseTag = regexp.MustCompile(`^v1\.(\d+)\.(\d+)$`)

// Normalize fills defaults and checks the version is a release tag.
func (o *Options) Normalize() error {
	if o.KubernetesVersion == "" {
		o.KubernetesVersion = DefaultKubernetesVersion
	}
	if !releaseTag.MatchString(o.KubernetesVersion) {
		return fmt.Errorf("%w: kubernetes version %q: want a release tag such as %s", ErrInvalid, o.KubernetesVersion, DefaultKubernetesVersion)
	}
	if o.Image == "" {
		o.Image = DefaultImageRepo + ":" + o.KubernetesVersion
	}
	if o.WorkDir == "" {
		o.WorkDir = DefaultWorkDir
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	return nil
}

// stagingVersion maps a Kubernetes release to the version of its staging
// modules (k8s.io/api and friends): v1.33.4 -> v0.33.4.
func stagingVersion(k8s string) (string, error) {
	m := releaseTag.FindStringSubmatch(k8s)
	if m == nil {
		return "", fmt.Errorf("%w: kubernetes version %q: want a release tag such as %s", ErrInvalid, k8s, DefaultKubernetesVersion)
	}
	return "v0." + m[1] + "." + m[2], nil
}

// missing builds the environment error for a tool a step needs.
func missing(step, tool, install string) error {
	return fmt.Errorf("%w: step %s needs %s: %s", ErrEnvironment, step, tool, install)
}

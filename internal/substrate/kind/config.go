package kind

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

// Names and places the substrate uses.
const (
	// Prefix starts the name of every kind cluster meshbench creates.
	Prefix = "mb-"
	// DefaultNodeImage is the offline node image (make kind-image).
	DefaultNodeImage = "meshbench/kind-node:v1.33.4"
	// Network is the Docker network every meshbench kind cluster uses.
	Network = "mb-kind"
	// Namespace holds every object meshbench creates in a cluster.
	Namespace = "meshbench"
	// ManagedByLabel marks those objects (value ManagedBy).
	ManagedByLabel = "app.kubernetes.io/managed-by"
	ManagedBy      = "meshbench"

	defaultName = "default"
	maxNameLen  = 32 // mb-<name>-control-plane stays a valid host name
	stateDir    = "/run/meshbench"
)

// ErrInvalidConfig marks errors caused by a bad Config (callers map it to
// "bad input").
var ErrInvalidConfig = errors.New("invalid kind cluster config")

// ErrEnvironment marks something missing on this host: Docker, the node
// image, the base image (callers map it to exit code 3).
var ErrEnvironment = errors.New("environment missing something")

// Config is the cluster to bring up, or to reuse.
type Config struct {
	// Name tells clusters apart: the kind cluster is mb-<Name>. "" means
	// "default". 1 to 32 characters of a-z, 0-9 and '-', starting and
	// ending with a letter or digit.
	Name string
	// Nodes is 1 (a control plane that runs the pods) or 2 (plus a
	// worker). Ignored when reusing a cluster.
	Nodes int
	// NodeImage is the kind node image; "" means DefaultNodeImage. It must
	// be in the local Docker: nothing is pulled.
	NodeImage string
	// Kubeconfig, when set, names a running cluster to reuse: Up creates
	// and deletes no cluster, only the meshbench namespace.
	Kubeconfig string
	// LogDir receives the cluster's logs when Up fails; "" means a fresh
	// directory under the system's temporary directory.
	LogDir string
}

var nameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

// Normalize fills in defaults and checks cfg. Errors wrap ErrInvalidConfig.
func (cfg Config) Normalize() (Config, error) {
	if cfg.Name == "" {
		cfg.Name = defaultName
	}
	if err := checkName(cfg.Name); err != nil {
		return cfg, err
	}
	if cfg.NodeImage == "" {
		cfg.NodeImage = DefaultNodeImage
	}
	if cfg.Kubeconfig == "" && cfg.Nodes != 1 && cfg.Nodes != 2 {
		return cfg, fmt.Errorf("%w: nodes = %d: want 1 or 2", ErrInvalidConfig, cfg.Nodes)
	}
	return cfg, nil
}

func checkName(name string) error {
	if len(name) > maxNameLen || !nameRE.MatchString(name) {
		return fmt.Errorf("%w: name %q: want 1 to %d characters of a-z, 0-9 and '-', starting and ending with a letter or digit",
			ErrInvalidConfig, name, maxNameLen)
	}
	return nil
}

// kindName is the kind cluster's name for a meshbench name.
func kindName(name string) string { return Prefix + name }

// nameOf returns the meshbench name of a kind cluster and false when the
// cluster is not one of ours.
func nameOf(kindCluster string) (string, bool) {
	name, ok := strings.CutPrefix(kindCluster, Prefix)
	return name, ok && checkName(name) == nil
}

// KubeconfigPath is where Up writes the kubeconfig of the cluster called
// name (Config.Name, "" for "default"): another process reuses the cluster
// with Config{Kubeconfig: KubeconfigPath(name)}.
func KubeconfigPath(name string) string {
	if name == "" {
		name = defaultName
	}
	return kubeconfigPath(name)
}

func kubeconfigPath(name string) string {
	return filepath.Join(stateDir, "kind-"+name+".kubeconfig")
}

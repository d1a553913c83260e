package local

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// runDirs holds the temporary directories of a cluster's meshes (sidecar
// configs, certificates, sockets): <stateDir>/run/<cluster>.<random>, so
// down finds them by name after a crash.
const runDirs = "run"

// MkRunDir creates a directory for files a mesh keeps while installed on
// c, mode 0711 so a proxy user can reach its own subdirectory. The mesh
// removes it; DownCluster and DownAll remove what a crashed run left.
func (c *Cluster) MkRunDir() (string, error) {
	return host.mkRunDir(c.Name())
}

func (l layout) mkRunDir(cluster string) (string, error) {
	parent := filepath.Join(l.stateDir, runDirs)
	if err := os.MkdirAll(parent, 0o711); err != nil {
		return "", fmt.Errorf("create %s: %w", parent, err)
	}
	for _, d := range []string{l.stateDir, parent} { // MkdirAll honours the umask
		if err := os.Chmod(d, 0o711); err != nil {
			return "", fmt.Errorf("chmod %s: %w", d, err)
		}
	}
	dir, err := os.MkdirTemp(parent, cluster+".")
	if err != nil {
		return "", fmt.Errorf("create run directory: %w", err)
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		return "", errors.Join(fmt.Errorf("chmod run directory: %w", err), os.RemoveAll(dir))
	}
	return dir, nil
}

// removeRunDirs removes the run directories of cluster, or of every
// cluster when cluster is "".
func (l layout) removeRunDirs(cluster string) error {
	parent := filepath.Join(l.stateDir, runDirs)
	pattern := "*"
	if cluster != "" {
		pattern = cluster + ".*"
	}
	dirs, err := filepath.Glob(filepath.Join(parent, pattern))
	if err != nil {
		return err
	}
	var errs []error
	for _, d := range dirs {
		if err := os.RemoveAll(d); err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", d, err))
		}
	}
	// The parent goes with the last cluster's directories (other clusters
	// may still have theirs).
	if err := os.Remove(parent); err != nil && !errors.Is(err, fs.ErrNotExist) && cluster == "" {
		errs = append(errs, fmt.Errorf("remove %s: %w", parent, err))
	}
	return errors.Join(errs...)
}

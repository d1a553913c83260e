package local

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/meshbench/meshbench/internal/cgroupv2"
	"golang.org/x/sys/unix"
)

// downTimeout bounds how long Down waits for killed processes to exit.
const downTimeout = 15 * time.Second

// Down removes this cluster and nothing else: it kills its processes (every
// process in its cgroups, via cgroup.kill, and every process with a thread in
// one of its namespaces, via SIGKILL), waits until its cgroups are empty,
// removes them leaf-first, deletes its namespaces and its state file. Parts
// already gone are skipped, so Down is idempotent. Every failure is reported.
//
// Processes the caller started with Start are killed but not reaped: call
// their cmd.Wait.
func (c *Cluster) Down() error {
	ctx, cancel := context.WithTimeout(context.Background(), downTimeout)
	defer cancel()
	err := errors.Join(teardown(ctx, c.netnsNames(), c.cgroup, c.state), host.removeRunDirs(c.Name()))
	tidy(c)
	if err != nil {
		return fmt.Errorf("down cluster %s: %w", c.Name(), err)
	}
	return nil
}

// DownAll removes everything meshbench created on this host: every mb-*
// named netns in /run/netns (and the processes in them), the whole
// <cgroup2 mount>/mb-meshbench tree (and its processes), /run/meshbench and
// /sys/fs/bpf/meshbench. It needs no state file, so it cleans up after a run
// killed in the middle of Up, and it is idempotent.
func DownAll() error { return host.downAll() }

func (l layout) downAll() error {
	var errs []error
	names, err := listNetns(l.netnsPrefix)
	if err != nil {
		errs = append(errs, err)
	}
	var top string
	mount, err := cgroupv2.Mountpoint()
	switch {
	case err == nil:
		top = filepath.Join(mount, l.cgroupTop)
	case !errors.Is(err, cgroupv2.ErrNotMounted): // no cgroup v2, no cgroups of ours
		errs = append(errs, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), downTimeout)
	defer cancel()
	errs = append(errs, teardown(ctx, names, top, ""))
	// Only our own files in the state directory: the kind substrate keeps
	// kubeconfigs there too.
	errs = append(errs, l.removeRunDirs(""))
	states, err := filepath.Glob(filepath.Join(l.stateDir, "*.json"))
	if err != nil {
		errs = append(errs, err)
	}
	for _, f := range states {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove %s: %w", f, err))
		}
	}
	_ = unix.Rmdir(l.stateDir) // fails while the kind substrate keeps files there
	if err := os.RemoveAll(l.bpfDir); err != nil {
		errs = append(errs, fmt.Errorf("remove %s: %w", l.bpfDir, err))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("down all: %w", err)
	}
	return nil
}

// teardown kills what runs in the cgroup tree and the named namespaces, then
// removes the cgroup tree, the namespaces and the state file. Empty cgroup or
// state means none. Missing pieces are not errors.
func teardown(ctx context.Context, netnsNames []string, cgroup, state string) error {
	var errs []error
	if cgroup != "" {
		errs = append(errs, cgroupv2.Kill(cgroup))
	}
	errs = append(errs, killInNetns(ctx, netnsNames))
	if cgroup != "" {
		if err := cgroupv2.WaitEmpty(ctx, cgroup); err != nil {
			errs = append(errs, err)
		} else {
			errs = append(errs, cgroupv2.RemoveTree(cgroup))
		}
	}
	for _, name := range netnsNames {
		errs = append(errs, deleteNetns(name))
	}
	if state != "" {
		if err := os.Remove(state); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove state: %w", err))
		}
	}
	return errors.Join(errs...)
}

// tidy removes the shared parents (the cgroup top directory and the state
// directory) once the last cluster is gone. Errors mean "still in use".
func tidy(c *Cluster) {
	_ = unix.Rmdir(filepath.Dir(c.cgroup))
	_ = unix.Rmdir(filepath.Dir(c.state))
}

// listNetns returns the names in /run/netns that start with prefix.
func listNetns(prefix string) ([]string, error) {
	entries, err := os.ReadDir(netnsDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list netns: %w", err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// DownCluster removes the cluster called name ("" or "default" for the
// default cluster) and nothing else, from names alone: like DownAll it needs
// no state file, so it cleans up a cluster whose run was killed in the middle
// of Up, and it is idempotent.
func DownCluster(name string) error { return host.downCluster(name) }

func (l layout) downCluster(name string) error {
	cfg, err := Config{Name: name, Nodes: 1, PodsPerNode: 1}.validate()
	if err != nil {
		return err
	}
	all, err := listNetns(l.netnsPrefix)
	if err != nil {
		return err
	}
	var names []string
	for _, n := range all {
		if c, ok := clusterOf(n); ok && key(c) == key(cfg.Name) {
			names = append(names, n)
		}
	}
	var cgroup string
	mount, err := cgroupv2.Mountpoint()
	switch {
	case err == nil:
		cgroup = filepath.Join(mount, l.cgroupTop, key(cfg.Name))
	case !errors.Is(err, cgroupv2.ErrNotMounted):
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), downTimeout)
	defer cancel()
	if err := errors.Join(teardown(ctx, names, cgroup, filepath.Join(l.stateDir, key(cfg.Name)+".json")), l.removeRunDirs(key(cfg.Name))); err != nil {
		return fmt.Errorf("down cluster %s: %w", key(cfg.Name), err)
	}
	if cgroup != "" {
		_ = unix.Rmdir(filepath.Dir(cgroup)) // shared parent; fails while other clusters use it
	}
	_ = unix.Rmdir(l.stateDir)
	return nil
}

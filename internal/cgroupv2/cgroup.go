package cgroupv2

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Kill kills every process in the cgroup dir and all its descendants by
// writing "1" to its cgroup.kill (Linux 5.14+; not available on the root
// cgroup). A dir that does not exist is not an error: there is nothing to kill.
// Killing is asynchronous; use WaitEmpty to wait for the processes to exit.
func Kill(dir string) error {
	err := os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0)
	if err == nil {
		return nil
	}
	if _, serr := os.Stat(dir); errors.Is(serr, fs.ErrNotExist) {
		return nil
	}
	return fmt.Errorf("kill cgroup %s: %w", dir, err)
}

// Populated reports whether dir or any cgroup below it has a live process,
// from the "populated" key of cgroup.events.
func Populated(dir string) (bool, error) {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.events"))
	if err != nil {
		return false, fmt.Errorf("read cgroup events: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "populated "); ok {
			return strings.TrimSpace(v) == "1", nil
		}
	}
	return false, fmt.Errorf("read cgroup events of %s: no populated key", dir)
}

// WaitEmpty polls until neither dir nor any cgroup below it has a live
// process. A dir that does not exist counts as empty. When ctx ends first, the
// error lists the processes still there.
func WaitEmpty(ctx context.Context, dir string) error {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		pop, err := Populated(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil
		case err != nil:
			return err
		case !pop:
			return nil
		}
		select {
		case <-ctx.Done():
			pids, _ := ProcsTree(dir)
			return fmt.Errorf("cgroup %s still has processes %v: %w", dir, pids, ctx.Err())
		case <-tick.C:
		}
	}
}

// Procs returns the process IDs listed in dir's cgroup.procs (not those of
// cgroups below it).
func Procs(dir string) ([]int, error) {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return nil, fmt.Errorf("read cgroup procs: %w", err)
	}
	var pids []int
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		pid, err := strconv.Atoi(strings.TrimSpace(sc.Text()))
		if err != nil {
			return nil, fmt.Errorf("parse %s/cgroup.procs: %w", dir, err)
		}
		pids = append(pids, pid)
	}
	return pids, nil
}

// ProcsTree returns the process IDs in dir and every cgroup below it.
func ProcsTree(dir string) ([]int, error) {
	dirs, err := subtree(dir)
	if err != nil {
		return nil, err
	}
	var all []int
	for _, d := range dirs {
		pids, err := Procs(d)
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		all = append(all, pids...)
	}
	return all, nil
}

// RemoveTree removes dir and every cgroup below it, deepest first. The
// cgroups must be empty (see Kill and WaitEmpty). A dir that does not exist is
// not an error, so RemoveTree is idempotent.
func RemoveTree(dir string) error {
	dirs, err := subtree(dir)
	if err != nil {
		return err
	}
	slices.SortStableFunc(dirs, func(a, b string) int {
		return strings.Count(b, "/") - strings.Count(a, "/")
	})
	var errs []error
	for _, d := range dirs {
		if err := unix.Rmdir(d); err != nil && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("remove cgroup %s: %w", d, err))
		}
	}
	return errors.Join(errs...)
}

// subtree lists dir and all directories below it; nil if dir does not exist.
func subtree(dir string) ([]string, error) {
	var dirs []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // dir itself, or a cgroup removed during the walk
			}
			return err
		}
		if d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk cgroup %s: %w", dir, err)
	}
	return dirs, nil
}

package local

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// killInNetns SIGKILLs every process (other than this one) that has a thread
// in one of the named namespaces, and waits until none is left or ctx ends.
// This catches processes outside our cgroups, such as `ip netns exec` shells.
func killInNetns(ctx context.Context, netnsNames []string) error {
	ids := make(map[nsID]bool)
	var errs []error
	for _, name := range netnsNames {
		id, err := netnsID(filepath.Join(netnsDir, name))
		switch {
		case err == nil:
			ids[id] = true
		case !errors.Is(err, fs.ErrNotExist):
			errs = append(errs, fmt.Errorf("stat netns %s: %w", name, err))
		}
	}
	if len(ids) == 0 {
		return errors.Join(errs...)
	}
	for {
		pids, err := procsInNetns(ids)
		if err != nil {
			return errors.Join(append(errs, err)...)
		}
		if len(pids) == 0 {
			return errors.Join(errs...)
		}
		for _, pid := range pids {
			if err := unix.Kill(pid, unix.SIGKILL); err != nil && !errors.Is(err, unix.ESRCH) {
				errs = append(errs, fmt.Errorf("kill pid %d: %w", pid, err))
			}
		}
		select {
		case <-ctx.Done():
			return errors.Join(append(errs, fmt.Errorf("processes %v still in netns: %w", pids, ctx.Err()))...)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// procsInNetns lists the processes with any live thread in one of ids.
// Exited processes (zombies) have no namespaces and are not listed.
func procsInNetns(ids map[nsID]bool) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	self := os.Getpid()
	in := func(path string) bool {
		id, err := netnsID(path)
		return err == nil && ids[id]
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		if in(fmt.Sprintf("/proc/%d/ns/net", pid)) {
			pids = append(pids, pid)
			continue
		}
		tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
		if err != nil {
			continue // exited meanwhile
		}
		for _, t := range tasks {
			if t.Name() != e.Name() && in(fmt.Sprintf("/proc/%d/task/%s/ns/net", pid, t.Name())) {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids, nil
}

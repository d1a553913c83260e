package podproc

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/meshbench/meshbench/internal/cgroupv2"
)

// MakeCgroup creates the cgroup directory dir; an existing one is an error
// wrapping fs.ErrExist (it belongs to someone else).
func MakeCgroup(dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return fmt.Errorf("create cgroup: %w", err)
	}
	return nil
}

// RemoveCgroup kills what is left in the cgroup dir made by MakeCgroup (only
// processes started into it), waits until it is empty and removes it. A
// missing dir is fine.
func RemoveCgroup(ctx context.Context, dir string) error {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err := cgroupv2.Kill(dir); err != nil {
		return err
	}
	if err := cgroupv2.WaitEmpty(ctx, dir); err != nil {
		return err
	}
	return cgroupv2.RemoveTree(dir)
}

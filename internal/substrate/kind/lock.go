package kind

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// lockPath serializes cluster creation between processes: picking an
// address slot and creating the cluster that takes it is one step. It lives
// outside /run/meshbench, which `meshbench down` of the local substrate
// removes as a whole. Tests point it elsewhere.
var lockPath = "/run/meshbench-kind.lock"

// createMu serializes creation inside this process (the flock is per file
// description, and KIND_EXPERIMENTAL_DOCKER_NETWORK is process-wide).
var createMu sync.Mutex

// lockCreate takes the creation lock, waiting until ctx ends, and returns
// the function that releases it.
func lockCreate(ctx context.Context) (func(), error) {
	createMu.Lock()
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		createMu.Unlock()
		return nil, fmt.Errorf("open lock %s: %w", lockPath, err)
	}
	unlock := func() {
		_ = f.Close() // releases the flock
		createMu.Unlock()
	}
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return unlock, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			unlock()
			return nil, fmt.Errorf("lock %s: %w", lockPath, err)
		}
		select {
		case <-ctx.Done():
			unlock()
			return nil, fmt.Errorf("wait for another meshbench creating a kind cluster (lock %s): %w", lockPath, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// tryLockCreate takes the creation lock if it is free, and reports false
// when another Up holds it.
func tryLockCreate() (unlock func(), ok bool, err error) {
	if !createMu.TryLock() {
		return nil, false, nil
	}
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		createMu.Unlock()
		return nil, false, fmt.Errorf("open lock %s: %w", lockPath, err)
	}
	unlock = func() {
		_ = f.Close()
		createMu.Unlock()
	}
	switch err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); {
	case err == nil:
		return unlock, true, nil
	case errors.Is(err, unix.EWOULDBLOCK):
		unlock()
		return nil, false, nil
	default:
		unlock()
		return nil, false, fmt.Errorf("lock %s: %w", lockPath, err)
	}
}

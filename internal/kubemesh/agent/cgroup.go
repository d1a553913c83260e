package agent

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/meshbench/meshbench/internal/cgroupv2"
	"golang.org/x/sys/unix"
)

// DefaultMountDir is where the agent mounts the node's cgroup v2 hierarchy
// when it has to: inside its own container, so the mount goes with it.
const DefaultMountDir = "/run/meshbench/cgroup2"

// cgroupPlan says where the node's cgroup v2 root is for this process.
type cgroupPlan struct {
	Dir string // the node's cgroup v2 root, as this process reaches it
	// Mount says to mount cgroup2 at Dir first; Enter, to do so from
	// inside the node's cgroup namespace (a cgroup2 mount's root is the
	// mounting task's cgroup namespace root).
	Mount, Enter bool
	How          string // what was found, for the log
}

// planNodeCgroup finds the node's cgroup v2 root from the agent's side. The
// node is whatever PID 1 runs in (the pod shares the node's PID namespace);
// its cgroup namespace root is the node's cgroup: a kind node, a Docker
// container started with --cgroupns=private, sees only its own subtree
// (/docker/<id> on the host), a real node the whole hierarchy. A cgroup2
// mount of our own namespace's root is the node's root when the two
// namespaces are one; otherwise, or when there is no such mount (a kind
// node on a hybrid host mounts no cgroup2 at all: runc leaves the unified
// hierarchy out, and systemd inside runs in legacy mode), the agent mounts
// cgroup2 itself from inside the node's cgroup namespace, as Cilium does.
func planNodeCgroup(selfNS, nodeNS uint64, selfMountinfo io.Reader, mountDir string) (cgroupPlan, error) {
	if selfNS != nodeNS {
		return cgroupPlan{Dir: mountDir, Mount: true, Enter: true,
			How: "the agent's cgroup namespace is not the node's: mount cgroup2 from the node's"}, nil
	}
	dir, err := cgroupv2.ParseRootMount(selfMountinfo)
	switch {
	case err == nil:
		return cgroupPlan{Dir: dir, How: "the node's cgroup2 root is mounted at " + dir}, nil
	case errors.Is(err, cgroupv2.ErrNotMounted):
		return cgroupPlan{Dir: mountDir, Mount: true,
			How: "no cgroup2 mount of the node's root: mount one"}, nil
	}
	return cgroupPlan{}, err
}

// nodeCgroup finds the node's cgroup v2 root and, when needed, mounts it at
// mountDir. done undoes the mount.
func nodeCgroup(mountDir string) (dir, how string, done func() error, err error) {
	selfNS, err := nsInode("/proc/self/ns/cgroup")
	if err != nil {
		return "", "", nil, err
	}
	nodeNS, err := nsInode("/proc/1/ns/cgroup")
	if err != nil {
		return "", "", nil, fmt.Errorf("%w (the agent needs the node's PID namespace: hostPID)", err)
	}
	mi, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", "", nil, err
	}
	plan, err := planNodeCgroup(selfNS, nodeNS, mi, mountDir)
	mi.Close()
	if err != nil {
		return "", "", nil, err
	}
	done = func() error { return nil }
	if plan.Mount {
		if err := mountCgroup2(plan.Dir, plan.Enter); err != nil {
			return "", "", nil, err
		}
		done = func() error {
			if err := unix.Unmount(plan.Dir, unix.MNT_DETACH); err != nil {
				return fmt.Errorf("unmount %s: %w", plan.Dir, err)
			}
			return nil
		}
	}
	return plan.Dir, plan.How, done, nil
}

// mountCgroup2 mounts the cgroup v2 hierarchy at dir, from inside the
// cgroup namespace of PID 1 when enter is set. setns(2) moves only the
// calling thread, which is locked and moved back; a thread that cannot get
// back stays locked and ends with its goroutine.
func mountCgroup2(dir string, enter bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	mount := func() error {
		if err := unix.Mount("cgroup2", dir, "cgroup2", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
			return fmt.Errorf("mount cgroup2 on %s: %w", dir, err)
		}
		return nil
	}
	if !enter {
		return mount()
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		home, err := os.Open("/proc/thread-self/ns/cgroup")
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer home.Close()
		node, err := os.Open("/proc/1/ns/cgroup")
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer node.Close()
		if err := unix.Setns(int(node.Fd()), unix.CLONE_NEWCGROUP); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("enter the node's cgroup namespace: %w", err)
			return
		}
		err = mount()
		if serr := unix.Setns(int(home.Fd()), unix.CLONE_NEWCGROUP); serr != nil {
			errc <- errors.Join(err, fmt.Errorf("return to the agent's cgroup namespace: %w", serr))
			return // the thread stays locked and ends with this goroutine
		}
		runtime.UnlockOSThread()
		errc <- err
	}()
	return <-errc
}

// nsInode is the inode of a namespace file, which identifies the namespace.
func nsInode(path string) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, fmt.Errorf("stat %s: %w", path, err)
	}
	return st.Ino, nil
}

package local

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"

	"github.com/vishvananda/netns"

	"github.com/meshbench/meshbench/internal/netnsutil"
)

// Start starts cmd inside pod: in the pod's network namespace and, from its
// first instruction, in the pod's cgroup (clone3 with CLONE_INTO_CGROUP via
// SysProcAttr.UseCgroupFD). Only the network namespace changes; the process
// shares the host's mount, PID and other namespaces. Start sets
// cmd.SysProcAttr's UseCgroupFD and CgroupFD and keeps the caller's other
// fields (it replaces cmd.SysProcAttr with an amended copy). The pod must belong to c (matched by name).
//
// The process is forked from a dedicated OS thread that is moved into the
// pod's netns and back, then returned to the Go scheduler. Start does not set
// SysProcAttr.Pdeathsig; that is the caller's choice. As for any exec.Cmd it
// fires when the forking OS thread exits, which is usually when this process
// exits but can be earlier if a goroutine later locks that thread and exits
// (golang/go#27505). Down kills the process; the caller still calls cmd.Wait
// to reap it.
func (c *Cluster) Start(pod Pod, cmd *exec.Cmd) error {
	p, ok := c.Pod(pod.Name)
	if !ok {
		return fmt.Errorf("start in pod %q: %w", pod.Name, ErrPodNotFound)
	}
	cg, err := os.Open(p.Cgroup)
	if err != nil {
		return fmt.Errorf("start in pod %s: open cgroup: %w", p.Name, err)
	}
	defer cg.Close()
	ns, err := netns.GetFromPath(p.Netns)
	if err != nil {
		return fmt.Errorf("start in pod %s: open netns: %w", p.Name, err)
	}
	defer ns.Close()
	var attr syscall.SysProcAttr // a copy: the caller's may be shared
	if cmd.SysProcAttr != nil {
		attr = *cmd.SysProcAttr
	}
	attr.UseCgroupFD = true
	attr.CgroupFD = int(cg.Fd())
	cmd.SysProcAttr = &attr
	if err := netnsutil.With(func() error { return netns.Set(ns) }, cmd.Start); err != nil {
		return fmt.Errorf("start in pod %s: %w", p.Name, err)
	}
	return nil
}

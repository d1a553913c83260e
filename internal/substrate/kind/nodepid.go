package kind

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// NodePID returns the host PID of a kind node's container (its init):
// kind nodes share this host's kernel, so /proc/<pid>/root is the node's
// file system as the node sees it, mounts included (such as the bpffs the
// datapath agent mounts on the node's /sys/fs/bpf).
func (c *Cluster) NodePID(ctx context.Context, node string) (int, error) {
	for _, n := range c.nodes {
		if n.Name != node {
			continue
		}
		if n.Container == "" {
			return 0, fmt.Errorf("node %s is no kind node container on this host", node)
		}
		out, err := docker(ctx, nil, "container", "inspect", "--format", "{{.State.Pid}}", n.Container)
		if err != nil {
			return 0, fmt.Errorf("inspect node container %s: %w", n.Container, err)
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
		if err != nil || pid <= 0 {
			return 0, fmt.Errorf("node container %s: no running process (docker says %q)", n.Container, strings.TrimSpace(string(out)))
		}
		return pid, nil
	}
	return 0, fmt.Errorf("no node %s in cluster %s", node, c.name)
}

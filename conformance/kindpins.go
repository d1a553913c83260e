package conformance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cilium/ebpf"

	"github.com/meshbench/meshbench/datapath"
	"github.com/meshbench/meshbench/internal/substrate/kind"
)

// openNodeInstance opens, from this host, the datapath instance a kind
// node's agent pinned in the node's own bpffs, which this host reaches as
// /proc/<node pid>/root/sys/fs/bpf. datapath.Open only reads this host's
// pin root, so the instance's maps are pinned once more there, under
// mirror, for the moment it takes to open them, then unpinned: the
// handles stay, nothing else is left.
func openNodeInstance(ctx context.Context, c *kind.Cluster, node, instance, mirror string) (_ *datapath.Datapath, err error) {
	src, err := nodePinDir(ctx, c, node, instance)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", node, err)
	}
	dst := filepath.Join(datapath.DefaultPinRoot, mirror)
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return nil, err
	}
	defer func() {
		if rerr := os.RemoveAll(dst); rerr != nil {
			err = errors.Join(err, fmt.Errorf("unpin the mirror %s: %w", dst, rerr))
		}
	}()
	for _, e := range entries {
		m, err := ebpf.LoadPinnedMap(filepath.Join(src, e.Name()), nil)
		if err != nil {
			continue // a pinned program or link: Open needs only the maps
		}
		// A clone knows no pin of its own, so Pin pins it anew instead
		// of moving the node's pin.
		c, err := m.Clone()
		m.Close()
		if err == nil {
			err = c.Pin(filepath.Join(dst, e.Name()))
			c.Close()
		}
		if err != nil {
			return nil, fmt.Errorf("mirror map %s of node %s: %w", e.Name(), node, err)
		}
	}
	return datapath.Open(mirror)
}

// nodePinDir is where, seen from this host, the agent of node pins
// instance.
func nodePinDir(ctx context.Context, c *kind.Cluster, node, instance string) (string, error) {
	pid, err := c.NodePID(ctx, node)
	if err != nil {
		return "", err
	}
	return filepath.Join(fmt.Sprintf("/proc/%d/root", pid), datapath.DefaultPinRoot, instance), nil
}

// checkFlowMapSize wants the flow maps node's agent pinned for instance
// (mb_pairs, the SOCKHASH, and mb_flows, its mirror) to hold want sockets.
func checkFlowMapSize(ctx context.Context, c *kind.Cluster, node, instance string, want uint32) error {
	dir, err := nodePinDir(ctx, c, node, instance)
	if err != nil {
		return err
	}
	for _, name := range []string{"mb_pairs", "mb_flows"} {
		m, err := ebpf.LoadPinnedMap(filepath.Join(dir, name), nil)
		if err != nil {
			return fmt.Errorf("node %s: open flow map %s: %w", node, name, err)
		}
		n := m.MaxEntries()
		m.Close()
		if n != want {
			return fmt.Errorf("node %s: the agent's flow map %s holds %d sockets, want %d", node, name, n, want)
		}
	}
	return nil
}

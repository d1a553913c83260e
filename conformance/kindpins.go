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
	pid, err := c.NodePID(ctx, node)
	if err != nil {
		return nil, err
	}
	src := filepath.Join(fmt.Sprintf("/proc/%d/root", pid), datapath.DefaultPinRoot, instance)
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

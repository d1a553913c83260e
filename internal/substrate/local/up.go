package local

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/meshbench/meshbench/internal/cgroupv2"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// Up creates the cluster cfg describes: cgroups, node and pod namespaces,
// bridges, wires, routes, and finally the state file that Load and FindPod
// read. Errors from a bad cfg wrap ErrInvalidConfig; an existing cluster or
// namespace of the same name is an error wrapping fs.ErrExist and is left
// untouched. On any error, including ctx ending, Up removes everything it
// created before returning.
func Up(ctx context.Context, cfg Config) (*Cluster, error) {
	cfg, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("up cluster %s: %w", key(cfg.Name), err)
	}
	mount, err := cgroupv2.Mountpoint()
	if err != nil {
		return nil, fmt.Errorf("local substrate needs cgroup v2: %w", err)
	}
	c := plan(cfg, host, mount)
	if _, err := os.Stat(c.state); err == nil {
		return nil, fmt.Errorf("cluster %s already exists (state file %s; `meshbench down` removes it): %w",
			c.Name(), c.state, fs.ErrExist)
	}
	b := &builder{c: c, podsPerNode: cfg.PodsPerNode}
	if err := b.build(ctx); err != nil {
		if uerr := b.undo(); uerr != nil {
			err = errors.Join(err, fmt.Errorf("clean up after failed up: %w", uerr))
		}
		return nil, fmt.Errorf("up cluster %s: %w", c.Name(), err)
	}
	return c, nil
}

// builder creates a planned cluster step by step and remembers what it
// created, so a failed Up removes exactly that and nothing that was there
// before.
type builder struct {
	c           *Cluster
	podsPerNode int

	cgroupMade bool     // the cluster's cgroup directory
	netnsMade  []string // named namespaces
	stateMade  bool     // the state file

	nodeNS []netns.NsHandle
	nodeH  []*netlink.Handle
}

func (b *builder) build(ctx context.Context) error {
	defer b.closeHandles()
	steps := []func(context.Context) error{b.makeCgroups, b.makeNodes, b.makeWires, b.makeRoutes, b.makePods}
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := step(ctx); err != nil {
			return err
		}
	}
	if err := writeState(b.c); err != nil {
		return err
	}
	b.stateMade = true
	return nil
}

// makeCgroups creates <mount>/mb-meshbench/<cluster>/<node>/<pod>.
func (b *builder) makeCgroups(context.Context) error {
	c := b.c
	err := mkdirRetry(c.cgroup)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("cluster %s already exists (cgroup %s; `meshbench down` removes it): %w", c.Name(), c.cgroup, err)
	}
	if err != nil {
		return fmt.Errorf("create cgroup: %w", err)
	}
	b.cgroupMade = true
	for _, n := range c.nodes {
		if err := os.Mkdir(n.Cgroup, 0o755); err != nil {
			return fmt.Errorf("create node cgroup: %w", err)
		}
	}
	for _, p := range c.pods {
		if err := os.Mkdir(p.Cgroup, 0o755); err != nil {
			return fmt.Errorf("create pod cgroup: %w", err)
		}
	}
	return nil
}

// mkdirRetry creates dir (but not an existing one) and its missing parents.
// It retries when a concurrent Down removes an empty parent in between.
func mkdirRetry(dir string) error {
	var err error
	for range 5 {
		if err = os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return err
		}
		if err = os.Mkdir(dir, 0o755); !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return err
}

// makeNodes creates every node namespace with its sysctls, lo and bridge.
func (b *builder) makeNodes(ctx context.Context) error {
	for i, n := range b.c.nodes {
		if err := ctx.Err(); err != nil {
			return err
		}
		ns, err := createNetns(n.Name, func() error { return writeSysctls(nodeSysctls...) })
		if err != nil {
			return err
		}
		b.netnsMade = append(b.netnsMade, n.Name)
		b.nodeNS = append(b.nodeNS, ns)
		h, err := newHandle(ns, n.Name)
		if err != nil {
			return err
		}
		b.nodeH = append(b.nodeH, h)
		if err := setupNode(h, i); err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
	}
	return nil
}

// makeWires joins every pair of nodes.
func (b *builder) makeWires(ctx context.Context) error {
	for lo := range b.c.nodes {
		for hi := lo + 1; hi < len(b.c.nodes); hi++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := setupWire(b.nodeH[lo], b.nodeH[hi], b.nodeNS[hi], lo, hi); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *builder) makeRoutes(context.Context) error {
	for i, n := range b.c.nodes {
		if err := setupRoutes(b.nodeH[i], i, len(b.c.nodes)); err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
	}
	return nil
}

// makePods creates every pod namespace and plugs it into its node.
func (b *builder) makePods(ctx context.Context) error {
	for idx, p := range b.c.pods {
		if err := ctx.Err(); err != nil {
			return err
		}
		ns, err := createNetns(p.Name, func() error { return writeSysctls(podSysctls...) })
		if err != nil {
			return err
		}
		b.netnsMade = append(b.netnsMade, p.Name)
		i, j := idx/b.podsPerNode, idx%b.podsPerNode
		err = setupPod(b.nodeH[i], ns, i, j)
		ns.Close()
		if err != nil {
			return fmt.Errorf("pod %s: %w", p.Name, err)
		}
	}
	return nil
}

func (b *builder) closeHandles() {
	for _, h := range b.nodeH {
		h.Close()
	}
	for _, ns := range b.nodeNS {
		ns.Close()
	}
	b.nodeH, b.nodeNS = nil, nil
}

// undo removes what build created.
func (b *builder) undo() error {
	b.closeHandles()
	var cgroup, state string
	if b.cgroupMade {
		cgroup = b.c.cgroup
	}
	if b.stateMade {
		state = b.c.state
	}
	ctx, cancel := context.WithTimeout(context.Background(), downTimeout)
	defer cancel()
	err := teardown(ctx, b.netnsMade, cgroup, state)
	tidy(b.c)
	return err
}

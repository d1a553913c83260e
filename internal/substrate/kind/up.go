package kind

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// Timeouts of the steps after kind's create.
const (
	readyTimeout   = 3 * time.Minute // nodes registered, wired and Ready
	cleanupTimeout = 3 * time.Minute // logs and delete after a failed Up
)

// Up brings up the cluster cfg describes and returns it with pod networking
// wired, every node Ready and schedulable, and the meshbench namespace.
//
// With cfg.Kubeconfig set it reuses that running cluster: it creates and
// deletes no cluster, checks that the nodes are Ready and creates the
// namespace. Otherwise it creates the kind cluster mb-<Name> from the node
// image in Docker (nothing is pulled), writes its kubeconfig to
// /run/meshbench/kind-<Name>.kubeconfig, wires pod networking (see the
// package comment) and removes the control plane's NoSchedule taint.
//
// kind's create takes no context: when ctx ends during it, Up deletes the
// node containers, which makes it stop. On any error Up collects the
// cluster's logs into cfg.LogDir (the error names the directory), deletes
// the cluster it created and returns the error. A cluster of that name that
// already exists is an error wrapping fs.ErrExist and is left untouched.
// Errors from a bad cfg wrap ErrInvalidConfig; a missing Docker or node
// image wraps ErrEnvironment.
func Up(ctx context.Context, cfg Config) (*Cluster, error) {
	cfg, err := cfg.Normalize()
	if err != nil {
		return nil, err
	}
	if err := requireDocker(ctx); err != nil {
		return nil, err
	}
	if cfg.Kubeconfig != "" {
		c, err := attach(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("reuse cluster from %s: %w", cfg.Kubeconfig, err)
		}
		return c, nil
	}
	c := &Cluster{name: cfg.Name, kindName: kindName(cfg.Name), kubeconfig: kubeconfigPath(cfg.Name), provider: newProvider()}
	started, err := c.createKind(ctx, cfg)
	if err == nil {
		err = c.setup(ctx, cfg.Nodes)
	}
	if err != nil {
		err = fmt.Errorf("up kind cluster %s: %w", c.kindName, err)
		if started { // else nothing of ours exists: leave alone what does
			note, cerr := c.fail(ctx, cfg.LogDir)
			err = errors.Join(fmt.Errorf("%w%s", err, note), cerr)
		}
		return nil, err
	}
	return c, nil
}

// setup connects to a new cluster, wires its pod network, makes the control
// plane schedulable and waits for every node to be Ready and run
// kube-proxy.
func (c *Cluster) setup(ctx context.Context, nodes int) error {
	if err := c.connect(); err != nil {
		return err
	}
	if err := c.discover(ctx, nodes); err != nil {
		return err
	}
	kn, err := c.provider.ListNodes(c.kindName)
	if err != nil {
		return kindError("list nodes of "+c.kindName, err)
	}
	byName := map[string]int{}
	for i, n := range c.nodes {
		byName[n.Name] = i
	}
	wired := 0
	for _, n := range kn {
		if i, ok := byName[n.String()]; ok {
			if err := wireNode(ctx, n, c.nodes[i], c.nodes); err != nil {
				return err
			}
			wired++
		}
	}
	if wired != len(c.nodes) {
		return fmt.Errorf("wired %d of %d nodes: kind lists containers %v for nodes %v", wired, len(c.nodes), kn, c.nodes)
	}
	if err := c.untaint(ctx); err != nil {
		return err
	}
	if err := c.waitReady(ctx); err != nil {
		return err
	}
	if err := c.waitSystem(ctx); err != nil {
		return err
	}
	if err := c.ensureNamespace(ctx); err != nil {
		return err
	}
	return c.readNodeImage(ctx)
}

// clientQPS is the request rate the clients may keep up.
const clientQPS = 100

// connect builds the REST config and clientset from c.kubeconfig.
func (c *Cluster) connect() error {
	rc, err := clientcmd.BuildConfigFromFlags("", c.kubeconfig)
	if err != nil {
		return fmt.Errorf("load kubeconfig %s: %w", c.kubeconfig, err)
	}
	// client-go's default (5 requests/s, bursts of 10) throttles a
	// harness that reads every pod's counters around each run, and says
	// so on stderr; the cluster is meshbench's own.
	rc.QPS, rc.Burst = clientQPS, 2*clientQPS
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return fmt.Errorf("client for %s: %w", c.kubeconfig, err)
	}
	c.rest, c.client = rc, cs
	return nil
}

// fail collects the logs of a cluster whose Up failed (not when it was
// interrupted), then deletes it. It returns a note naming the log directory
// for the error message.
func (c *Cluster) fail(ctx context.Context, logDir string) (string, error) {
	interrupted := ctx.Err() != nil
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	var note string
	var errs []error
	if ns, err := c.provider.ListNodes(c.kindName); err == nil && len(ns) > 0 && !interrupted {
		dir := logDir
		if dir == "" {
			dir, err = os.MkdirTemp("", "meshbench-"+c.kindName+"-logs-")
		}
		if err == nil {
			dir, _ = filepath.Abs(dir)
			note = " (logs in " + dir + ")"
			if err = c.exportLogs(dir); err != nil {
				note = " (logs, incomplete, in " + dir + ")"
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("collect logs of %s: %w", c.kindName, err))
		}
	}
	if err := deleteCluster(ctx, c.provider, c.kindName); err != nil {
		errs = append(errs, err)
	}
	return note, errors.Join(errs...)
}

// exportLogs runs kind's log collection into dir.
func (c *Cluster) exportLogs(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return kindError("kind collect logs", c.provider.CollectLogs(c.kindName, dir))
}

// ExportLogs writes the cluster's logs (kind's collection: every node's
// journal, containers, pods) into dir.
func (c *Cluster) ExportLogs(ctx context.Context, dir string) error {
	if c.kindName == "" {
		return fmt.Errorf("export logs: the reused cluster from %s is not a kind cluster", c.kubeconfig)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.exportLogs(dir); err != nil {
		return fmt.Errorf("export logs of %s to %s: %w", c.kindName, dir, err)
	}
	return nil
}

// readNodeImage records the control-plane container's image.
func (c *Cluster) readNodeImage(ctx context.Context) error {
	for _, n := range c.nodes {
		if n.Role != RoleControlPlane || n.Container == "" {
			continue
		}
		out, err := docker(ctx, nil, "container", "inspect", "--format", "{{.Config.Image}} {{.Image}}", n.Container)
		if err != nil {
			return fmt.Errorf("inspect node container: %w", err)
		}
		if f := strings.Fields(string(out)); len(f) == 2 {
			c.nodeImage, c.nodeImageID = f[0], f[1]
		}
		return nil
	}
	return nil
}

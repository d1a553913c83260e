package kind

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"time"

	kindconfigs "github.com/meshbench/meshbench/kind-configs"
	"sigs.k8s.io/kind/pkg/cluster"
	kindexec "sigs.k8s.io/kind/pkg/exec"
)

// networkEnv makes kind's Docker provider put the nodes on our network: it
// reads the variable with os.Getenv when it provisions (kind v0.30,
// pkg/cluster/internal/providers/docker/provider.go).
const networkEnv = "KIND_EXPERIMENTAL_DOCKER_NETWORK"

// createKind creates the kind cluster of c with the configuration for
// cfg.Nodes nodes in a free address slot. started reports whether kind was
// asked to create it: only then is there anything of c to clean up. The
// cluster is retained on failure, so that the caller can collect its logs
// before deleting it.
func (c *Cluster) createKind(ctx context.Context, cfg Config) (started bool, err error) {
	id, err := imageID(ctx, cfg.NodeImage)
	if err != nil {
		return false, fmt.Errorf("inspect node image: %w", err)
	}
	if id == "" {
		return false, fmt.Errorf("%w: node image %s is not in Docker and nothing is pulled: build it with make kind-image (meshbench kind build-image)",
			ErrEnvironment, cfg.NodeImage)
	}
	unlock, err := lockCreate(ctx)
	if err != nil {
		return false, err
	}
	defer unlock()
	// Under the lock: a concurrent Up of the same name has finished.
	existing, err := c.provider.ListNodes(c.kindName)
	if err != nil {
		return false, kindError("list nodes of "+c.kindName, err)
	}
	if len(existing) > 0 {
		return false, errExists(c.kindName)
	}
	if err := ensureNetwork(ctx); err != nil {
		return false, err
	}
	used, err := usedSlots(ctx, c.provider)
	if err != nil {
		return false, err
	}
	slot, err := freeSlot(used)
	if err != nil {
		return false, err
	}
	pod, svc := slotSubnets(slot)
	raw, err := kindconfigs.Render(cfg.Nodes, kindconfigs.Params{PodSubnet: pod, ServiceSubnet: svc})
	if err != nil {
		return false, err
	}
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		return false, fmt.Errorf("create %s: %w", stateDir, err)
	}
	return true, c.runCreate(ctx,
		cluster.CreateWithRawConfig(raw),
		cluster.CreateWithNodeImage(cfg.NodeImage),
		cluster.CreateWithKubeconfigPath(c.kubeconfig),
		cluster.CreateWithRetain(true),
		cluster.CreateWithWaitForReady(0), // no CNI yet: Up waits itself, after wiring
		cluster.CreateWithDisplayUsage(false),
		cluster.CreateWithDisplaySalutation(false),
	)
}

// runCreate runs kind's Create, which takes no context. When ctx ends first,
// runCreate deletes the node containers (again each second, in case kind
// was still starting some), which makes Create fail quickly.
func (c *Cluster) runCreate(ctx context.Context, opts ...cluster.CreateOption) error {
	prev, had := os.LookupEnv(networkEnv)
	if err := os.Setenv(networkEnv, Network); err != nil {
		return fmt.Errorf("set %s: %w", networkEnv, err)
	}
	defer func() {
		if had {
			_ = os.Setenv(networkEnv, prev)
		} else {
			_ = os.Unsetenv(networkEnv)
		}
	}()
	done := make(chan error, 1)
	go func() { done <- c.provider.Create(c.kindName, opts...) }()
	select {
	case err := <-done:
		return kindError("kind create", err)
	case <-ctx.Done():
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		_ = c.provider.Delete(c.kindName, c.kubeconfig) // the caller deletes again and reports
		select {
		case <-done:
			return fmt.Errorf("kind create interrupted: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// usedSlots maps the address slots of the meshbench kind clusters that
// exist to their names. A cluster's slot is read from the kubeadm config
// kind wrote into its nodes; a cluster whose nodes cannot tell (stopped,
// or killed before kind configured it) runs no pods and holds no slot.
func usedSlots(ctx context.Context, p *cluster.Provider) (map[int]string, error) {
	names, err := p.List()
	if err != nil {
		return nil, kindError("list kind clusters", err)
	}
	used := map[int]string{}
	for _, name := range names {
		if !strings.HasPrefix(name, Prefix) {
			continue
		}
		ns, err := p.ListNodes(name)
		if err != nil {
			return nil, kindError("list nodes of "+name, err)
		}
		for _, n := range ns {
			out, err := nodeRun(ctx, n, nil, "cat", "/kind/kubeadm.conf")
			if err != nil {
				continue
			}
			if sub, err := parsePodSubnet(string(out)); err == nil {
				if slot, ok := slotOf(sub); ok {
					used[slot] = name
				}
				break
			}
		}
	}
	return used, nil
}

// kindError wraps an error from the kind library, adding the output of the
// command that failed (kind's own messages leave it out), without Go stack
// traces, at most its last 40 lines.
func kindError(what string, err error) error {
	if err == nil {
		return nil
	}
	if re := kindexec.RunErrorForError(err); re != nil && len(re.Output) > 0 {
		if out := commandOutput(re.Output, 40); out != "" {
			return fmt.Errorf("%s: %w\n%s", what, err, out)
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// stackLineRE matches the lines of a Go stack trace: function names
// (k8s.io/x/y.(*T).M, main.main) and their file:line lines.
var stackLineRE = regexp.MustCompile(`^(\t\S+:\d+.*|[\w./-]+\.(\(\*?\w+\)\.)?[\w.]+)$`)

// commandOutput keeps the last max lines of out that are not stack trace.
func commandOutput(out []byte, max int) string {
	var kept []string
	for l := range strings.SplitSeq(string(out), "\n") {
		if l = strings.TrimRight(l, " \r"); l != "" && !stackLineRE.MatchString(l) {
			kept = append(kept, l)
		}
	}
	if len(kept) > max {
		kept = append([]string{"..."}, kept[len(kept)-max:]...)
	}
	return strings.Join(kept, "\n")
}

// errExists reports a cluster that is already there.
func errExists(kindName string) error {
	return fmt.Errorf("kind cluster %s already exists: remove it (meshbench down --substrate kind) or reuse it with its kubeconfig: %w",
		kindName, fs.ErrExist)
}

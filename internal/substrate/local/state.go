package local

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ErrPodNotFound means no cluster that is up has a pod of that name.
var ErrPodNotFound = errors.New("pod not found")

const stateSchema = "meshbench/local-state/v1"

// state is the JSON in /run/meshbench/<cluster>.json, written by Up and read
// by other processes (`meshbench exec`, `meshbench down`).
type state struct {
	Schema  string `json:"schema"`
	Cluster string `json:"cluster"` // "default" or the name
	Cgroup  string `json:"cgroup"`
	Nodes   []node `json:"nodes"`
	Pods    []Pod  `json:"pods"`
}

// writeState publishes c's state file atomically, and only if there is none:
// a complete file appears at once or not at all.
func writeState(c *Cluster) error {
	data, err := json.MarshalIndent(state{
		Schema: stateSchema, Cluster: c.Name(), Cgroup: c.cgroup, Nodes: c.nodes, Pods: c.pods,
	}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	dir := filepath.Dir(c.state)
	var tmp *os.File
	for range 5 { // a concurrent Down may remove the empty directory
		if err = os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("write state: %w", err)
		}
		if tmp, err = os.CreateTemp(dir, "."+c.Name()+"-*.tmp"); !errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(append(data, '\n'))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp.Name(), c.state) // fails if the file exists
	}
	if err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	return nil
}

// Load returns the cluster called name ("" or "default" for the default
// cluster) from its state file. A cluster that is not up gives an error
// wrapping fs.ErrNotExist.
func Load(name string) (*Cluster, error) {
	cfg, err := Config{Name: name, Nodes: 1, PodsPerNode: 1}.validate()
	if err != nil {
		return nil, err
	}
	return loadState(filepath.Join(host.stateDir, key(cfg.Name)+".json"))
}

// FindPod finds the cluster that has the pod podName, across all state files.
// When there is none the error wraps ErrPodNotFound and lists the known pods.
func FindPod(podName string) (*Cluster, Pod, error) {
	files, err := filepath.Glob(filepath.Join(host.stateDir, "*.json"))
	if err != nil {
		return nil, Pod{}, fmt.Errorf("find pod: %w", err)
	}
	var known []string
	var errs []error
	for _, f := range files {
		c, err := loadState(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if p, ok := c.Pod(podName); ok {
			return c, p, nil
		}
		for _, p := range c.pods {
			known = append(known, p.Name)
		}
	}
	return nil, Pod{}, errors.Join(append([]error{fmt.Errorf("%w: %q (%s)", ErrPodNotFound, podName, knownList(known))}, errs...)...)
}

// knownList describes known pod names for an error message.
func knownList(names []string) string {
	const max = 20
	switch {
	case len(names) == 0:
		return "no cluster is up"
	case len(names) > max:
		return fmt.Sprintf("known pods: %s and %d more", strings.Join(names[:max], ", "), len(names)-max)
	default:
		return "known pods: " + strings.Join(names, ", ")
	}
}

// loadState reads and checks a state file. Down acts on the paths in it, so
// they must all be ours: names of this cluster, paths below its directories.
func loadState(path string) (*Cluster, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load cluster: %w", err)
	}
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("load cluster from %s: %w", path, err)
	}
	c := &Cluster{cgroup: st.Cgroup, state: path, nodes: st.Nodes, pods: st.Pods}
	if st.Cluster != defaultKey {
		c.name = st.Cluster
	}
	if err := checkState(st, c); err != nil {
		return nil, fmt.Errorf("load cluster from %s: %w", path, err)
	}
	return c, nil
}

func checkState(st state, c *Cluster) error {
	if st.Schema != stateSchema {
		return fmt.Errorf("schema %q, want %q", st.Schema, stateSchema)
	}
	if filepath.Base(c.state) != c.Name()+".json" {
		return fmt.Errorf("file name does not match cluster %q", st.Cluster)
	}
	if filepath.Base(c.cgroup) != c.Name() || !strings.HasPrefix(filepath.Base(filepath.Dir(c.cgroup)), "mb-") {
		return fmt.Errorf("cgroup %q is not a meshbench cluster cgroup", c.cgroup)
	}
	if len(c.nodes) == 0 || len(c.pods) == 0 {
		return errors.New("no nodes or no pods")
	}
	ours := func(name string) bool {
		cl, ok := clusterOf(name)
		return ok && cl == c.name
	}
	for _, n := range c.nodes {
		if !ours(n.Name) || n.Cgroup != filepath.Join(c.cgroup, n.Name) {
			return fmt.Errorf("node %q is not a node of cluster %s", n.Name, c.Name())
		}
	}
	for _, p := range c.pods {
		if !ours(p.Name) || !slices.Contains(c.Nodes(), p.Node) ||
			p.Cgroup != filepath.Join(c.cgroup, p.Node, p.Name) || p.Netns != filepath.Join(netnsDir, p.Name) {
			return fmt.Errorf("pod %q is not a pod of cluster %s", p.Name, c.Name())
		}
	}
	return nil
}

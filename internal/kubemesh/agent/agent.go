// Package agent runs the eBPF datapath on one Kubernetes node, from inside
// a privileged pod of a DaemonSet (hostNetwork, hostPID, the node's bpffs):
// it finds the node's cgroup v2 root and its pods' network namespaces,
// brings the datapath up there with the mesh's pods as endpoints, pins it under
// /sys/fs/bpf/meshbench/<instance>, reports readiness with a file, serves
// Prometheus metrics on loopback, and takes the datapath down when its
// context ends (SIGTERM from the kubelet). The flow maps have the
// datapath's default size unless MESHBENCH_MAX_FLOWS says otherwise.
package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/meshbench/meshbench/datapath"
)

// Config is one agent's run.
type Config struct {
	// Instance names the pins; it carries the cluster and the node (see
	// kubemesh.AgentInstance) so that nothing else ever shares them.
	Instance string
	// EndpointsFile is the endpoints file (see EncodeEndpoints).
	EndpointsFile string
	// Cgroup is the cgroup v2 directory to attach to; empty means the
	// node's root, found (and mounted if need be) at run time.
	Cgroup string
	// MountDir is where the node's hierarchy is mounted when it must be;
	// empty means DefaultMountDir.
	MountDir string
	Probe    datapath.ProbeMode
	// ReadyFile, when set, exists exactly while the datapath is attached:
	// the pod's readiness probe tests it.
	ReadyFile string
	// Metrics, when set, is the loopback address:port serving /metrics and
	// /readyz.
	Metrics string
	// ProcDir is where the node's processes are listed, to find its pods'
	// network namespaces; empty means /proc (the pod has hostPID).
	ProcDir string
	// Node is this node's name, as the endpoints file names nodes. When
	// set, the tc fast path is attached in NodeNetns: pod to pod on this
	// node by bpf_redirect_peer, to other nodes' pods by
	// bpf_redirect_neigh onto the wire, and from the wire into this
	// node's pods. Empty: no fast path.
	Node string
	// NodeNetns is the node's network namespace; empty means the agent's
	// own (the pod has hostNetwork).
	NodeNetns string
	// MaxFlows sizes the datapath's flow maps (datapath.Options.MaxFlows):
	// 0 means the datapath's default. The agent command sets it from the
	// environment variable MaxFlowsEnv (see FromEnv).
	MaxFlows int
	// Log receives progress; nil discards it.
	Log *slog.Logger
}

// MaxFlowsEnv is the environment variable giving the agent's flow-map
// size, as the DaemonSet sets it; unset or empty means the datapath's
// default.
const MaxFlowsEnv = "MESHBENCH_MAX_FLOWS"

var instanceRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$`)

// ErrInvalid is wrapped by every error about a bad Config or endpoints
// file.
var ErrInvalid = errors.New("invalid agent configuration")

// ErrNodeCgroup is wrapped when the node's cgroup v2 root cannot be found
// or mounted: the pod lacks hostPID or privileges, or the kernel has no
// cgroup v2.
var ErrNodeCgroup = errors.New("cannot reach the node's cgroup v2 hierarchy")

// Validate reports the first bad field, naming it by its flag or its
// environment variable.
func (c Config) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
	}
	switch {
	case !instanceRE.MatchString(c.Instance):
		return bad("--instance %q: want 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit", c.Instance)
	case c.EndpointsFile == "":
		return bad("--endpoints: required (the endpoints file, JSON)")
	case c.Cgroup != "" && !filepath.IsAbs(c.Cgroup):
		return bad("--cgroup %q: want an absolute path", c.Cgroup)
	case c.MountDir != "" && !filepath.IsAbs(c.MountDir):
		return bad("mount dir %q: want an absolute path", c.MountDir)
	case c.ReadyFile != "" && !filepath.IsAbs(c.ReadyFile):
		return bad("--ready-file %q: want an absolute path", c.ReadyFile)
	case c.MaxFlows != 0 && (c.MaxFlows < 2 || c.MaxFlows > datapath.DefaultMaxFlows):
		return bad("%s %d: want 2 to %d sockets per flow map, or 0 for the datapath's default", MaxFlowsEnv, c.MaxFlows, datapath.DefaultMaxFlows)
	}
	if c.Metrics != "" {
		ap, err := netip.ParseAddrPort(c.Metrics)
		if err != nil || !ap.Addr().IsLoopback() || ap.Port() == 0 {
			return bad("--metrics %q: want a loopback address and port such as 127.0.0.1:19090 (the agent shares the node's network)", c.Metrics)
		}
	}
	return nil
}

// FromEnv returns c with what the environment sets (lookup is
// os.LookupEnv in the agent): MaxFlows from MaxFlowsEnv, unless c already
// has one. A value that is not a number is an error naming the variable;
// Validate checks the range.
func (c Config) FromEnv(lookup func(string) (string, bool)) (Config, error) {
	v, ok := lookup(MaxFlowsEnv)
	if !ok || v == "" || c.MaxFlows != 0 {
		return c, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return c, fmt.Errorf("%w: %s %q: want a number of sockets per flow map, 2 to %d", ErrInvalid, MaxFlowsEnv, v, datapath.DefaultMaxFlows)
	}
	c.MaxFlows = n
	return c, nil
}

// Run brings the datapath up and keeps it until ctx ends, then takes it
// down. Endpoints, configuration and the metrics port are checked before
// anything is attached. A datapath already pinned under the instance (an
// earlier agent container of the same pod that died) is taken down and
// replaced. Whatever Run set up is undone on every return path; a return
// after ctx ended is nil when that went well.
func Run(ctx context.Context, cfg Config) (err error) {
	if cfg, err = cfg.FromEnv(os.LookupEnv); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.MountDir == "" {
		cfg.MountDir = DefaultMountDir
	}
	if cfg.ProcDir == "" {
		cfg.ProcDir = "/proc"
	}
	eps, err := ReadEndpointsFile(cfg.EndpointsFile)
	if err != nil {
		return fmt.Errorf("%w: --endpoints: %v", ErrInvalid, err)
	}
	if cfg.ReadyFile != "" {
		if err := os.Remove(cfg.ReadyFile); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove stale ready file: %w", err)
		}
	}
	var ln net.Listener
	if cfg.Metrics != "" {
		if ln, err = net.Listen("tcp", cfg.Metrics); err != nil {
			return fmt.Errorf("--metrics: %w", err)
		}
		defer ln.Close()
	}
	cg := cfg.Cgroup
	if cg == "" {
		var how string
		var unmount func() error
		if cg, how, unmount, err = nodeCgroup(cfg.MountDir); err != nil {
			return fmt.Errorf("%w: %w", ErrNodeCgroup, err)
		}
		defer func() { err = errors.Join(err, unmount()) }()
		log.Info("node cgroup", "cgroup", cg, "how", how)
	}
	netns, warnings, err := podNetns(cfg.ProcDir, eps)
	if err != nil {
		return fmt.Errorf("find the pods' network namespaces: %w", err)
	}
	for _, w := range warnings {
		log.Warn(w)
	}
	log.Info("pods found on this node", "netns", len(netns), "endpoints", len(eps))
	opts := datapath.Options{
		Instance: cfg.Instance, Cgroups: []string{cg}, Endpoints: DatapathEndpoints(eps, netns),
		Probe: cfg.Probe, MountBPFFS: true, NoFastPath: cfg.Node == "", MaxFlows: cfg.MaxFlows,
	}
	if cfg.Node != "" {
		nodeNetns := cfg.NodeNetns
		if nodeNetns == "" {
			nodeNetns = "/proc/self/ns/net"
		}
		opts.Nodes = fastPathNodes(cfg.Node, nodeNetns, eps)
	}
	d, err := up(ctx, log, opts)
	if err != nil {
		return err
	}
	defer func() {
		if derr := d.Down(); derr != nil {
			err = errors.Join(err, fmt.Errorf("take the datapath down: %w", derr))
		} else {
			log.Info("datapath down", "instance", cfg.Instance)
		}
	}()
	if cfg.ReadyFile != "" {
		if err := writeReady(cfg.ReadyFile, cfg.Instance); err != nil {
			return err
		}
		defer func() {
			if rerr := os.Remove(cfg.ReadyFile); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
				err = errors.Join(err, rerr)
			}
		}()
	}
	log.Info("datapath up", "instance", cfg.Instance, "cgroup", cg, "endpoints", len(eps), "probe", cfg.Probe.String(), "max_flows", maxFlows(cfg), "fast_path_node", cfg.Node)
	if st, err := d.Status(); err == nil {
		for _, w := range st.Warnings {
			log.Warn(w)
		}
	}
	if ln == nil {
		<-ctx.Done()
		return nil
	}
	return serve(ctx, ln, d)
}

// fastPathNodes is this node, where the fast path is attached, then every
// other node the endpoints name, as remote nodes (no netns): their pods
// are reached over the wire.
func fastPathNodes(node, netns string, eps []Endpoint) []datapath.Node {
	nodes := []datapath.Node{{Name: node, Netns: netns}}
	for _, ep := range eps {
		if ep.Node != "" && !slices.ContainsFunc(nodes, func(n datapath.Node) bool { return n.Name == ep.Node }) {
			nodes = append(nodes, datapath.Node{Name: ep.Node})
		}
	}
	return nodes
}

// maxFlows is the flow maps' size the agent asked for.
func maxFlows(cfg Config) int {
	if cfg.MaxFlows == 0 {
		return datapath.DefaultMaxFlows
	}
	return cfg.MaxFlows
}

// up is datapath.Up, replacing an instance an earlier agent left pinned.
func up(ctx context.Context, log *slog.Logger, opts datapath.Options) (*datapath.Datapath, error) {
	d, err := datapath.Up(ctx, opts)
	if !errors.Is(err, datapath.ErrExists) {
		return d, err
	}
	log.Warn("replacing a datapath an earlier agent left pinned", "instance", opts.Instance)
	if err := datapath.Down(opts.Instance); err != nil {
		return nil, fmt.Errorf("take down the datapath left pinned: %w", err)
	}
	return datapath.Up(ctx, opts)
}

// writeReady writes the ready file whole or not at all.
func writeReady(path, instance string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("ready file: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(instance+"\n"), 0o644); err != nil {
		return fmt.Errorf("ready file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return errors.Join(fmt.Errorf("ready file: %w", err), os.Remove(tmp))
	}
	return nil
}

// serve answers /metrics (Prometheus text) and /readyz on ln until ctx ends.
func serve(ctx context.Context, ln net.Listener, d *datapath.Datapath) error {
	mux := http.NewServeMux()
	mux.Handle("/metrics", datapath.MetricsHandler(d))
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if _, err := d.Status(); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		if err := srv.Close(); err != nil {
			return fmt.Errorf("stop metrics server: %w", err)
		}
		<-errc
		return nil
	case err := <-errc:
		return fmt.Errorf("metrics server: %w", err)
	}
}

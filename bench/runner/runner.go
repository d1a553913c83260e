// Package runner executes a run plan on a local cluster: it builds the
// topology the scenarios need, starts the server in one pod, drives the load
// generator in another for every step of the plan, samples CPU and memory
// around exactly the measurement window, checks the mesh's evidence, and
// aggregates the repeats into results.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/meshbench/meshbench/bench/fingerprint"
	"github.com/meshbench/meshbench/bench/plan"
	"github.com/meshbench/meshbench/bench/results"
	"github.com/meshbench/meshbench/internal/mesh"
	"github.com/meshbench/meshbench/internal/substrate/local"
	"github.com/meshbench/meshbench/scenarios"
)

// Options configure a run.
type Options struct {
	// Exe is the meshbench binary started inside pods (serve and load).
	Exe string
	// Cluster names the local cluster the run creates.
	Cluster string
	// Meshes overrides every scenario's mesh list when not empty.
	Meshes []string
	// Keep leaves the topology up after the run.
	Keep bool
	// Progress receives one line per step; nil discards them.
	Progress io.Writer
	// TerminalWidth, when not 0, says Progress is a terminal that wide: a
	// progress bar with the time remaining is drawn on its last line.
	TerminalWidth int
	// Command is the command line that reproduces the run.
	Command string
	// Installers install the meshes by name; "none" is always available.
	Installers map[string]mesh.Installer
	// Seed shuffles the order of the points within each scenario; 0 keeps
	// the files' order. It is recorded in the fingerprint.
	Seed int64
	// BPFObjectSHA256 is the hash of the eBPF datapath object in the
	// binary, for the fingerprint.
	BPFObjectSHA256 string
	// Kube, when set, runs the steps on a Kubernetes substrate instead of
	// a local cluster; Installers and Cluster are then unused.
	Kube Kube
	// Substrate names the substrate in the fingerprint ("local" when empty).
	Substrate string
}

// ErrInterrupted is returned (with the results so far) when ctx ends early.
var ErrInterrupted = errors.New("run interrupted; results so far were kept")

// Run measures every step of the plan for the given scenario files. It
// returns the results gathered even when it fails part way, so a caller can
// write what was measured before an interruption.
func Run(ctx context.Context, files []scenarios.File, opts Options) (*results.File, error) {
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	substrate := opts.Substrate
	if substrate == "" {
		substrate = "local"
	}
	out := &results.File{Schema: results.Schema, Env: fingerprint.Collect(substrate), Command: opts.Command}
	out.Env.Seed, out.Env.BPFObjectSHA256 = opts.Seed, opts.BPFObjectSHA256
	var scs []*scenarios.Scenario
	for i := range files {
		out.Scenarios = append(out.Scenarios, results.ScenarioRecord{File: files[i].Path, SHA256: files[i].SHA256, Scenario: files[i].Scenario})
		scs = append(scs, &files[i].Scenario)
	}
	steps := plan.Build(scs, opts.Meshes, opts.Seed)
	if len(steps) == 0 {
		return out, fmt.Errorf("the scenarios give nothing to measure")
	}
	if opts.Kube != nil {
		return runKube(ctx, steps, opts, out)
	}
	for _, st := range steps {
		if _, ok := opts.Installers[st.Mesh]; !ok && st.Mesh != scenarios.MeshNone {
			return out, fmt.Errorf("mesh %s: no installer", st.Mesh)
		}
	}
	nodes := 1
	if plan.NeedsCrossNode(steps) {
		nodes = 2
	}
	c, err := local.Up(ctx, local.Config{Name: opts.Cluster, Nodes: nodes, PodsPerNode: 2})
	if err != nil {
		return out, fmt.Errorf("create topology: %w", err)
	}
	r := &run{opts: opts, cluster: c, points: newAggregator(), installers: map[string]mesh.Installer{scenarios.MeshNone: mesh.None}}
	for name, in := range opts.Installers {
		r.installers[name] = in
	}
	runErr := r.steps(ctx, steps)
	out.Results = r.points.results()
	out.Env.BPFStats = r.bpfState
	out.Env.Proxy, out.Env.ProxyVersion = proxyOf(out.Results)
	if runErr != nil && errors.Is(runErr, ErrInterrupted) {
		out.Warnings = append(out.Warnings, fmt.Sprintf("interrupted after %d of %d steps", r.done, len(steps)))
	}
	if !opts.Keep {
		if err := c.Down(); err != nil {
			runErr = errors.Join(runErr, fmt.Errorf("remove topology: %w", err))
		}
	}
	return out, runErr
}

// runKube measures the steps on a Kubernetes substrate, whose cluster the
// caller owns (creates and deletes).
func runKube(ctx context.Context, steps []plan.Step, opts Options, out *results.File) (*results.File, error) {
	opts.Kube.Describe(&out.Env)
	out.Warnings = append(out.Warnings, opts.Kube.Warnings()...)
	r := &run{opts: opts, points: newAggregator()}
	runErr := r.each(ctx, steps, r.measureKube)
	out.Results = r.points.results()
	out.Env.BPFStats = "not counted on kubernetes substrates"
	out.Env.Proxy, out.Env.ProxyVersion = proxyOf(out.Results)
	if runErr != nil && errors.Is(runErr, ErrInterrupted) {
		out.Warnings = append(out.Warnings, fmt.Sprintf("interrupted after %d of %d steps", r.done, len(steps)))
	}
	return out, runErr
}

// run is the state of one Run.
type run struct {
	opts       Options
	cluster    *local.Cluster
	server     *ServerProc
	points     *aggregator
	installers map[string]mesh.Installer
	done       int
	bpfState   string // whether BPF run time could be counted, from the first step
}

func (r *run) steps(ctx context.Context, steps []plan.Step) (err error) {
	srv, err := StartServer(ctx, r.cluster, r.opts.Exe, r.serverPod())
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, srv.Stop()) }()
	r.server = srv
	return r.each(ctx, steps, r.measure)
}

// each measures every step in order with measure, drawing the progress,
// and stops at the first failure or when ctx ends.
func (r *run) each(ctx context.Context, steps []plan.Step, measure func(context.Context, plan.Step) (results.Repeat, error)) error {
	prog := newProgress(r.opts.Progress, r.opts.TerminalWidth, steps)
	defer prog.close()
	for i, st := range steps {
		if ctx.Err() != nil {
			return ErrInterrupted
		}
		prog.begin(i, st)
		rep, err := measure(ctx, st)
		if ctx.Err() != nil {
			return ErrInterrupted
		}
		if err != nil {
			return fmt.Errorf("%s repeat %d: %w", st.Point(), st.Repeat+1, err)
		}
		r.points.add(st, rep)
		r.done++
		prog.finish(i, summary(st, rep))
	}
	return nil
}

// proxyOf names the sidecar proxy of the run from the meshes' own
// descriptions.
func proxyOf(rs []results.Result) (name, version string) {
	for _, r := range rs {
		if p := r.MeshInfo["proxy"]; p != "" {
			return p, r.MeshInfo["version"]
		}
	}
	return "", ""
}

// serverPod is where the workload server runs: the first pod of the first node.
func (r *run) serverPod() local.Pod { return r.cluster.Pods()[0] }

// clientPod picks the load generator's pod for a placement: the second pod of
// the first node for same-node, the first pod of the second node for
// cross-node.
func (r *run) clientPod(placement string) (local.Pod, error) {
	pods := r.cluster.Pods()
	srv := r.serverPod()
	for _, p := range pods[1:] {
		if (placement == scenarios.PlacementSameNode) == (p.Node == srv.Node) {
			return p, nil
		}
	}
	return local.Pod{}, fmt.Errorf("topology has no pod for placement %s", placement)
}

// Package crosscheck measures the same two pods with meshbench's own load
// generator and with the established tools, iperf3 for stream throughput
// and wrk for the closed-loop HTTP request rate, interleaved round by
// round (tool, meshbench, meshbench, tool, ...) so machine drift cancels
// out, and reports how far meshbench's medians are from the tools'. A
// harness whose numbers disagree with iperf3 and wrk by more than the
// tolerance measures itself, not the path; crosscheck is how a user finds
// out on their own machine.
package crosscheck

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os/exec"
	"strconv"
	"time"

	"github.com/montanaflynn/stats"

	"github.com/meshbench/meshbench/bench/runner"
	"github.com/meshbench/meshbench/internal/substrate/local"
)

// Placements.
const (
	SameNode  = "same-node"
	CrossNode = "cross-node"
)

// Metrics compared.
const (
	MetricStream = "stream_bits_per_second"   // one stream, server to client
	MetricHTTP   = "http_requests_per_second" // closed loop, keep-alive
)

// Config is one cross-check.
type Config struct {
	Exe         string        // the meshbench binary that runs serve and load in the pods
	Cluster     string        // the local cluster to create and remove; default "crosscheck"
	Rounds      int           // rounds of each tool and meshbench; default 5
	Duration    time.Duration // measured time of every run, whole seconds (iperf3 -t); default 3s
	Warmup      time.Duration // excluded before it (iperf3 -O); default 1s; wrk has none
	StreamSizes []int         // message sizes (iperf3 -l, meshbench --payload-bytes); default 1 KiB, 64 KiB, 1 MiB
	Connections int           // HTTP connections (wrk -c); default 4
	Placements  []string      // default both
	Tolerance   float64       // the agreement asked for, as a fraction; default 0.15
	Progress    io.Writer     // one line per run; nil for none
}

// ErrInvalid marks a bad Config.
var ErrInvalid = errors.New("invalid cross-check")

// ErrToolMissing marks a reference tool that is not installed.
var ErrToolMissing = errors.New("reference tool missing")

// Normalize fills the defaults and checks every field.
func (c Config) Normalize() (Config, error) {
	if c.Exe == "" {
		return c, fmt.Errorf("%w: no meshbench binary", ErrInvalid)
	}
	if c.Cluster == "" {
		c.Cluster = "crosscheck"
	}
	if c.Rounds == 0 {
		c.Rounds = 5
	}
	if c.Rounds < 1 || c.Rounds > 100 {
		return c, fmt.Errorf("%w: rounds: %d, want 1 to 100", ErrInvalid, c.Rounds)
	}
	if c.Duration == 0 {
		c.Duration = 3 * time.Second
	}
	if c.Duration < time.Second || c.Duration%time.Second != 0 {
		return c, fmt.Errorf("%w: duration: %s, want whole seconds, at least 1s (iperf3 -t takes seconds)", ErrInvalid, c.Duration)
	}
	if c.Warmup == 0 {
		c.Warmup = time.Second
	}
	if c.Warmup < time.Second || c.Warmup%time.Second != 0 {
		return c, fmt.Errorf("%w: warmup: %s, want whole seconds, at least 1s (iperf3 -O takes seconds)", ErrInvalid, c.Warmup)
	}
	if len(c.StreamSizes) == 0 {
		c.StreamSizes = []int{1 << 10, 64 << 10, 1 << 20}
	}
	for _, s := range c.StreamSizes {
		if s < 1 || s > 16<<20 {
			return c, fmt.Errorf("%w: stream size %d: want 1 B to 16 MiB", ErrInvalid, s)
		}
	}
	if c.Connections == 0 {
		c.Connections = 4
	}
	if c.Connections < 1 || c.Connections > 1000 {
		return c, fmt.Errorf("%w: connections: %d, want 1 to 1000", ErrInvalid, c.Connections)
	}
	if len(c.Placements) == 0 {
		c.Placements = []string{SameNode, CrossNode}
	}
	for _, p := range c.Placements {
		if p != SameNode && p != CrossNode {
			return c, fmt.Errorf("%w: placement %q: want %s or %s", ErrInvalid, p, SameNode, CrossNode)
		}
	}
	if c.Tolerance == 0 {
		c.Tolerance = 0.15
	}
	if c.Tolerance <= 0 || c.Tolerance >= 1 {
		return c, fmt.Errorf("%w: tolerance: %g, want a fraction between 0 and 1", ErrInvalid, c.Tolerance)
	}
	return c, nil
}

// Report is what a cross-check found.
type Report struct {
	Tolerance   float64      `json:"tolerance"`
	Rounds      int          `json:"rounds"`
	Comparisons []Comparison `json:"comparisons"`
}

// Comparison is one metric at one placement, measured by both.
type Comparison struct {
	Placement string `json:"placement"`
	Metric    string `json:"metric"`
	Size      int    `json:"size,omitempty"` // stream message bytes
	Tool      string `json:"tool"`
	// The commands as run in the client pod, the server's address filled in.
	ToolCommand      string    `json:"tool_command"`
	MeshbenchCommand string    `json:"meshbench_command"`
	ToolValues       []float64 `json:"tool_values"`
	MeshbenchValues  []float64 `json:"meshbench_values"`
	ToolMedian       float64   `json:"tool_median"`
	MeshbenchMedian  float64   `json:"meshbench_median"`
	// Diff is meshbench's median relative to the tool's: +0.10 means
	// meshbench measured 10% more.
	Diff   float64 `json:"diff"`
	Agrees bool    `json:"agrees"` // |Diff| <= the tolerance
	// KernelValues (streams) are what the kernel counted into meshbench's
	// socket in each run's window (TCP_INFO bytes_received), in bits/s;
	// KernelDiff is meshbench's median relative to theirs. A reader that
	// miscounts shows here, whatever the tool says.
	KernelValues []float64 `json:"meshbench_kernel_values,omitempty"`
	KernelDiff   float64   `json:"kernel_diff,omitempty"`
}

// Disagreements lists the comparisons outside the tolerance.
func (r *Report) Disagreements() []Comparison {
	var out []Comparison
	for _, c := range r.Comparisons {
		if !c.Agrees {
			out = append(out, c)
		}
	}
	return out
}

// iperf3Port is where the iperf3 server listens in the server pod.
const iperf3Port = 5201

// Run creates a two-node local cluster, starts meshbench's workload
// server and an iperf3 server in one pod, measures from a pod on the same
// node and one on the other, and removes everything again.
func Run(ctx context.Context, cfg Config) (_ *Report, err error) {
	cfg, err = cfg.Normalize()
	if err != nil {
		return nil, err
	}
	for _, tool := range []string{"iperf3", "wrk"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("%w: %s is not on PATH (apt-get install %s): %v", ErrToolMissing, tool, tool, err)
		}
	}
	c, err := local.Up(ctx, local.Config{Name: cfg.Cluster, Nodes: 2, PodsPerNode: 2})
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, c.Down()) }()
	pods := c.Pods()
	server, clients := pods[0], map[string]local.Pod{SameNode: pods[1], CrossNode: pods[2]}
	srv, err := runner.StartServer(ctx, c, cfg.Exe, server)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, srv.Stop()) }()
	ip3, err := startIperf3(ctx, c, server)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, ip3.Stop()) }()

	rep := &Report{Tolerance: cfg.Tolerance, Rounds: cfg.Rounds}
	for _, pl := range cfg.Placements {
		client := clients[pl]
		for _, size := range cfg.StreamSizes {
			cmp, err := measure(ctx, cfg, c, client, pl, streamPair(cfg, server, size))
			if err != nil {
				return rep, err
			}
			rep.Comparisons = append(rep.Comparisons, cmp)
		}
		cmp, err := measure(ctx, cfg, c, client, pl, httpPair(cfg, server))
		if err != nil {
			return rep, err
		}
		rep.Comparisons = append(rep.Comparisons, cmp)
	}
	return rep, nil
}

// pair is one metric as both sides measure it.
type pair struct {
	metric, tool         string
	size                 int      // stream message bytes, 0 for HTTP
	toolArgs, meshArgs   []string // argv, the program first
	parseTool, parseMesh parser
}

func streamPair(cfg Config, server local.Pod, size int) pair {
	secs := func(d time.Duration) string { return strconv.Itoa(int(d / time.Second)) }
	return pair{
		metric: MetricStream, tool: "iperf3", size: size,
		toolArgs: []string{"iperf3", "-c", server.IPv4.String(), "-p", strconv.Itoa(iperf3Port), "-R",
			"-l", strconv.Itoa(size), "-t", secs(cfg.Duration), "-O", secs(cfg.Warmup), "-J"},
		meshArgs: []string{cfg.Exe, "load", "--json", "--procs", "1", "--protocol", "stream", "--connections", "1",
			"--target", server.IPv4.String() + ":" + strconv.Itoa(runner.StreamPort), "--rate", "0",
			"--payload-bytes", strconv.Itoa(size), "--duration", cfg.Duration.String(), "--warmup", cfg.Warmup.String()},
		parseTool: only(parseIperf3), parseMesh: meshStreamBits,
	}
}

func httpPair(cfg Config, server local.Pod) pair {
	n := strconv.Itoa(cfg.Connections)
	return pair{
		metric: MetricHTTP, tool: "wrk",
		toolArgs: []string{"wrk", "-t1", "-c" + n, "-d" + strconv.Itoa(int(cfg.Duration/time.Second)) + "s",
			"http://" + server.IPv4.String() + ":" + strconv.Itoa(runner.HTTPPort) + "/"},
		meshArgs: []string{cfg.Exe, "load", "--json", "--procs", "1", "--protocol", "http",
			"--target", server.IPv4.String() + ":" + strconv.Itoa(runner.HTTPPort), "--rate", "0",
			"--connections", n, "--duration", cfg.Duration.String(), "--warmup", cfg.Warmup.String()},
		parseTool: only(parseWrk), parseMesh: only(meshRequestRate),
	}
}

// measure runs both sides of p Rounds times from client, in the balanced
// order tool, meshbench, meshbench, tool, ...
func measure(ctx context.Context, cfg Config, c *local.Cluster, client local.Pod, placement string, p pair) (Comparison, error) {
	cmp := Comparison{Placement: placement, Metric: p.metric, Size: p.size, Tool: p.tool,
		ToolCommand: shellJoin(p.toolArgs), MeshbenchCommand: shellJoin(append([]string{"meshbench"}, p.meshArgs[1:]...))}
	for round := range cfg.Rounds {
		order := []bool{true, false} // tool first
		if round%2 == 1 {
			order = []bool{false, true}
		}
		for _, tool := range order {
			args, parse, name := p.meshArgs, p.parseMesh, "meshbench"
			if tool {
				args, parse, name = p.toolArgs, p.parseTool, p.tool
			}
			v, err := runIn(ctx, c, client, args, cfg.Warmup+cfg.Duration+runSlack, parse)
			if err != nil {
				return cmp, fmt.Errorf("%s %s round %d, %s: %w", placement, p.metric, round+1, name, err)
			}
			if tool {
				cmp.ToolValues = append(cmp.ToolValues, v.value)
			} else {
				cmp.MeshbenchValues = append(cmp.MeshbenchValues, v.value)
				if v.kernel > 0 {
					cmp.KernelValues = append(cmp.KernelValues, v.kernel)
				}
			}
			if cfg.Progress != nil {
				fmt.Fprintf(cfg.Progress, "crosscheck: %s %s round %d/%d: %s %.4g\n", placement, label(p), round+1, cfg.Rounds, name, v.value)
			}
		}
	}
	cmp.ToolMedian, _ = stats.Median(cmp.ToolValues)
	cmp.MeshbenchMedian, _ = stats.Median(cmp.MeshbenchValues)
	cmp.Diff = cmp.MeshbenchMedian/cmp.ToolMedian - 1
	cmp.Agrees = math.Abs(cmp.Diff) <= cfg.Tolerance
	if len(cmp.KernelValues) == len(cmp.MeshbenchValues) {
		k, _ := stats.Median(cmp.KernelValues)
		cmp.KernelDiff = cmp.MeshbenchMedian/k - 1
	} else {
		cmp.KernelValues = nil
	}
	return cmp, nil
}

func label(p pair) string {
	if p.size == 0 {
		return p.metric
	}
	return p.metric + " size " + strconv.Itoa(p.size)
}

package conformance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/meshbench/meshbench/datapath"
	baseline "github.com/meshbench/meshbench/envoy-baseline"
	"github.com/meshbench/meshbench/internal/substrate/local"
)

// AllMeshes are the meshes the suite knows, in the order it runs them.
var AllMeshes = []string{MeshNone, MeshSidecar, MeshEBPF}

// ErrInvalid is wrapped by errors about a bad Config.
var ErrInvalid = errors.New("invalid conformance config")

// podsPerNode is the topology: two nodes of three pods.
const podsPerNode = 3

// Config is one conformance run.
type Config struct {
	Meshes  []string // default AllMeshes
	Run     string   // regular expression selecting cases by name; "" runs all
	Cluster string   // the local cluster to create (and remove); default "conformance"
	// Substrate is where the pods live: SubstrateLocal (default) or
	// SubstrateKind, on the cluster Kind names.
	Substrate string
	Kind      *KindConfig
	// Probe is what the datapath does with its kernel self-test (the
	// zero value, ProbeRequired, refuses a kernel that fails it; meshbench
	// conformance passes ProbeDegrade unless told otherwise).
	Probe   datapath.ProbeMode
	Sidecar baseline.Options
	// Progress, when set, gets one line per result as it is made.
	Progress io.Writer
	Command  string // recorded in the report

	cases []Case
}

// Normalize fills defaults and validates c.
func (c Config) Normalize() (Config, error) {
	if len(c.Meshes) == 0 {
		c.Meshes = AllMeshes
	}
	for i, m := range c.Meshes {
		if !slices.Contains(AllMeshes, m) {
			return c, fmt.Errorf("%w: mesh %q: want one of %s", ErrInvalid, m, strings.Join(AllMeshes, ", "))
		}
		if slices.Contains(c.Meshes[:i], m) {
			return c, fmt.Errorf("%w: mesh %q given twice", ErrInvalid, m)
		}
	}
	if c.Cluster == "" {
		c.Cluster = "conformance"
	}
	switch c.Substrate {
	case "":
		c.Substrate = SubstrateLocal
	case SubstrateLocal, SubstrateKind:
	default:
		return c, fmt.Errorf("%w: substrate %q: want %s or %s", ErrInvalid, c.Substrate, SubstrateLocal, SubstrateKind)
	}
	re, err := regexp.Compile(c.Run)
	if err != nil {
		return c, fmt.Errorf("%w: run pattern: %v", ErrInvalid, err)
	}
	c.cases = nil
	for _, cs := range Cases {
		if re.MatchString(cs.Name) {
			c.cases = append(c.cases, cs)
		}
	}
	if len(c.cases) == 0 {
		return c, fmt.Errorf("%w: run pattern %q matches no case (cases: %s)", ErrInvalid, c.Run, strings.Join(CaseNames(), ", "))
	}
	c.Sidecar.Normalize()
	return c, nil
}

// CaseNames lists every case name in order.
func CaseNames() []string {
	names := make([]string, len(Cases))
	for i, c := range Cases {
		names[i] = c.Name
	}
	return names
}

type suite struct {
	cfg    Config
	topo   topology
	pods   []local.Pod // the current mesh's, node-major
	report *Report
	runs   int
}

// Run creates the topology, runs the selected cases against each mesh in
// turn and removes everything again, on every path. Case failures are in
// the report; the error is for what stopped the suite itself (the
// topology could not be built, or ctx ended), in which case the report
// holds what ran so far.
func Run(ctx context.Context, cfg Config) (_ *Report, err error) {
	cfg, err = cfg.Normalize()
	if err != nil {
		return nil, err
	}
	if cfg.Substrate == SubstrateKind && (cfg.Kind == nil || cfg.Kind.Cluster == nil) {
		return nil, errNoKind
	}
	s := &suite{cfg: cfg}
	s.topo, err = newTopology(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create the conformance topology: %w", err)
	}
	defer func() {
		if derr := s.topo.down(context.WithoutCancel(ctx)); derr != nil {
			err = errors.Join(err, derr)
		}
	}()
	s.report = &Report{
		Schema: Schema, Env: s.topo.env(), Command: cfg.Command,
		Cluster: cfg.Cluster, Started: time.Now(),
	}
	for _, c := range cfg.cases {
		s.report.Cases = append(s.report.Cases, CaseInfo{Name: c.Name, Checks: c.Checks, Breaks: c.Breaks})
	}
	for _, name := range cfg.Meshes {
		s.runMesh(ctx, name)
	}
	s.report.Seconds = time.Since(s.report.Started).Seconds()
	s.report.Interrupted = ctx.Err() != nil
	s.report.tally()
	if ctx.Err() != nil {
		return s.report, fmt.Errorf("conformance interrupted: %w", ctx.Err())
	}
	return s.report, nil
}

// runMesh installs one mesh, runs every case in every variant on it and
// removes it.
func (s *suite) runMesh(ctx context.Context, name string) {
	mr := MeshReport{Name: name}
	m, pods, err := s.topo.install(ctx, name)
	s.pods = pods
	if err != nil {
		mr.Error = err.Error()
		if m != nil {
			mr.Info = m.info()
		}
		m = nil
	}
	for _, c := range s.cfg.cases {
		for _, v := range variants {
			var res Result
			switch {
			case ctx.Err() != nil:
				res = Result{Case: c.Name, Mesh: name, Placement: v.placement(), Family: v.family(), Status: StatusNotRun, Detail: "interrupted"}
			case c.appliesTo(name) != "":
				res = Result{Case: c.Name, Mesh: name, Placement: v.placement(), Family: v.family(), Status: StatusNA, Detail: c.appliesTo(name)}
			case s.topo.na(c, name, v) != "":
				res = Result{Case: c.Name, Mesh: name, Placement: v.placement(), Family: v.family(), Status: StatusNA, Detail: s.topo.na(c, name, v)}
			case m == nil:
				res = Result{Case: c.Name, Mesh: name, Placement: v.placement(), Family: v.family(), Status: StatusFail, Detail: "mesh not installed: " + mr.Error}
			default:
				res = s.runOne(ctx, c, m, v)
			}
			s.progress(res)
			s.report.Results = append(s.report.Results, res)
		}
		if m != nil && !installed(m) && ctx.Err() == nil {
			// A case that took the mesh down and failed to bring it back.
			if err := m.install(ctx); err != nil {
				mr.Error = "reinstall after " + c.Name + ": " + err.Error()
				m = nil
			}
		}
	}
	if m != nil {
		mr.Info = m.info()
		if err := m.uninstall(); err != nil {
			mr.Error = joinNonEmpty("; ", mr.Error, "remove: "+err.Error())
		}
	}
	if err := s.topo.release(context.WithoutCancel(ctx)); err != nil {
		mr.Error = joinNonEmpty("; ", mr.Error, "remove its pods: "+err.Error())
	}
	s.report.Meshes = append(s.report.Meshes, mr)
}

func installed(m meshUnderTest) bool {
	switch m := m.(type) {
	case *ebpfMesh:
		return m.d != nil
	case *sidecarMesh:
		return m.s != nil
	case interface{ isInstalled() bool }:
		return m.isInstalled()
	}
	return true
}

func (s *suite) progress(r Result) {
	if s.cfg.Progress == nil {
		return
	}
	status := string(r.Status)
	if r.Status == StatusFail {
		status = "FAIL"
	}
	fmt.Fprintf(s.cfg.Progress, "%-8s %-19s %-21s %-8s %6.2fs %s\n", r.Mesh, r.Case, r.Variant(), status, r.Seconds, oneLine(r.Detail))
}

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/meshbench/meshbench/bench/results"
	"github.com/meshbench/meshbench/bench/runner"
	"github.com/meshbench/meshbench/datapath"
	baseline "github.com/meshbench/meshbench/envoy-baseline"
	"github.com/meshbench/meshbench/internal/mesh"
	"github.com/meshbench/meshbench/internal/privilege"
	"github.com/meshbench/meshbench/reports"
	"github.com/meshbench/meshbench/scenarios"
	"github.com/spf13/cobra"
)

type runFlags struct {
	meshes  []string
	out     string
	quick   bool
	keep    bool
	cluster string
	sidecar baseline.Options
	probe   string
	// seed orders the points within each scenario (see runSeed).
	seed int64
	// conformance names a conformance.json of this machine; meshes that
	// failed it are not measured unless waiveConformance.
	conformance      string
	waiveConformance bool
	sub              substrateFlags
}

// availableMeshes are the mesh modes this build can install.
var availableMeshes = []string{scenarios.MeshNone, scenarios.MeshSidecar, scenarios.MeshEBPF}

func newRunCommand() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run SCENARIO.yaml...",
		Short: "Run scenarios on a fresh local topology and write DIR/results.json",
		Long: `run creates the topology the scenarios need, runs every scenario against each
requested mesh (repeats interleaved so drift cancels out), writes
DIR/results.json, the raw histograms and the report (report.html, report.md,
charts: see meshbench report), and tears the topology down (unless --keep).
Ctrl-C stops cleanly and keeps the results measured so far.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.sub.validate(); err != nil {
				return err
			}
			for i, m := range f.meshes {
				if !slices.Contains(availableMeshes, m) {
					return badInputf("--mesh: %q is not available in this build (available: %s)", m, strings.Join(availableMeshes, ", "))
				}
				if slices.Contains(f.meshes[:i], m) {
					return badInputf("--mesh: %q given twice", m)
				}
			}
			files, err := loadScenarios(args, f.quick, f.meshes)
			if err != nil {
				return err
			}
			gate, err := newConformanceGate(f.conformance, f.waiveConformance, f.probe)
			if err != nil {
				return err
			}
			meshes, gateWarnings, err := gate.filter(files, f.meshes)
			for _, w := range gateWarnings {
				fmt.Fprintf(cmd.ErrOrStderr(), "meshbench: %s\n", w)
			}
			if err != nil {
				return checkFailed(err)
			}
			f.meshes = meshes
			if err := privilege.Check(); err != nil {
				return environment(err)
			}
			exe, err := os.Executable()
			if err != nil {
				return environment(fmt.Errorf("find the meshbench binary to start in pods: %w", err))
			}
			seed := runSeed(cmd, f.seed)
			opts := runner.Options{
				Exe: exe, Cluster: f.cluster, Meshes: f.meshes, Keep: f.keep,
				Progress: cmd.ErrOrStderr(), TerminalWidth: terminalWidth(cmd.ErrOrStderr()),
				Command: reproduce(os.Args[1:], seed), Seed: seed, BPFObjectSHA256: datapath.ObjectSHA256(),
			}
			var kr *kindRun
			if f.sub.kind() {
				if kr, err = startKind(cmd.Context(), cmd.ErrOrStderr(), files, f, exe); err != nil {
					return err
				}
				opts.Kube, opts.Substrate = kr.backend, substrateKind
			} else if opts.Installers, err = meshInstallers(files, f); err != nil {
				return err
			}
			res, runErr := runner.Run(cmd.Context(), files, opts)
			if kr != nil {
				runErr = errors.Join(runErr, kr.stop(cmd.Context(), f.out, runErr, f.keep))
			}
			if datapath.IsEnvironment(runErr) || errors.Is(runErr, datapath.ErrProbe) {
				runErr = environment(runErr)
			}
			if len(res.Results) == 0 {
				return runErr
			}
			res.Warnings = append(res.Warnings, gateWarnings...)
			for i := range res.Results {
				if w, ok := gate.mark(res.Results[i].Mesh); ok {
					res.Results[i].Warnings = append(res.Results[i].Warnings, w)
				}
			}
			path, err := results.Write(f.out, res)
			if err != nil {
				return errors.Join(runErr, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "results: %s\n", path)
			if err := reports.WriteHistograms(res, filepath.Join(f.out, "histograms")); err != nil {
				return errors.Join(runErr, err)
			}
			sets, err := loadResults([]string{path})
			if err == nil {
				err = writeReport(cmd.OutOrStdout(), f.out, sets)
			}
			if err != nil {
				return errors.Join(runErr, err)
			}
			if runErr != nil {
				return runErr
			}
			return invalidRuns(res)
		},
	}
	cmd.Flags().StringSliceVar(&f.meshes, "mesh", nil, "meshes to run, overriding the scenarios' own lists (none)")
	cmd.Flags().StringVar(&f.out, "out", "out/latest", "directory for results.json, the report, plots and histograms")
	cmd.Flags().BoolVar(&f.quick, "quick", false, "shorten every scenario (1 s windows, at most 5 repeats so gates can still detect a change, 4 knee trials) for CI gates")
	cmd.Flags().Int64Var(&f.seed, "seed", 0, "order of the points within each scenario (0: as in the files; default: a new random order, recorded in results.json)")
	cmd.Flags().BoolVar(&f.keep, "keep", false, "leave the topology up after the run (remove it with meshbench down)")
	cmd.Flags().StringVar(&f.sidecar.Proxy, "sidecar", baseline.ProxyAuto, "sidecar proxy: envoy, haproxy or auto (envoy when on PATH or $MESHBENCH_ENVOY, else haproxy)")
	cmd.Flags().BoolVar(&f.sidecar.MTLS, "mtls", false, "mutual TLS between sidecars (certificates made per run)")
	cmd.Flags().IntVar(&f.sidecar.Workers, "proxy-workers", baseline.DefaultWorkers, "worker threads per sidecar proxy")
	cmd.Flags().StringVar(&f.probe, "datapath-probe", defaultProbe, probeFlagHelp)
	cmd.Flags().StringVar(&f.conformance, "conformance", "", "conformance.json from `meshbench conformance` on this machine: meshes that failed it are not measured")
	cmd.Flags().BoolVar(&f.waiveConformance, "waive-conformance", false, "measure meshes that failed conformance anyway; each of their results says so")
	addClusterFlag(cmd, &f.cluster)
	addSubstrateFlags(cmd, &f.sub)
	return cmd
}

// meshInstallers prepares the installers of the meshes the run uses, failing
// early (exit 2 or 3) when one cannot work here.
func meshInstallers(files []scenarios.File, f runFlags) (map[string]mesh.Installer, error) {
	used := map[string]bool{}
	for _, m := range f.meshes {
		used[m] = true
	}
	if len(f.meshes) == 0 {
		for _, file := range files {
			for _, m := range file.Scenario.Meshes {
				used[m] = true
			}
		}
	}
	installers := map[string]mesh.Installer{}
	if used[scenarios.MeshSidecar] {
		opts := f.sidecar
		opts.Normalize()
		if err := opts.Validate(); err != nil {
			return nil, badInput(err)
		}
		proxy, err := baseline.Resolve(opts.Proxy)
		if err != nil {
			return nil, environment(err)
		}
		opts.Proxy = proxy
		installers[scenarios.MeshSidecar] = mesh.Sidecar(opts)
	}
	if used[scenarios.MeshEBPF] {
		probe, err := datapath.ParseProbeMode(f.probe)
		if err != nil {
			return nil, badInputf("--datapath-probe: %v", err)
		}
		installers[scenarios.MeshEBPF] = mesh.EBPF(probe)
	}
	return installers, nil
}

// loadScenarios reads every file, reporting bad input with exit code 2.
func loadScenarios(paths []string, quick bool, meshes []string) ([]scenarios.File, error) {
	var files []scenarios.File
	names := map[string]string{}
	for _, p := range paths {
		f, err := scenarios.Load(p)
		if err != nil {
			return nil, badInput(err)
		}
		if prev, ok := names[f.Scenario.Name]; ok {
			return nil, badInputf("%s: field name: %q is already used by %s; scenario names must be unique in a run", p, f.Scenario.Name, prev)
		}
		names[f.Scenario.Name] = p
		if len(meshes) == 0 {
			for i, m := range f.Scenario.Meshes {
				if !slices.Contains(availableMeshes, m) {
					return nil, badInputf("%s: field meshes[%d]: %q is not available in this build (available: %s)", p, i, m, strings.Join(availableMeshes, ", "))
				}
			}
		}
		if quick {
			f.Scenario.Quick()
		}
		files = append(files, f)
	}
	return files, nil
}

// invalidRuns fails the command (exit 1) when any result is invalid.
func invalidRuns(f *results.File) error {
	var bad []string
	for _, r := range f.Results {
		if !r.Valid {
			bad = append(bad, fmt.Sprintf("%s/%s/%s: %s", r.Scenario, r.Mesh, r.Placement, strings.Join(r.Warnings, "; ")))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return checkFailed(fmt.Errorf("%d invalid result(s): %s", len(bad), strings.Join(bad, " | ")))
}

// probeFlagHelp documents --datapath-probe for run and conformance.
const probeFlagHelp = "what a failed eBPF kernel self-test does: required (refuse), degrade (short-circuit no socket; the tc fast path carries pod traffic), no-splice (short-circuit anyway where only splice(2) and tcp_bpf's other receive limits fail: FIONREAD after a half-close, a blocking read ended by a signal; for workloads that meet none of them) or skip"

// defaultProbe is --datapath-probe's default, on local and kind alike: a
// kernel that fails the self-test gets the datapath that passes
// conformance there (the tc fast path runs on kind's node agents too).
var defaultProbe = datapath.ProbeDegrade.String()

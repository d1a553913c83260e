package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/meshbench/meshbench/conformance"
	"github.com/meshbench/meshbench/datapath"
	baseline "github.com/meshbench/meshbench/envoy-baseline"
	"github.com/meshbench/meshbench/internal/privilege"
	"github.com/meshbench/meshbench/internal/substrate/local"
	"github.com/spf13/cobra"
)

type conformanceFlags struct {
	meshes  []string
	out     string
	run     string
	cluster string
	probe   string
	list    bool
	keep    bool
	sidecar baseline.Options
	sub     substrateFlags
}

func newConformanceCommand() *cobra.Command {
	var f conformanceFlags
	cmd := &cobra.Command{
		Use:   "conformance",
		Short: "Check that each mesh delivers TCP traffic correctly: a pass/fail matrix per case and mesh",
		Long: `conformance builds one topology (2 nodes x 3 pods), installs each mesh on it in
turn and runs every case against it, same-node and cross-node, over IPv4 and
IPv6, each under a time limit (a hang is a failure). It prints the case x mesh
matrix, writes DIR/conformance.json and DIR/conformance.md with every result
and the mesh's own evidence (eBPF redirect and fast-path counters, proxy
counters), and removes everything again, also on Ctrl-C.

With --substrate kind the suite runs on a two-node kind cluster that it
creates (or reuses with --kubeconfig) and deletes unless --keep: a fresh set
of idle pods per mesh (the sidecar injected as Kubernetes runs it, the eBPF
datapath as the node agent DaemonSet), entered from this host, whose kernel
the nodes share. Pods there are IPv4 only, and cases Kubernetes cannot give
(removing a running pod's sidecar) are n/a with the reason.

A case the mesh did not carry (the eBPF datapath fell back to the normal stack,
no proxy saw the connection) is "pass (fallback)", never a datapath pass.
Exit status 1 when any case failed for any mesh: publish no numbers for it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.list {
				return listCases(cmd)
			}
			if err := f.sub.validate(); err != nil {
				return err
			}
			cfg, err := f.config(cmd)
			if err != nil {
				return err
			}
			var kr *kindRun
			if f.sub.kind() {
				if kr, cfg.Kind, err = startConformanceKind(cmd.Context(), cmd.ErrOrStderr(), f); err != nil {
					return err
				}
			}
			rep, runErr := conformance.Run(cmd.Context(), cfg)
			if kr != nil {
				runErr = errors.Join(runErr, kr.stop(cmd.Context(), f.out, conformanceFailure(rep, runErr), f.keep))
			}
			if rep == nil {
				return conformanceErr(runErr, f.cluster)
			}
			out := cmd.OutOrStdout()
			if err := rep.Matrix(out); err != nil {
				return errors.Join(runErr, err)
			}
			paths, err := rep.WriteFiles(f.out)
			if err != nil {
				return errors.Join(runErr, err)
			}
			fmt.Fprintf(out, "\nwrote %s\n", strings.Join(paths, ", "))
			if runErr != nil {
				return runErr
			}
			if failed := rep.FailedMeshes(); len(failed) > 0 {
				return checkFailed(conformanceVerdict(rep, failed, paths[len(paths)-1]))
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&f.meshes, "mesh", conformance.AllMeshes, "meshes to check: none, sidecar, ebpf")
	fl.StringVar(&f.out, "out", "out/latest", "directory for conformance.json and conformance.md")
	fl.StringVar(&f.run, "run", "", "run only the cases whose name matches this regular expression")
	fl.StringVar(&f.cluster, "cluster", "conformance", "name of the local cluster to create for the run (it must not exist)")
	fl.StringVar(&f.probe, "datapath-probe", defaultProbe, probeFlagHelp)
	fl.StringVar(&f.sidecar.Proxy, "sidecar", baseline.ProxyAuto, "sidecar proxy: envoy, haproxy or auto")
	fl.BoolVar(&f.sidecar.MTLS, "mtls", false, "mutual TLS between sidecars")
	fl.BoolVar(&f.list, "list", false, "list the cases and what a user would see if each broke, then exit")
	fl.BoolVar(&f.keep, "keep", false, "with --substrate kind: leave the cluster up afterwards (remove it with meshbench down --substrate kind)")
	addSubstrateFlags(cmd, &f.sub)
	return cmd
}

// config turns the flags into a conformance.Config, failing with exit code
// 2 on bad input and 3 when the host lacks what a requested mesh needs.
func (f conformanceFlags) config(cmd *cobra.Command) (conformance.Config, error) {
	probe, err := datapath.ParseProbeMode(f.probe)
	if err != nil {
		return conformance.Config{}, badInputf("--datapath-probe: %v", err)
	}
	cfg := conformance.Config{
		Meshes: f.meshes, Run: f.run, Cluster: f.cluster, Probe: probe, Sidecar: f.sidecar, Substrate: f.sub.name,
		Progress: cmd.ErrOrStderr(), Command: "meshbench " + strings.Join(os.Args[1:], " "),
	}
	if cfg, err = cfg.Normalize(); err != nil {
		return cfg, badInput(err)
	}
	if err := cfg.Sidecar.Validate(); err != nil {
		return cfg, badInput(err)
	}
	if err := privilege.Check(); err != nil {
		return cfg, environment(err)
	}
	if f.sub.kind() {
		// The meshes run in the cluster's images: nothing to find here.
		cfg.Sidecar, err = kindSidecar(cfg.Sidecar)
		return cfg, err
	}
	for _, m := range cfg.Meshes {
		switch m {
		case conformance.MeshSidecar:
			if cfg.Sidecar.Proxy, err = baseline.Resolve(cfg.Sidecar.Proxy); err != nil {
				return cfg, environment(err)
			}
		case conformance.MeshEBPF:
			if err := datapath.CheckEnvironment(); err != nil && !errors.Is(err, datapath.ErrNoBPFFS) {
				return cfg, environment(err)
			}
		}
	}
	return cfg, nil
}

// conformanceErr maps errors that stopped the suite before it ran.
func conformanceErr(err error, cluster string) error {
	switch {
	case errors.Is(err, local.ErrInvalidConfig):
		return badInputf("--cluster: %v", err)
	case errors.Is(err, fs.ErrExist):
		return badInputf("--cluster %s: a cluster of that name exists; pick another name or remove it with meshbench down --cluster %s", cluster, cluster)
	case datapath.IsEnvironment(err):
		return environment(err)
	}
	return err
}

func listCases(cmd *cobra.Command) error {
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "CASE\tCHECKS\tIF IT BROKE")
	for _, c := range conformance.Cases {
		fmt.Fprintf(w, "%s\t%s\t%s\n", c.Name, c.Checks, c.Breaks)
	}
	return w.Flush()
}

// conformanceVerdict says which meshes failed and what that means for
// their benchmark numbers: withheld, or published with a signalling
// deviation marked (conformance.Report.Verdict).
func conformanceVerdict(rep *conformance.Report, failed []string, details string) error {
	var withheld, marked []string
	for _, m := range failed {
		if ok, _ := rep.Verdict(m); ok {
			marked = append(marked, m)
		} else {
			withheld = append(withheld, m)
		}
	}
	var parts []string
	if len(withheld) > 0 {
		parts = append(parts, fmt.Sprintf("%s: no benchmark numbers of it are valid on this machine", strings.Join(withheld, ", ")))
	}
	if len(marked) > 0 {
		parts = append(parts, fmt.Sprintf("%s, in signalling only: its benchmark numbers are published, each marked with the deviation", strings.Join(marked, ", ")))
	}
	return fmt.Errorf("conformance failed for %s (details in %s)", strings.Join(parts, "; "), details)
}

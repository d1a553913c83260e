package main

import (
	"fmt"
	"slices"

	"github.com/meshbench/meshbench/bench/fingerprint"
	"github.com/meshbench/meshbench/conformance"
	"github.com/meshbench/meshbench/scenarios"
)

// conformanceGate decides, from a conformance report of this machine, which
// meshes may publish numbers. A mesh that failed conformance is not
// measured (its numbers would describe a datapath that loses or corrupts
// traffic) unless waived, and then every one of its results says so. A
// mesh whose only failures are in signalling (conformance.Report.Verdict)
// is measured, and every one of its results names the deviation.
type conformanceGate struct {
	refused   map[string]string // mesh -> why
	waived    map[string]string // mesh -> why, measured anyway
	deviating map[string]string // mesh -> its signalling deviation
}

// newConformanceGate reads the report at path. A report from another
// kernel, CPU or build cannot vouch for this one and is bad input. probe
// is the eBPF probe mode the run will use: a report that checked the
// datapath in another mode does not vouch for ebpf.
func newConformanceGate(path string, waive bool, probe string) (*conformanceGate, error) {
	g := &conformanceGate{refused: map[string]string{}, waived: map[string]string{}, deviating: map[string]string{}}
	if path == "" {
		return g, nil
	}
	r, err := conformance.ReadReport(path)
	if err != nil {
		return nil, badInputf("--conformance: %v", err)
	}
	if why := r.Mismatch(fingerprint.Collect("local")); why != "" {
		return nil, badInputf("--conformance %s: does not describe this machine and build (%s); rerun meshbench conformance", path, why)
	}
	for _, m := range []string{scenarios.MeshNone, scenarios.MeshSidecar, scenarios.MeshEBPF} {
		ok, why := r.Verdict(m)
		if checked := r.EBPFProbe(); ok && m == scenarios.MeshEBPF && checked != probe {
			ok, why = false, fmt.Sprintf("conformance checked the eBPF datapath with --datapath-probe %s, this run uses %s; rerun meshbench conformance with the same mode", checked, probe)
		}
		switch {
		case ok && why != "":
			g.deviating[m] = why
		case ok:
		case waive:
			g.waived[m] = why
		default:
			g.refused[m] = why
		}
	}
	return g, nil
}

// filter removes refused meshes from the run and returns the warnings that
// say which and why. It reports an error when nothing is left to measure.
func (g *conformanceGate) filter(files []scenarios.File, meshes []string) ([]string, []string, error) {
	var warnings []string
	override := len(meshes) > 0 // --mesh replaces the scenarios' lists
	for m, why := range g.refused {
		used := slices.Contains(meshes, m)
		for i := range files {
			sc := &files[i].Scenario
			if slices.Contains(sc.Meshes, m) {
				used = true
				sc.Meshes = slices.DeleteFunc(sc.Meshes, func(x string) bool { return x == m })
			}
		}
		meshes = slices.DeleteFunc(meshes, func(x string) bool { return x == m })
		if used {
			warnings = append(warnings, fmt.Sprintf("%s not measured: %s (see conformance.md; --waive-conformance publishes it anyway, marked)", m, why))
		}
	}
	slices.Sort(warnings)
	left := len(meshes) > 0
	for _, f := range files {
		left = left || (!override && len(f.Scenario.Meshes) > 0)
	}
	if !left {
		return nil, warnings, fmt.Errorf("every requested mesh failed conformance on this machine: nothing to measure")
	}
	return meshes, warnings, nil
}

// mark returns what every result of resMesh must carry: its conformance
// waiver or its signalling deviation.
func (g *conformanceGate) mark(resMesh string) (string, bool) {
	if why, ok := g.waived[resMesh]; ok {
		return "published under a conformance waiver: " + why, true
	}
	if why, ok := g.deviating[resMesh]; ok {
		return why, true
	}
	return "", false
}

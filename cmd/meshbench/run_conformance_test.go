package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/meshbench/meshbench/scenarios"
)

func TestConformanceGateFilter(t *testing.T) {
	g := &conformanceGate{refused: map[string]string{"ebpf": "mesh ebpf failed conformance: splice-relay (same-node ipv4)"}, waived: map[string]string{}}
	files := []scenarios.File{{Scenario: scenarios.Scenario{Name: "a", Meshes: []string{"none", "ebpf"}}}}
	meshes, warnings, err := g.filter(files, nil)
	if err != nil || meshes != nil {
		t.Fatalf("filter: %v %v", meshes, err)
	}
	if !slices.Equal(files[0].Scenario.Meshes, []string{"none"}) {
		t.Errorf("scenario meshes = %v, want [none]", files[0].Scenario.Meshes)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "ebpf not measured: mesh ebpf failed conformance: splice-relay") {
		t.Errorf("warnings = %q", warnings)
	}
	// --mesh ebpf alone: nothing left, which is an error, not a silent
	// fallback to the scenario's own list.
	files = []scenarios.File{{Scenario: scenarios.Scenario{Name: "a", Meshes: []string{"none", "ebpf"}}}}
	if _, _, err := g.filter(files, []string{"ebpf"}); err == nil {
		t.Error("refusing the only requested mesh must fail")
	}
	// A waiver measures the mesh and marks its results.
	w := &conformanceGate{refused: map[string]string{}, waived: map[string]string{"sidecar": "mesh sidecar failed conformance: reset"}}
	if note, ok := w.mark("sidecar"); !ok || !strings.Contains(note, "conformance waiver: mesh sidecar failed") {
		t.Errorf("waived mark = %q %v", note, ok)
	}
	if _, ok := w.mark("none"); ok {
		t.Error("a conformant mesh must not be marked")
	}
	// A signalling deviation measures the mesh and names the deviation.
	d := &conformanceGate{refused: map[string]string{}, waived: map[string]string{}, deviating: map[string]string{"sidecar": "mesh sidecar deviates from conformance in signalling only: reset"}}
	files = []scenarios.File{{Scenario: scenarios.Scenario{Name: "a", Meshes: []string{"none", "sidecar"}}}}
	if _, warnings, err := d.filter(files, nil); err != nil || len(warnings) != 0 || !slices.Equal(files[0].Scenario.Meshes, []string{"none", "sidecar"}) {
		t.Errorf("a deviating mesh was filtered: %v %q %v", files[0].Scenario.Meshes, warnings, err)
	}
	if note, ok := d.mark("sidecar"); !ok || !strings.Contains(note, "signalling only: reset") {
		t.Errorf("deviating mark = %q %v", note, ok)
	}
}

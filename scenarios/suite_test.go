package scenarios_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/meshbench/meshbench/bench/plan"
	"github.com/meshbench/meshbench/reports/stats"
	"github.com/meshbench/meshbench/scenarios"
)

// allMeshes is what the default suite runs once every mesh is built.
var allMeshes = []string{scenarios.MeshNone, scenarios.MeshSidecar, scenarios.MeshEBPF}

// estimate is how long meshbench run takes for the files, by plan.Estimate.
func estimate(t *testing.T, quick bool, meshes []string, paths ...string) time.Duration {
	t.Helper()
	var scs []*scenarios.Scenario
	for _, p := range paths {
		f, err := scenarios.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		if quick {
			f.Scenario.Quick()
		}
		scs = append(scs, &f.Scenario)
	}
	return plan.EstimateAll(plan.Build(scs, meshes, 1))
}

// TestDefaultSuiteBudget keeps `make bench` (every file here, all three
// meshes) near 10 minutes and the CI gate (smoke, --quick) under 2.
func TestDefaultSuiteBudget(t *testing.T) {
	paths, err := filepath.Glob("*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no scenario files: %v", err)
	}
	if d := estimate(t, false, allMeshes, paths...); d > 11*time.Minute || d < 5*time.Minute {
		t.Errorf("default suite estimated at %s, want about 10 minutes", d)
	}
	if d := estimate(t, true, nil, "smoke.yaml"); d > time.Minute {
		t.Errorf("smoke --quick estimated at %s, want well under 2 minutes", d)
	}
	kinds := map[string]bool{}
	for _, p := range paths {
		f, _ := scenarios.Load(p)
		kinds[f.Scenario.Kind] = true
		// The report compares meshes with a Mann-Whitney test over repeats:
		// with fewer, no difference could ever be called significant.
		if n := stats.MinSamplesToDetect(); f.Scenario.Repeats < n {
			t.Errorf("%s: repeats %d, want at least %d so that a difference between meshes can be significant", p, f.Scenario.Repeats, n)
		}
	}
	for _, k := range []string{scenarios.KindLatency, scenarios.KindThroughput, scenarios.KindCPU, scenarios.KindChurn} {
		if !kinds[k] {
			t.Errorf("no scenario file of kind %s", k)
		}
	}
}

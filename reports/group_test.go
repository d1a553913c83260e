package reports

import (
	"slices"
	"testing"

	"github.com/meshbench/meshbench/bench/results"
	"github.com/meshbench/meshbench/reports/sample"
)

// TestScenarioRowOrder: a seeded run measures its points shuffled; the
// tables list them by placement (as first run), then size, then rate.
func TestScenarioRowOrder(t *testing.T) {
	var pts []*sample.Point
	for _, k := range []sample.Key{
		{Scenario: "s", Placement: "cross-node", PayloadBytes: 1024, Rate: 4000},
		{Scenario: "s", Placement: "same-node", PayloadBytes: 65536, Rate: 1000},
		{Scenario: "s", Placement: "cross-node", PayloadBytes: 64, Rate: 1000},
		{Scenario: "s", Placement: "cross-node", PayloadBytes: 1024, Rate: 1000},
		{Scenario: "s", Placement: "same-node", PayloadBytes: 64, Rate: 1000},
	} {
		pts = append(pts, &sample.Point{Key: k, Mesh: "none"})
	}
	sc := newScenario("s", []*sample.Set{{File: &results.File{}, Points: pts}})
	var got []string
	for _, k := range sc.Keys {
		got = append(got, k.Label())
	}
	want := []string{"cross-node 64B @1000/s", "cross-node 1KiB @1000/s", "cross-node 1KiB @4000/s", "same-node 64B @1000/s", "same-node 64KiB @1000/s"}
	if !slices.Equal(got, want) {
		t.Errorf("rows %q, want %q", got, want)
	}
}

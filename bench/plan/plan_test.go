package plan

import (
	"slices"
	"strings"
	"testing"

	"github.com/meshbench/meshbench/scenarios"
)

func TestInterleaveIsBalanced(t *testing.T) {
	ms := []string{"none", "sidecar", "ebpf"}
	var order []string
	for r := range 4 {
		order = append(order, Interleave(ms, r)...)
	}
	want := "none sidecar ebpf ebpf sidecar none none sidecar ebpf ebpf sidecar none"
	if got := strings.Join(order, " "); got != want {
		t.Fatalf("order = %s\nwant    %s", got, want)
	}
	// Balanced: over an even number of repeats the mean position of every
	// mesh is the same.
	pos := map[string]int{}
	for i, m := range order {
		pos[m] += i % 3
	}
	if pos["none"] != pos["sidecar"] || pos["sidecar"] != pos["ebpf"] {
		t.Errorf("positions not balanced: %v", pos)
	}
	if !slices.Equal(ms, []string{"none", "sidecar", "ebpf"}) {
		t.Error("Interleave modified its input")
	}
}

func TestBuildExpandsEveryPoint(t *testing.T) {
	sc := &scenarios.Scenario{Name: "s", Placement: scenarios.PlacementBoth, Meshes: []string{"none", "ebpf"},
		Rates: []float64{100, 200}, PayloadBytes: []int{64}, Repeats: 3}
	steps := Build([]*scenarios.Scenario{sc}, nil)
	if len(steps) != 2*2*3*2 {
		t.Fatalf("got %d steps, want 24", len(steps))
	}
	if !NeedsCrossNode(steps) {
		t.Error("placement both must need a cross-node topology")
	}
	points := map[string]int{}
	for _, s := range steps {
		points[s.Point()]++
	}
	if len(points) != 8 {
		t.Errorf("got %d distinct points, want 8: %v", len(points), points)
	}
	for p, n := range points {
		if n != 3 {
			t.Errorf("point %s has %d repeats, want 3", p, n)
		}
	}
	if got := Build([]*scenarios.Scenario{sc}, []string{"none"}); len(got) != 12 {
		t.Errorf("mesh override gave %d steps, want 12", len(got))
	}
}

package plan

import (
	"slices"
	"strings"
	"testing"
	"time"

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
	steps := Build([]*scenarios.Scenario{sc}, nil, 0)
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
	if got := Build([]*scenarios.Scenario{sc}, []string{"none"}, 0); len(got) != 12 {
		t.Errorf("mesh override gave %d steps, want 12", len(got))
	}
}

// TestSeedShufflesPointsOnly: a seed reorders the points, reproducibly, and
// keeps each point's repeats together with the meshes interleaved.
func TestSeedShufflesPointsOnly(t *testing.T) {
	sc := &scenarios.Scenario{Name: "s", Placement: scenarios.PlacementSameNode, Meshes: []string{"none", "sidecar"},
		Rates: []float64{100, 200, 300, 400, 500, 600}, PayloadBytes: []int{64}, Repeats: 2}
	order := func(seed int64) []float64 {
		var rates []float64
		steps := Build([]*scenarios.Scenario{sc}, nil, seed)
		for i := 0; i < len(steps); i += 4 {
			got := []string{steps[i].Mesh, steps[i+1].Mesh, steps[i+2].Mesh, steps[i+3].Mesh}
			if strings.Join(got, " ") != "none sidecar sidecar none" {
				t.Fatalf("seed %d: point %s not interleaved: %v", seed, steps[i].Point(), got)
			}
			if steps[i+3].Rate != steps[i].Rate || steps[i+3].Repeat != 1 {
				t.Fatalf("seed %d: repeats of a point apart", seed)
			}
			rates = append(rates, steps[i].Rate)
		}
		return rates
	}
	if got := order(0); !slices.Equal(got, sc.Rates) {
		t.Errorf("seed 0 reordered: %v", got)
	}
	a, b := order(42), order(42)
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different orders: %v %v", a, b)
	}
	if slices.Equal(a, sc.Rates) && slices.Equal(order(7), sc.Rates) {
		t.Errorf("seeds 42 and 7 both kept the file order")
	}
	sorted := slices.Clone(a)
	slices.Sort(sorted)
	if !slices.Equal(sorted, sc.Rates) {
		t.Errorf("shuffle lost or duplicated points: %v", a)
	}
}

func TestModesAndEstimate(t *testing.T) {
	thr := &scenarios.Scenario{Name: "t", Kind: scenarios.KindThroughput, Knee: &scenarios.Knee{}}
	thr.Normalize()
	stream := &scenarios.Scenario{Name: "s", Kind: scenarios.KindThroughput, Protocol: scenarios.ProtocolStream}
	stream.Normalize()
	churn := &scenarios.Scenario{Name: "c", Kind: scenarios.KindChurn, Rates: []float64{50}}
	churn.Normalize()
	for _, c := range []struct {
		st   Step
		mode string
		est  time.Duration
	}{
		{Step{Scenario: thr}, ModeClosedLoop, 12*time.Second + StepOverhead + 8*(1250+20)*time.Millisecond},
		{Step{Scenario: stream, PayloadBytes: 64}, ModeStream, 12*time.Second + StepOverhead},
		{Step{Scenario: churn, Rate: 50}, ModeOpenLoop, 12*time.Second + StepOverhead},
		{Step{Scenario: churn}, ModeClosedLoop, 12*time.Second + StepOverhead},
	} {
		if got := c.st.Mode(); got != c.mode {
			t.Errorf("%s: mode %s, want %s", c.st.Scenario.Name, got, c.mode)
		}
		if got := Estimate(c.st); got != c.est {
			t.Errorf("%s: estimate %s, want %s", c.st.Scenario.Name, got, c.est)
		}
	}
}

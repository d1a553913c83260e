package runner

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/meshbench/meshbench/bench/plan"
	"github.com/meshbench/meshbench/scenarios"
)

func progressSteps() []plan.Step {
	lat := &scenarios.Scenario{Name: "lat", Rates: []float64{100}, Duration: scenarios.Duration(time.Second)}
	lat.Normalize()
	thr := &scenarios.Scenario{Name: "thr", Kind: scenarios.KindThroughput, Knee: &scenarios.Knee{}}
	thr.Normalize()
	return []plan.Step{{Scenario: lat, Rate: 100}, {Scenario: lat, Rate: 100}, {Scenario: thr}}
}

// TestProgressPlainLines: without a terminal, one line per step, with the
// time left priced by each remaining step's estimate.
func TestProgressPlainLines(t *testing.T) {
	var b bytes.Buffer
	steps := progressSteps()
	p := newProgress(&b, 0, steps)
	p.begin(0, steps[0])
	p.finish(0, "first")
	p.close()
	line := b.String()
	if !strings.HasPrefix(line, "[1/3 ") || !strings.HasSuffix(line, " left] first\n") {
		t.Fatalf("line %q", line)
	}
	// Had the first step taken exactly its estimate, what is left is the
	// other two steps' estimates, the knee search's included.
	p.start = time.Now().Add(-plan.Estimate(steps[0]))
	p.stepAt = time.Now()
	want := plan.Estimate(steps[1]) + plan.Estimate(steps[2])
	if got := p.remaining(); got < want-time.Second || got > want+time.Second {
		t.Errorf("remaining %s, want about %s", got, want)
	}
}

// TestProgressBar: on a terminal the bar carries the count and the time
// left, and finished steps' lines scroll above it.
func TestProgressBar(t *testing.T) {
	var b bytes.Buffer
	steps := progressSteps()
	p := newProgress(&b, 80, steps)
	p.begin(0, steps[0])
	p.finish(0, "first done")
	p.begin(1, steps[1])
	p.close()
	out := b.String()
	for _, want := range []string{"\r\033[K[1/3] first done\n", "1/3 ", " left  lat http", "[###"} {
		if !strings.Contains(out, want) {
			t.Errorf("output %q lacks %q", out, want)
		}
	}
	if !strings.HasSuffix(out, "\r\033[K") {
		t.Errorf("close did not clear the bar: %q", out[max(len(out)-20, 0):])
	}
	for _, l := range strings.Split(out, "\r") {
		if len([]rune(strings.TrimPrefix(l, "\033[K"))) > 80 {
			t.Errorf("line wider than the terminal: %q", l)
		}
	}
}

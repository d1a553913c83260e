// Package plan expands scenarios into the ordered list of measurements a run
// makes: every (placement, payload, rate) point, repeated, with the meshes
// interleaved in a balanced order (A B C, C B A, A B C, ...) so that slow
// drift of the machine spreads evenly over the meshes instead of favouring
// whichever ran first. A seed shuffles the order of the points within each
// scenario, so drift does not line up with rate or size either.
package plan

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/meshbench/meshbench/scenarios"
)

// Step is one measurement: one repeat of one point for one mesh.
type Step struct {
	Scenario     *scenarios.Scenario
	Placement    string
	Mesh         string
	Rate         float64 // 0: closed loop
	PayloadBytes int
	Repeat       int
}

// Point names the (scenario, mesh, placement, payload, rate) a step belongs
// to; repeats of the same point share it.
func (s Step) Point() string {
	return fmt.Sprintf("%s/%s/%s/%dB/%g", s.Scenario.Name, s.Mesh, s.Placement, s.PayloadBytes, s.Rate)
}

// How a step drives its load.
const (
	ModeOpenLoop   = "open-loop"   // a constant rate, latency timed from the schedule
	ModeClosedLoop = "closed-loop" // back to back: the maximum rate
	ModeStream     = "stream"      // a one-way byte stream: bits per second
)

// Mode says how the step drives its load.
func (s Step) Mode() string {
	switch {
	case s.Scenario.Protocol == scenarios.ProtocolStream:
		return ModeStream
	case s.Rate > 0:
		return ModeOpenLoop
	default:
		return ModeClosedLoop
	}
}

// point is one (placement, payload, rate) of a scenario.
type point struct {
	placement string
	size      int
	rate      float64
}

// Build returns the steps for the given scenarios in run order. meshes, when
// not empty, overrides each scenario's own list. Scenarios run in the order
// given; within each, seed shuffles the points (0 keeps the file's order:
// placements, then sizes, then rates). All repeats of a point run together,
// the meshes interleaved.
func Build(scs []*scenarios.Scenario, meshes []string, seed int64) []Step {
	var rng *rand.Rand
	if seed != 0 {
		rng = rand.New(rand.NewPCG(uint64(seed), 0x6d657368))
	}
	var steps []Step
	for _, sc := range scs {
		ms := sc.Meshes
		if len(meshes) > 0 {
			ms = meshes
		}
		var pts []point
		for _, placement := range sc.Placements() {
			for _, size := range sc.PayloadBytes {
				for _, rate := range sc.PointRates() {
					pts = append(pts, point{placement, size, rate})
				}
			}
		}
		if rng != nil {
			rng.Shuffle(len(pts), func(i, j int) { pts[i], pts[j] = pts[j], pts[i] })
		}
		for _, p := range pts {
			for r := range sc.Repeats {
				for _, m := range Interleave(ms, r) {
					steps = append(steps, Step{Scenario: sc, Placement: p.placement, Mesh: m, Rate: p.rate, PayloadBytes: p.size, Repeat: r})
				}
			}
		}
	}
	return steps
}

// Interleave returns the mesh order for a repeat: forward on even repeats,
// reversed on odd ones, so over two repeats every mesh holds every position
// symmetrically.
func Interleave(meshes []string, repeat int) []string {
	out := slices.Clone(meshes)
	if repeat%2 == 1 {
		slices.Reverse(out)
	}
	return out
}

// NeedsCrossNode reports whether any step places client and server on
// different nodes.
func NeedsCrossNode(steps []Step) bool {
	return slices.ContainsFunc(steps, func(s Step) bool { return s.Placement == scenarios.PlacementCrossNode })
}

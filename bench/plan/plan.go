// Package plan expands scenarios into the ordered list of measurements a run
// makes: every (placement, payload, rate) point, repeated, with the meshes
// interleaved in a balanced order (A B C, C B A, A B C, ...) so that slow
// drift of the machine spreads evenly over the meshes instead of favouring
// whichever ran first.
package plan

import (
	"fmt"
	"slices"

	"github.com/meshbench/meshbench/scenarios"
)

// Step is one measurement: one repeat of one point for one mesh.
type Step struct {
	Scenario     *scenarios.Scenario
	Placement    string
	Mesh         string
	Rate         float64
	PayloadBytes int
	Repeat       int
}

// Point names the (scenario, mesh, placement, payload, rate) a step belongs
// to; repeats of the same point share it.
func (s Step) Point() string {
	return fmt.Sprintf("%s/%s/%s/%dB/%g", s.Scenario.Name, s.Mesh, s.Placement, s.PayloadBytes, s.Rate)
}

// Build returns the steps for the given scenarios in run order. meshes, when
// not empty, overrides each scenario's own list.
func Build(scs []*scenarios.Scenario, meshes []string) []Step {
	var steps []Step
	for _, sc := range scs {
		ms := sc.Meshes
		if len(meshes) > 0 {
			ms = meshes
		}
		for _, placement := range sc.Placements() {
			for _, size := range sc.PayloadBytes {
				for _, rate := range sc.Rates {
					for r := range sc.Repeats {
						for _, m := range Interleave(ms, r) {
							steps = append(steps, Step{Scenario: sc, Placement: placement, Mesh: m, Rate: rate, PayloadBytes: size, Repeat: r})
						}
					}
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

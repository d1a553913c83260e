package sample

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/meshbench/meshbench/bench/hist"
	"github.com/meshbench/meshbench/bench/results"
)

// Set is one results file, read for reporting.
type Set struct {
	// Path is the file as it was named on the command line.
	Path   string
	File   *results.File
	Points []*Point
}

// Load reads a results file: the schema version is checked, and every
// result must name its scenario, mesh and placement. Errors name the file
// and the field.
func Load(path string) (*Set, error) {
	f, err := results.Read(path)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var extra struct {
		Results []Extra `json:"results"`
	}
	if err := json.Unmarshal(data, &extra); err != nil {
		return nil, fmt.Errorf("%s: optional fields: %w", path, err)
	}
	s := &Set{Path: path, File: f}
	seen := map[string]int{}
	for i := range f.Results {
		r := &f.Results[i]
		field := func(name string) error {
			return fmt.Errorf("%s: field results[%d].%s: must not be empty", path, i, name)
		}
		switch {
		case r.Scenario == "":
			return nil, field("scenario")
		case r.Mesh == "":
			return nil, field("mesh")
		case r.Placement == "":
			return nil, field("placement")
		}
		if err := checkHistograms(r); err != nil {
			return nil, fmt.Errorf("%s: field results[%d].%w", path, i, err)
		}
		p := &Point{
			Key:  Key{Scenario: r.Scenario, Placement: r.Placement, PayloadBytes: r.PayloadBytes, Rate: r.Rate.Requested},
			Kind: r.Kind, Protocol: r.Protocol, Mesh: r.Mesh, Result: r,
		}
		if i < len(extra.Results) {
			p.Extra = extra.Results[i]
		}
		id := p.Key.String() + " " + p.Mesh
		if j, dup := seen[id]; dup {
			return nil, fmt.Errorf("%s: field results[%d]: %s mesh %s is already results[%d]", path, i, p.Key, p.Mesh, j)
		}
		seen[id] = i
		s.Points = append(s.Points, p)
	}
	return s, nil
}

// Scenarios lists the scenario names of the sets in order of first
// appearance: the scenario records first, then any result whose scenario has
// no record.
func Scenarios(sets ...*Set) []string {
	var names []string
	seen := map[string]bool{}
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	for _, s := range sets {
		for _, sc := range s.File.Scenarios {
			add(sc.Scenario.Name)
		}
		for _, p := range s.Points {
			add(p.Scenario)
		}
	}
	return names
}

// Of returns the points of one scenario across the sets, in file order.
func Of(scenario string, sets ...*Set) []*Point {
	var out []*Point
	for _, s := range sets {
		for _, p := range s.Points {
			if p.Scenario == scenario {
				out = append(out, p)
			}
		}
	}
	return out
}

// Disjoint checks that no point (scenario, placement, size, rate and mesh)
// is in more than one of the sets: a report shows each point once.
func Disjoint(sets ...*Set) error {
	seen := map[string]int{}
	for i, s := range sets {
		for _, p := range s.Points {
			id := p.Key.String() + " mesh " + p.Mesh
			if j, ok := seen[id]; ok && j != i {
				return fmt.Errorf("%s: %s is also in %s; give each point once", s.Path, id, sets[j].Path)
			}
			seen[id] = i
		}
	}
	return nil
}

// checkHistograms decodes the result's histograms, so a corrupt one is
// reported when the file is read, naming its field.
func checkHistograms(r *results.Result) error {
	if r.Histogram != "" {
		if _, err := hist.Decode(r.Histogram); err != nil {
			return fmt.Errorf("histogram: %w", err)
		}
	}
	for j, rep := range r.Repeats {
		if rep.Histogram == "" {
			continue
		}
		if _, err := hist.Decode(rep.Histogram); err != nil {
			return fmt.Errorf("repeats[%d].histogram: %w", j, err)
		}
	}
	return nil
}

package reports

import (
	"cmp"
	"slices"

	"github.com/meshbench/meshbench/reports/sample"
)

// scenario is everything a report shows about one scenario.
type scenario struct {
	Name, Kind, Protocol, Description string
	Points                            []*sample.Point
	Meshes                            []string     // column order: none first
	Keys                              []sample.Key // row order: placement as first run, then size, then rate
}

// knownMeshes fixes the column order of the meshes meshbench has.
var knownMeshes = []string{"none", "sidecar", "ebpf"}

func newScenario(name string, sets []*sample.Set) *scenario {
	sc := &scenario{Name: name, Points: sample.Of(name, sets...)}
	for _, s := range sets {
		for _, rec := range s.File.Scenarios {
			if rec.Scenario.Name == name && sc.Kind == "" {
				sc.Kind, sc.Protocol, sc.Description = rec.Scenario.Kind, rec.Scenario.Protocol, rec.Scenario.Description
			}
		}
	}
	seenKey := map[sample.Key]bool{}
	for _, p := range sc.Points {
		if sc.Kind == "" {
			sc.Kind, sc.Protocol = p.Kind, p.Protocol
		}
		if !slices.Contains(sc.Meshes, p.Mesh) {
			sc.Meshes = append(sc.Meshes, p.Mesh)
		}
		if !seenKey[p.Key] {
			seenKey[p.Key] = true
			sc.Keys = append(sc.Keys, p.Key)
		}
	}
	slices.SortStableFunc(sc.Meshes, func(a, b string) int { return meshRank(a) - meshRank(b) })
	// A seeded run shuffles its points; the tables read in order of size
	// and load within each placement.
	placements := sc.placements()
	slices.SortStableFunc(sc.Keys, func(a, b sample.Key) int {
		return cmp.Or(
			cmp.Compare(slices.Index(placements, a.Placement), slices.Index(placements, b.Placement)),
			cmp.Compare(a.PayloadBytes, b.PayloadBytes),
			cmp.Compare(a.Rate, b.Rate))
	})
	return sc
}

// meshRank orders known meshes first, in their fixed order.
func meshRank(m string) int {
	if i := slices.Index(knownMeshes, m); i >= 0 {
		return i
	}
	return len(knownMeshes)
}

// point returns the point of key and mesh, or nil.
func (sc *scenario) point(k sample.Key, mesh string) *sample.Point {
	for _, p := range sc.Points {
		if p.Key == k && p.Mesh == mesh {
			return p
		}
	}
	return nil
}

// base is the mesh others are compared with: none when it ran.
func (sc *scenario) base() string {
	if slices.Contains(sc.Meshes, "none") {
		return "none"
	}
	if len(sc.Meshes) > 0 {
		return sc.Meshes[0]
	}
	return ""
}

// has reports whether any valid point has samples of the metric.
func (sc *scenario) has(m sample.Metric) bool {
	for _, p := range sc.Points {
		if p.Valid() && len(m.Samples(p)) > 0 {
			return true
		}
	}
	return false
}

// invalid lists the points left out of the charts.
func (sc *scenario) invalid() []string {
	var out []string
	for _, p := range sc.Points {
		if !p.Valid() {
			out = append(out, p.Mesh+" "+p.Label())
		}
	}
	return out
}

// placements lists the distinct placements in order of appearance.
func (sc *scenario) placements() []string {
	var out []string
	for _, k := range sc.Keys {
		if !slices.Contains(out, k.Placement) {
			out = append(out, k.Placement)
		}
	}
	return out
}

func metric(name string) sample.Metric {
	m, _ := sample.MetricByName(name)
	return m
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func sortStrings(s []string) []string {
	slices.Sort(s)
	return s
}

package conformance

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// cell sums up one case on one mesh over its variants.
type cell struct {
	applicable, pass, fallback, fail, notRun int

	// signalling counts the failures that were SignallingOnly.
	signalling int
}

func (r *Report) cell(caseName, mesh string) cell {
	var c cell
	for _, res := range r.Results {
		if res.Case != caseName || res.Mesh != mesh {
			continue
		}
		switch res.Status {
		case StatusNA:
			continue
		case StatusPass:
			c.pass++
		case StatusFallback:
			c.fallback++
		case StatusFail:
			c.fail++
			if res.SignallingOnly {
				c.signalling++
			}
		case StatusNotRun:
			c.notRun++
		}
		c.applicable++
	}
	return c
}

// String is what the matrix shows: "pass", "pass (fallback 1/4)",
// "FAIL 2/4", "FAIL 4/4 (signalling)", "n/a" or "not run".
func (c cell) String() string {
	switch {
	case c.applicable == 0:
		return "n/a"
	case c.fail > 0 && c.fail == c.signalling:
		return fmt.Sprintf("FAIL %d/%d (signalling)", c.fail, c.applicable)
	case c.fail > 0:
		return fmt.Sprintf("FAIL %d/%d", c.fail, c.applicable)
	case c.notRun == c.applicable:
		return "not run"
	case c.notRun > 0:
		return fmt.Sprintf("not run %d/%d", c.notRun, c.applicable)
	case c.fallback == c.applicable:
		return "pass (fallback)"
	case c.fallback > 0:
		return fmt.Sprintf("pass (fallback %d/%d)", c.fallback, c.applicable)
	}
	return "pass"
}

func (r *Report) meshNames() []string {
	names := make([]string, len(r.Meshes))
	for i, m := range r.Meshes {
		names[i] = m.Name
	}
	return names
}

// Matrix writes the case × mesh table, the failures with their reasons,
// the fallbacks and a verdict per mesh, as the CLI prints them.
func (r *Report) Matrix(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "CASE\t%s\n", strings.ToUpper(strings.Join(r.meshNames(), "\t")))
	for _, c := range r.Cases {
		row := []string{c.Name}
		for _, m := range r.meshNames() {
			row = append(row, r.cell(c.Name, m).String())
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, sec := range []struct {
		title  string
		status Status
	}{{"failures", StatusFail}, {"passed only via fallback (the mesh did not carry the traffic)", StatusFallback}} {
		var lines []string
		for _, res := range r.with(sec.status) {
			if r.mesh(res.Mesh).Error != "" {
				continue // said once, in the mesh's verdict
			}
			why := res.Detail
			if why == "" {
				why = evidenceString(res.Evidence)
			}
			lines = append(lines, fmt.Sprintf("  %s %s %s: %s\n", res.Case, res.Mesh, res.Variant(), oneLine(why)))
		}
		if len(lines) > 0 {
			fmt.Fprintf(w, "\n%s:\n%s", sec.title, strings.Join(lines, ""))
		}
	}
	fmt.Fprintln(w)
	for _, m := range r.Meshes {
		fmt.Fprintf(w, "%s: %s\n", m.Name, m.verdict())
	}
	return nil
}

func (m MeshReport) verdict() string {
	s := fmt.Sprintf("%d pass, %d pass via fallback, %d fail, %d n/a", m.Passed, m.Fallback, m.Failed, m.NA)
	switch {
	case m.Error != "":
		return s + " - not installed: " + oneLine(m.Error)
	case m.Conformant:
		return s + " - conformant"
	case m.Publishable:
		return s + " - NOT conformant, in signalling only (an abort arrives as a clean end of stream): its benchmark numbers are published, marked"
	}
	return s + " - NOT conformant"
}

// with lists the results of status s by mesh, then case, in report order.
func (r *Report) with(s Status) []Result {
	var out []Result
	for _, res := range r.Results {
		if res.Status == s {
			out = append(out, res)
		}
	}
	meshes, cases := r.meshNames(), make([]string, len(r.Cases))
	for i, c := range r.Cases {
		cases[i] = c.Name
	}
	slices.SortStableFunc(out, func(a, b Result) int {
		if d := slices.Index(meshes, a.Mesh) - slices.Index(meshes, b.Mesh); d != 0 {
			return d
		}
		return slices.Index(cases, a.Case) - slices.Index(cases, b.Case)
	})
	return out
}

func (r *Report) mesh(name string) MeshReport {
	for _, m := range r.Meshes {
		if m.Name == name {
			return m
		}
	}
	return MeshReport{}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// evidenceString renders evidence sorted by key: "a=1 b=2".
func evidenceString(ev map[string]int64) string {
	parts := make([]string, 0, len(ev))
	for _, k := range slices.Sorted(maps.Keys(ev)) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, ev[k]))
	}
	return strings.Join(parts, " ")
}

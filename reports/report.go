package reports

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/meshbench/meshbench/reports/export"
	"github.com/meshbench/meshbench/reports/sample"
	"github.com/meshbench/meshbench/reports/stats"
)

// Files report writes into its directory.
const (
	MarkdownFile = "report.md"
	HTMLFile     = "report.html"
	BenchFile    = "results.bench.txt"
	SMPFile      = "results.smp.json"
)

// Written lists what Write wrote, paths joined with the directory.
type Written struct {
	Markdown, HTML string
	Plots          []string
	Exports        []string
}

// Write builds the report of the results sets into dir: report.md,
// report.html (self-contained), the charts as PNG and SVG under plots/, and
// the exports (Go benchmark lines and SMP). The same input always gives
// byte-identical files.
func Write(dir string, sets []*sample.Set) (Written, error) {
	var w Written
	if len(sets) == 0 {
		return w, fmt.Errorf("report: no results files")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return w, fmt.Errorf("create report directory: %w", err)
	}
	d := &document{title: "meshbench report"}
	intro(d, sets)
	var scs []*scenario
	for _, name := range sample.Scenarios(sets...) {
		scs = append(scs, newScenario(name, sets))
	}
	if g, ok := glance(scs); ok {
		d.add(heading{2, "At a glance"},
			para{fmt.Sprintf("Each cell: the geometric mean over a scenario's points of the change against the base mesh, and in how many points the change is significant (Mann-Whitney U test, p < %g). ~ marks no significant change. Details and confidence intervals are in each scenario's tables.", stats.Alpha)},
			g)
		if n := fewestRepeats(scs); n > 0 && n < stats.MinSamplesToDetect() {
			d.add(para{fmt.Sprintf("Caution: some points have only %d repeat(s), too few for any difference to be significant (that takes at least %d repeats a side; the default 5 is better). Read their changes as indications only; rerun without --quick for conclusions.",
				n, stats.MinSamplesToDetect())})
		}
	} else {
		d.add(para{"Only one mesh was measured, so this report compares nothing; run with several meshes (--mesh) to compare them."})
	}
	for _, sc := range scs {
		figs, err := drawCharts(sc, dir)
		if err != nil {
			return w, err
		}
		for _, f := range figs {
			w.Plots = append(w.Plots, filepath.Join(dir, f.PNG), filepath.Join(dir, f.SVG))
		}
		scenarioSection(d, sc, figs)
	}
	environment(d, sets)
	var md, page bytes.Buffer
	if err := writeMarkdown(&md, d); err != nil {
		return w, err
	}
	if err := writeHTML(&page, d, dir); err != nil {
		return w, err
	}
	w.Markdown, w.HTML = filepath.Join(dir, MarkdownFile), filepath.Join(dir, HTMLFile)
	if err := writeFiles(map[string][]byte{w.Markdown: md.Bytes(), w.HTML: page.Bytes()}); err != nil {
		return w, err
	}
	ex, err := writeExports(dir, sets)
	w.Exports = ex
	return w, err
}

// intro names the inputs and what they hold.
func intro(d *document, sets []*sample.Set) {
	var items []string
	for _, s := range sets {
		meshes := map[string]bool{}
		invalid := 0
		for _, p := range s.Points {
			meshes[p.Mesh] = true
			if !p.Valid() {
				invalid++
			}
		}
		item := fmt.Sprintf("%s: %d scenario(s), %d result(s), meshes %s", s.Path, len(sample.Scenarios(s)), len(s.Points), strings.Join(sortedMeshes(meshes), ", "))
		if invalid > 0 {
			item += fmt.Sprintf(", %d invalid (never shown as valid)", invalid)
		}
		items = append(items, item)
	}
	d.add(bullets{items})
	var warn []string
	for _, s := range sets {
		warn = append(warn, s.File.Warnings...)
	}
	if len(warn) > 0 {
		d.add(heading{2, "Run warnings"}, bullets{warn})
	}
}

func sortedMeshes(set map[string]bool) []string {
	var out []string
	for _, m := range knownMeshes {
		if set[m] {
			out = append(out, m)
		}
	}
	var others []string
	for m := range set {
		if meshRank(m) == len(knownMeshes) {
			others = append(others, m)
		}
	}
	return append(out, sortStrings(others)...)
}

// scenarioSection adds a scenario's description, charts and tables.
func scenarioSection(d *document, sc *scenario, figs []figure) {
	d.add(heading{2, "Scenario " + sc.Name})
	desc := fmt.Sprintf("Kind %s, protocol %s, meshes %s.", sc.Kind, sc.Protocol, strings.Join(sc.Meshes, ", "))
	if sc.Description != "" {
		desc = sc.Description + ". " + desc
	}
	d.add(para{desc})
	for _, f := range figs {
		d.add(image{caption: f.Caption, png: f.PNG, svg: f.SVG})
	}
	tables, notes := summaryTables(sc)
	if len(tables) == 0 {
		return
	}
	d.add(heading{3, "Summary"}, para{fmt.Sprintf("Median over repeats ± the %g%% confidence interval of the median; each mesh against %s with the p-value of a Mann-Whitney U test and the number of repeats; ~ where the difference is not significant.",
		100*stats.Confidence, sc.base())})
	for _, t := range tables {
		d.add(benchTable{t})
	}
	if len(notes.List()) > 0 {
		d.add(footnotes{notes})
	}
}

// writeExports writes the Go benchmark lines of all sets and the SMP
// document of each (numbered when there are several).
func writeExports(dir string, sets []*sample.Set) ([]string, error) {
	files := map[string][]byte{}
	var b bytes.Buffer
	if err := export.WriteBench(&b, sets...); err != nil {
		return nil, err
	}
	files[filepath.Join(dir, BenchFile)] = b.Bytes()
	for i, s := range sets {
		var sb bytes.Buffer
		if err := export.WriteSMP(&sb, s); err != nil {
			return nil, err
		}
		name := SMPFile
		if len(sets) > 1 {
			name = fmt.Sprintf("results-%d.smp.json", i+1)
		}
		files[filepath.Join(dir, name)] = sb.Bytes()
	}
	var paths []string
	for p := range files {
		paths = append(paths, p)
	}
	return sortStrings(paths), writeFiles(files)
}

func writeFiles(files map[string][]byte) error {
	for _, p := range sortStrings(keys(files)) {
		if err := os.WriteFile(p, files[p], 0o644); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	}
	return nil
}

package conformance

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Markdown writes the report as a Markdown document: the matrix, the
// verdicts, every failure and fallback with its evidence, the meshes as
// installed, the cases and every result.
func (r *Report) Markdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# meshbench conformance\n\n")
	fmt.Fprintf(bw, "Kernel %s, %s, commit %s, cluster %s, %s, %.0f s.",
		r.Env.Kernel, r.Env.Go, r.Env.Commit, r.Cluster, r.Started.UTC().Format("2006-01-02 15:04 UTC"), r.Seconds)
	if r.Interrupted {
		fmt.Fprint(bw, " **Interrupted**: cases not run count as not conformant.")
	}
	fmt.Fprintf(bw, "\n\n| case | %s |\n|---|%s\n", strings.Join(r.meshNames(), " | "), strings.Repeat("---|", len(r.Meshes)))
	for _, c := range r.Cases {
		row := []string{c.Name}
		for _, m := range r.meshNames() {
			row = append(row, r.cell(c.Name, m).String())
		}
		fmt.Fprintf(bw, "| %s |\n", strings.Join(row, " | "))
	}
	fmt.Fprintln(bw)
	for _, m := range r.Meshes {
		fmt.Fprintf(bw, "- **%s**: %s\n", m.Name, m.verdict())
	}
	for _, sec := range []struct {
		title  string
		status Status
	}{{"Failures", StatusFail}, {"Passed only via fallback", StatusFallback}} {
		var list []Result
		for _, res := range r.with(sec.status) {
			if r.mesh(res.Mesh).Error == "" {
				list = append(list, res)
			}
		}
		if len(list) == 0 {
			continue
		}
		fmt.Fprintf(bw, "\n## %s\n\n| case | mesh | variant | detail | evidence |\n|---|---|---|---|---|\n", sec.title)
		for _, res := range list {
			fmt.Fprintf(bw, "| %s | %s | %s | %s | %s |\n", res.Case, res.Mesh, res.Variant(), mdCell(res.Detail), mdCell(evidenceString(res.Evidence)))
		}
	}
	fmt.Fprintf(bw, "\n## Meshes\n\n")
	for _, m := range r.Meshes {
		fmt.Fprintf(bw, "- **%s**", m.Name)
		if m.Error != "" {
			fmt.Fprintf(bw, " (not installed: %s)", mdCell(m.Error))
		}
		for _, k := range slices.Sorted(maps.Keys(m.Info)) {
			fmt.Fprintf(bw, "\n  - %s: %s", k, mdCell(m.Info[k]))
		}
		fmt.Fprintln(bw)
	}
	fmt.Fprintf(bw, "\n## Cases\n\n| case | checks | if it broke, a user would see |\n|---|---|---|\n")
	for _, c := range r.Cases {
		fmt.Fprintf(bw, "| %s | %s | %s |\n", c.Name, mdCell(c.Checks), mdCell(c.Breaks))
	}
	fmt.Fprintf(bw, "\n## All results\n\n| case | mesh | variant | status | path | s | detail | evidence |\n|---|---|---|---|---|---|---|---|\n")
	for _, res := range r.Results {
		fmt.Fprintf(bw, "| %s | %s | %s | %s | %s | %.2f | %s | %s |\n", res.Case, res.Mesh, res.Variant(), res.Status,
			res.Path, res.Seconds, mdCell(res.Detail), mdCell(evidenceString(res.Evidence)))
	}
	return bw.Flush()
}

func mdCell(s string) string { return strings.ReplaceAll(oneLine(s), "|", `\|`) }

// Files the report is written to, in the output directory.
const (
	JSONFile     = "conformance.json"
	MarkdownFile = "conformance.md"
)

// WriteFiles writes dir/conformance.json and dir/conformance.md and
// returns their paths.
func (r *Report) WriteFiles(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create output directory: %w", err)
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", JSONFile, err)
	}
	jsonPath := filepath.Join(dir, JSONFile)
	if err := os.WriteFile(jsonPath, append(js, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("write %s: %w", jsonPath, err)
	}
	mdPath := filepath.Join(dir, MarkdownFile)
	f, err := os.Create(mdPath)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", mdPath, err)
	}
	if err := errors.Join(r.Markdown(f), f.Close()); err != nil {
		return nil, fmt.Errorf("write %s: %w", mdPath, err)
	}
	return []string{jsonPath, mdPath}, nil
}

// ReadReport reads a conformance.json, for gates that refuse to publish
// numbers of a mesh that failed conformance.
func ReadReport(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read conformance report: %w", err)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if r.Schema != Schema {
		return nil, fmt.Errorf("%s: schema %q, want %q", path, r.Schema, Schema)
	}
	return &r, nil
}

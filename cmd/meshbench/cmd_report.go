package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/meshbench/meshbench/reports"
	"github.com/meshbench/meshbench/reports/export"
	"github.com/meshbench/meshbench/reports/sample"
)

type reportFlags struct {
	out    string
	format string
}

// Report formats: the whole report into a directory, or one export to
// standard output.
const (
	formatReport    = "report"
	formatBenchstat = "benchstat"
	formatSMP       = "smp"
)

func newReportCommand() *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use:   "report RESULTS.json...",
		Short: "Write report.md, a self-contained report.html, charts and exports from results files",
		Long: `report reads one or more results files (several when meshes ran separately)
and writes into --out (default: the first file's directory):

  report.md, report.html   summary tables in benchstat style (median ± 95% CI per
                           mesh, change against none, Mann-Whitney p-value, ~ where
                           not significant), charts, environment, reproduce command
  plots/*.png, plots/*.svg latency spectrum, latency vs load, throughput, CPU and
                           memory by component, connections/s, as the kinds allow
  results.bench.txt        Go benchmark format: benchstat old.txt new.txt
  results.smp.json         Service Mesh Performance (SMP) results

--format benchstat or --format smp prints only that export to standard output.
The same input always gives byte-identical files.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sets, err := loadResults(args)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch f.format {
			case formatReport:
				dir := f.out
				if dir == "" {
					dir = filepath.Dir(args[0])
				}
				return writeReport(out, dir, sets)
			case formatBenchstat:
				return export.WriteBench(out, sets...)
			case formatSMP:
				if len(sets) != 1 {
					return badInputf("--format smp: give one results file, got %d", len(sets))
				}
				return export.WriteSMP(out, sets[0])
			}
			return badInputf("--format: %q is not one of %s, %s, %s", f.format, formatReport, formatBenchstat, formatSMP)
		},
	}
	cmd.Flags().StringVar(&f.out, "out", "", "directory for the report (default: the first results file's directory)")
	cmd.Flags().StringVar(&f.format, "format", formatReport, "report (files in --out), benchstat or smp (to standard output)")
	return cmd
}

// loadResults reads results files; any problem is bad input (exit 2) naming
// the file.
func loadResults(paths []string) ([]*sample.Set, error) {
	var sets []*sample.Set
	for _, p := range paths {
		s, err := sample.Load(p)
		if err != nil {
			return nil, badInput(err)
		}
		sets = append(sets, s)
	}
	if err := sample.Disjoint(sets...); err != nil {
		return nil, badInput(err)
	}
	return sets, nil
}

// writeReport writes the report into dir and says where to open it.
func writeReport(out io.Writer, dir string, sets []*sample.Set) error {
	w, err := reports.Write(dir, sets)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "report:  %s\n", w.Markdown)
	if abs, err := filepath.Abs(w.HTML); err == nil {
		fmt.Fprintf(out, "open:    file://%s\n", abs)
	}
	return nil
}

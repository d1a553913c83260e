package reports

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/meshbench/meshbench/bench/hist"
	"github.com/meshbench/meshbench/bench/results"
	"github.com/meshbench/meshbench/reports/plot"
)

// seriesLabel names a result's line on a chart.
func seriesLabel(r results.Result) string {
	return fmt.Sprintf("%s %s %dB @%g/s", r.Mesh, r.Placement, r.PayloadBytes, r.Rate.Requested)
}

// LatencyPlots draws one latency percentile spectrum per scenario, one line
// per valid result, into dir. Invalid results are left off the chart: their
// evidence did not match their mesh, so drawing them would mislead.
func LatencyPlots(f *results.File, dir string) ([]string, error) {
	var paths []string
	for _, sc := range f.Scenarios {
		var series []plot.Series
		for _, r := range f.Results {
			if r.Scenario != sc.Scenario.Name || !r.Valid {
				continue
			}
			h, err := hist.Decode(r.Histogram)
			if err != nil {
				return paths, fmt.Errorf("result %s %s: %w", r.Scenario, seriesLabel(r), err)
			}
			s := plot.Series{Label: seriesLabel(r)}
			for _, pt := range hist.Spectrum(h) {
				s.Points = append(s.Points, plot.Point{Percentile: pt.Percentile, LatencyUS: pt.Value})
			}
			series = append(series, s)
		}
		if len(series) == 0 {
			continue
		}
		title := fmt.Sprintf("%s (%s): latency by percentile, CO-corrected", sc.Scenario.Name, sc.Scenario.Protocol)
		written, err := plot.Spectrum(dir, sc.Scenario.Name+"-latency-spectrum", title, series)
		paths = append(paths, written...)
		if err != nil {
			return paths, err
		}
	}
	return paths, nil
}

// WriteHistograms writes every repeat's raw latency histogram as an
// HdrHistogram percentile distribution (.hgrm, values in microseconds).
func WriteHistograms(f *results.File, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create histogram directory: %w", err)
	}
	for _, r := range f.Results {
		for _, rep := range r.Repeats {
			h, err := hist.Decode(rep.Histogram)
			if err != nil {
				return fmt.Errorf("result %s %s repeat %d: %w", r.Scenario, seriesLabel(r), rep.Index+1, err)
			}
			name := fmt.Sprintf("%s-%s-%s-%dB-%g-r%d.hgrm", r.Scenario, r.Mesh, r.Placement, r.PayloadBytes, r.Rate.Requested, rep.Index+1)
			out, err := os.Create(filepath.Join(dir, name))
			if err != nil {
				return err
			}
			_, err = h.PercentilesPrint(out, 5, 1000)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("write %s: %w", name, err)
			}
		}
	}
	return nil
}

package reports

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/meshbench/meshbench/bench/hist"
	"github.com/meshbench/meshbench/bench/results"
)

// WriteHistograms writes every repeat's raw latency histogram as an
// HdrHistogram percentile distribution (.hgrm, values in microseconds) that
// HdrHistogram's own plotter reads. Repeats without a histogram (kinds that
// measure no latency) are skipped.
func WriteHistograms(f *results.File, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create histogram directory: %w", err)
	}
	for _, r := range f.Results {
		for _, rep := range r.Repeats {
			if rep.Histogram == "" {
				continue
			}
			name := fmt.Sprintf("%s-%s-%s-%dB-%g-r%d.hgrm", r.Scenario, r.Mesh, r.Placement, r.PayloadBytes, r.Rate.Requested, rep.Index+1)
			h, err := hist.Decode(rep.Histogram)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			out, err := os.Create(filepath.Join(dir, name))
			if err != nil {
				return fmt.Errorf("write histogram: %w", err)
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

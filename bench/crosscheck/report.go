package crosscheck

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"

	reportsample "github.com/meshbench/meshbench/reports/sample"
)

// JSONFile is the report's file name in the output directory.
const JSONFile = "crosscheck.json"

// Table writes one line per comparison: medians, the difference and
// whether it is within the tolerance.
func (r *Report) Table(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "PLACEMENT\tMETRIC\tTOOL\tTOOL MEDIAN\tMESHBENCH MEDIAN\tDIFF\tWITHIN %.0f%%\tMESHBENCH VS KERNEL\n", 100*r.Tolerance)
	for _, c := range r.Comparisons {
		metric, tool, mb := "HTTP req/s", fmt.Sprintf("%.0f", c.ToolMedian), fmt.Sprintf("%.0f", c.MeshbenchMedian)
		if c.Metric == MetricStream {
			metric = "stream " + reportsample.Bytes(c.Size)
			tool, mb = fmt.Sprintf("%.2f Gbit/s", c.ToolMedian/1e9), fmt.Sprintf("%.2f Gbit/s", c.MeshbenchMedian/1e9)
		}
		agrees := "yes"
		if !c.Agrees {
			agrees = "NO"
		}
		kernel := "-"
		if len(c.KernelValues) > 0 {
			kernel = fmt.Sprintf("%+.1f%%", 100*c.KernelDiff)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%+.1f%%\t%s\t%s\n", c.Placement, metric, c.Tool, tool, mb, 100*c.Diff, agrees, kernel)
	}
	return tw.Flush()
}

// WriteFile writes the report as dir/crosscheck.json and returns the path.
func (r *Report) WriteFile(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create output directory: %w", err)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, JSONFile)
	if err := os.WriteFile(p, append(b, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("write %s: %w", p, err)
	}
	return p, nil
}

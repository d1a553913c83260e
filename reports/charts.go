package reports

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/meshbench/meshbench/reports/plot"
)

// chart is one figure a scenario may have. build returns nil when the
// scenario has no data for it, so a kind's list can name every chart that
// could apply and missing data simply yields no chart.
type chart struct {
	name    string // file name suffix: smoke-latency-spectrum.png
	caption string // what the report says the figure shows
	build   func(sc *scenario) (*plot.Figure, error)
}

var (
	spectrumChart   = chart{"latency-spectrum", "Latency by percentile, corrected for coordinated omission", spectrumFigure}
	loadChart       = chart{"latency-vs-load", "Latency as offered load grows", loadFigure}
	throughputChart = chart{"throughput", "Stream throughput by message size", throughputFigure}
	maxRateChart    = chart{"max-rate", "Maximum request rate (closed loop)", maxRateFigure}
	churnChart      = chart{"churn", "New connections per second", churnFigure}
	cpuChart        = chart{"cpu", "CPU per 1,000 requests/s by component", cpuFigure}
	memoryChart     = chart{"memory", "Resident memory per pod", memoryFigure}
)

// chartsByKind chooses and orders the charts of each scenario kind; kinds
// not listed get every chart their data allows.
var chartsByKind = map[string][]chart{
	"latency":    {spectrumChart, loadChart, cpuChart, memoryChart},
	"throughput": {throughputChart, maxRateChart, spectrumChart, loadChart, cpuChart, memoryChart},
	"cpu":        {cpuChart, memoryChart, spectrumChart, loadChart},
	"churn":      {churnChart, spectrumChart, cpuChart, memoryChart},
}

var allCharts = []chart{spectrumChart, loadChart, throughputChart, maxRateChart, churnChart, cpuChart, memoryChart}

// figure is a chart drawn for a scenario.
type figure struct {
	Caption  string
	PNG, SVG string // paths relative to the report directory
}

// drawCharts draws every chart the scenario's kind and data allow into
// dir/plots and returns them in order.
func drawCharts(sc *scenario, dir string) ([]figure, error) {
	charts, ok := chartsByKind[sc.Kind]
	if !ok {
		charts = allCharts
	}
	var figs []figure
	for _, c := range charts {
		f, err := c.build(sc)
		if err != nil {
			return figs, fmt.Errorf("scenario %s: chart %s: %w", sc.Name, c.name, err)
		}
		if f == nil || len(f.Panels) == 0 {
			continue
		}
		name := fileName(sc.Name) + "-" + c.name
		if _, err := f.Save(filepath.Join(dir, "plots"), name); err != nil {
			return figs, err
		}
		figs = append(figs, figure{Caption: c.caption, PNG: "plots/" + name + ".png", SVG: "plots/" + name + ".svg"})
	}
	return figs, nil
}

// fileName keeps a scenario name safe as a file name.
func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ' ' || r == ':' {
			return '_'
		}
		return r
	}, s)
}

// leftOut is the figure note naming the invalid points a chart omits.
func leftOut(sc *scenario, note string) string {
	if bad := sc.invalid(); len(bad) > 0 {
		return strings.TrimSpace(note + "  Left out as invalid: " + strings.Join(bad, ", ") + ".")
	}
	return note
}

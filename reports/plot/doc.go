// Package plot draws meshbench's charts with gonum.org/v1/plot: latency
// spectra with the spread over repeats, curves with error bars (latency vs
// offered load, throughput by message size) and stacked bars (CPU and memory
// by component). A chart file is a Figure: a title, one shared legend and a
// grid of panels.
//
// Output is deterministic: the same input always gives byte-identical PNG
// and SVG files (fixed fonts, fixed colours per mesh and component, series
// drawn in the order given, no timestamps).
package plot

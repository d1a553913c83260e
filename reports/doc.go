// Package reports turns a results file into what people read: plots drawn
// with gonum.org/v1/plot (in reports/plot) and the raw histograms as HdrHistogram
// percentile files (.hgrm) that HdrHistogram's own plotter reads.
package reports

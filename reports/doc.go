// Package reports turns results files into what people read: report.md and
// a self-contained report.html with, per scenario, the charts its kind and
// data allow (drawn by reports/plot), benchstat-style summary tables
// (reports/table, with the statistics of reports/stats), the environment
// fingerprint and the command that reproduces the run; plus the exports of
// reports/export and the raw histograms as HdrHistogram percentile files.
// Comparing two results files and gating on regressions is reports/gate.
package reports

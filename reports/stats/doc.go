// Package stats holds the statistics meshbench reports and gates use, in the
// manner of benchstat: the median of a small sample with a distribution-free
// confidence interval, and the Mann-Whitney U test between two samples.
// Neither assumes the samples are normally distributed; benchmark samples
// rarely are.
package stats

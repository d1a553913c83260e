// Package sample reads results files the way reports, compare and exports
// need them: each measured point (scenario, placement, payload, rate) per
// mesh, with the per-repeat values of every metric. Statistics across repeats
// use these per-repeat values, so n is the number of repeats.
//
// Besides the fields of results.File it reads a few optional fields that the
// throughput and churn scenario kinds add, per repeat and per result:
//
//	max_rps            closed-loop maximum requests per second
//	bits_per_s         stream throughput in bits per second
//	connections_per_s  new connections per second (churn)
//	knee_rps           (result only) the saturation knee found by search
//
// A field that is absent simply yields no samples, and so no chart and no
// table row.
package sample

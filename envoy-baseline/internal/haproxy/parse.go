package haproxy

import (
	"io"
)

// ParseCounters sums HAProxy's CSV statistics, as `show stat` on the stats
// socket or a stats page's ";csv" answer them, into Counters. Columns are
// found by the header's names, so a copy cut down to the columns Counters
// reads (pxname, svname, stot, bin, bout, req_tot, connect) parses the same.
func ParseCounters(r io.Reader) (Counters, error) {
	rows, err := parseStat(r)
	if err != nil {
		return Counters{}, err
	}
	return countersFrom(rows), nil
}

package sample

import (
	"fmt"
	"strconv"

	"github.com/meshbench/meshbench/bench/results"
)

// Key identifies a measured point independently of its mesh, so the same
// point can be compared across meshes and across results files.
type Key struct {
	Scenario     string
	Placement    string
	PayloadBytes int
	// Rate is the requested open-loop rate in requests/s, 0 when the
	// scenario kind drives load closed-loop.
	Rate float64
}

// Label names the point within its scenario: "same-node 1KiB @1000/s".
func (k Key) Label() string {
	s := k.Placement + " " + Bytes(k.PayloadBytes)
	if k.Rate > 0 {
		s += " @" + strconv.FormatFloat(k.Rate, 'g', -1, 64) + "/s"
	}
	return s
}

// String names the point fully: "tcp-latency same-node 1KiB @1000/s".
func (k Key) String() string { return k.Scenario + " " + k.Label() }

// Bytes writes a message size compactly: 64B, 1KiB, 64KiB, 1MiB, 1500B.
func Bytes(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	default:
		return fmt.Sprintf("%dB", n)
	}
}

// Point is one result of a results file: a key, a mesh, and its repeats.
type Point struct {
	Key
	Kind     string
	Protocol string
	Mesh     string
	// Result is the point as the results file holds it.
	Result *results.Result
	// Extra holds the optional fields of the result and of each repeat
	// (Extra.Repeats[i] belongs to Result.Repeats[i]).
	Extra Extra
}

// Valid reports whether the point's evidence matched its mesh. An invalid
// point is never shown or compared as if it were valid.
func (p *Point) Valid() bool { return p.Result.Valid }

// Warnings returns the result's warnings.
func (p *Point) Warnings() []string { return p.Result.Warnings }

// Extra holds the optional fields of a result (see the package doc).
type Extra struct {
	Optional
	KneeRPS *float64   `json:"knee_rps"`
	Repeats []Optional `json:"repeats"`
}

// Optional is the set of optional per-repeat (and per-result) values.
type Optional struct {
	MaxRPS          *float64 `json:"max_rps"`
	BitsPerS        *float64 `json:"bits_per_s"`
	ConnectionsPerS *float64 `json:"connections_per_s"`
}

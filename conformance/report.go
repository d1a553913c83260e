package conformance

import (
	"fmt"
	"strings"
	"time"

	"github.com/meshbench/meshbench/bench/fingerprint"
)

// Schema names the conformance.json format; changing a field changes it.
const Schema = "meshbench/conformance/v1"

// Status is the verdict of one run of a case.
type Status string

// Statuses. Only StatusFail fails the suite; StatusFallback is a pass that
// proves nothing about the mesh, and says so.
const (
	StatusPass     Status = "pass"     // correct, and the mesh carried the traffic
	StatusFallback Status = "fallback" // correct, but the mesh did not carry it
	StatusFail     Status = "fail"
	StatusNA       Status = "n/a" // the case does not apply to this mesh or variant
	StatusNotRun   Status = "not run"
)

// Report is everything one conformance run found.
type Report struct {
	Schema      string          `json:"schema"`
	Env         fingerprint.Env `json:"env"`
	Command     string          `json:"command,omitempty"`
	Cluster     string          `json:"cluster"`
	Started     time.Time       `json:"started"`
	Seconds     float64         `json:"seconds"`
	Interrupted bool            `json:"interrupted,omitempty"`
	Meshes      []MeshReport    `json:"meshes"`
	Cases       []CaseInfo      `json:"cases"`
	Results     []Result        `json:"results"`
}

// MeshReport describes one mesh as installed, and its totals.
type MeshReport struct {
	Name string `json:"name"`
	// Info is the mesh's own description: proxy and version, probe mode,
	// the kernel self-test's findings, warnings.
	Info map[string]string `json:"info,omitempty"`
	// Error is why the mesh could not be installed (every case then fails).
	Error    string `json:"error,omitempty"`
	Passed   int    `json:"passed"`
	Fallback int    `json:"fallback"`
	Failed   int    `json:"failed"`
	NA       int    `json:"not_applicable"`
	// Conformant is true when no case failed.
	Conformant bool `json:"conformant"`
	// Publishable is true when the mesh was installed and every failure
	// is SignallingOnly: its benchmark numbers may be published, each
	// marked with the deviation (see Report.Verdict).
	Publishable bool `json:"publishable"`
}

// CaseInfo documents a case in the report.
type CaseInfo struct {
	Name   string `json:"name"`
	Checks string `json:"checks"`
	Breaks string `json:"if_broken"` // what a user would see
}

// Result is one case on one mesh in one variant.
type Result struct {
	Case      string  `json:"case"`
	Mesh      string  `json:"mesh"`
	Placement string  `json:"placement"` // same-node or cross-node
	Family    string  `json:"family"`    // ipv4 or ipv6
	Status    Status  `json:"status"`
	Detail    string  `json:"detail,omitempty"` // why it failed, or what it noticed
	Seconds   float64 `json:"seconds"`
	// Evidence is what the mesh counted during the run (deltas), plus
	// what the case measured itself.
	Evidence map[string]int64 `json:"evidence,omitempty"`
	// Path says what carried the traffic: "redirect", "fast path",
	// "proxies", "kernel" (mesh none) or "fallback".
	Path string `json:"path,omitempty"`
	// SignallingOnly marks a failure in how an end of stream was reported
	// (an abort seen as a clean EOF) while every byte arrived as sent.
	SignallingOnly bool `json:"signalling_only,omitempty"`
}

// Variant names the result's placement and family, e.g. "same-node/ipv4".
func (r Result) Variant() string { return r.Placement + "/" + r.Family }

// Failed reports whether any result failed.
func (r *Report) Failed() bool {
	for _, res := range r.Results {
		if res.Status == StatusFail {
			return true
		}
	}
	return false
}

// FailedMeshes lists the meshes with at least one failed case, in order.
func (r *Report) FailedMeshes() []string {
	var out []string
	for _, m := range r.Meshes {
		if !m.Conformant {
			out = append(out, m.Name)
		}
	}
	return out
}

// tally fills the meshes' totals from the results.
func (r *Report) tally() {
	for i := range r.Meshes {
		m := &r.Meshes[i]
		m.Passed, m.Fallback, m.Failed, m.NA = 0, 0, 0, 0
		hard := 0
		for _, res := range r.Results {
			if res.Mesh != m.Name {
				continue
			}
			switch res.Status {
			case StatusPass:
				m.Passed++
			case StatusFallback:
				m.Fallback++
			case StatusFail:
				m.Failed++
				if !res.SignallingOnly {
					hard++
				}
			case StatusNA:
				m.NA++
			}
		}
		m.Conformant = m.Failed == 0 && m.Error == "" && !r.Interrupted
		m.Publishable = hard == 0 && m.Error == "" && !r.Interrupted
	}
}

// Verdict says whether the benchmark numbers of mesh may be published on
// the strength of this report and, in one line a benchmark report can
// print as a warning, why not, or what they must carry.
//
// A mesh that failed a case may not publish, with one exception: a
// failure marked SignallingOnly (an abort that reached the peer as a
// clean end of stream, every byte having arrived) is a real deviation
// users must know about, but it cannot change what the benchmarks
// measure, since none of them aborts a connection. Such a mesh publishes,
// and why names the deviation so every result carries it. Proxies are the
// usual case: HAProxy 2.6 forwards a server's RST as a FIN, as Envoy's
// tcp_proxy and ztunnel long did.
func (r *Report) Verdict(mesh string) (ok bool, why string) {
	m := r.mesh(mesh)
	switch {
	case m.Name == "":
		return false, fmt.Sprintf("mesh %s was not checked by this conformance run", mesh)
	case m.Error != "":
		return false, fmt.Sprintf("mesh %s could not be installed for conformance: %s", mesh, oneLine(m.Error))
	case r.Interrupted:
		return false, "the conformance run was interrupted"
	}
	// The failed cases in report order with their variants; hard when
	// any failure touched the bytes.
	var cases []string
	variants := map[string][]string{}
	hard := false
	for _, res := range r.with(StatusFail) {
		if res.Mesh != mesh {
			continue
		}
		if variants[res.Case] == nil {
			cases = append(cases, res.Case)
		}
		variants[res.Case] = append(variants[res.Case], res.Variant())
		hard = hard || !res.SignallingOnly
	}
	list := make([]string, len(cases))
	for i, c := range cases {
		list[i] = fmt.Sprintf("%s (%s)", c, strings.Join(variants[c], ", "))
	}
	switch {
	case hard:
		return false, fmt.Sprintf("mesh %s failed conformance: %s", mesh, strings.Join(list, "; "))
	case len(cases) > 0:
		return true, fmt.Sprintf("mesh %s deviates from conformance in signalling only: %s: an abort reaches the peer as a clean end of stream; no benchmark aborts a connection, so its numbers stand", mesh, strings.Join(list, "; "))
	}
	return true, ""
}

// Mismatch says why results measured in env cannot lean on this report
// (another kernel, CPU or meshbench build), or "" when they can.
func (r *Report) Mismatch(env fingerprint.Env) string {
	var diffs []string
	for _, f := range []struct{ what, here, there string }{
		{"kernel", env.Kernel, r.Env.Kernel}, {"CPU", env.CPU, r.Env.CPU}, {"commit", env.Commit, r.Env.Commit},
	} {
		if f.here != f.there {
			diffs = append(diffs, fmt.Sprintf("%s %q, conformance ran on %q", f.what, f.here, f.there))
		}
	}
	// A build from a modified tree is the same build only if it is the same
	// binary: the commit alone does not say what was changed.
	if (env.Dirty || r.Env.Dirty) && (env.BinarySHA256 == "" || env.BinarySHA256 != r.Env.BinarySHA256) {
		diffs = append(diffs, "a different build from a modified tree")
	}
	return strings.Join(diffs, "; ")
}

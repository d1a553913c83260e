package conformance

import (
	"bytes"
	"github.com/meshbench/meshbench/internal/golden"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meshbench/meshbench/bench/fingerprint"
)

// sampleReport has every status a cell can sum up: all pass, a failure,
// fallbacks, n/a, not run, and a mesh that could not be installed.
func sampleReport() *Report {
	r := &Report{
		Schema: Schema, Cluster: "conformance", Seconds: 41.5,
		Started: time.Date(2026, 11, 24, 17, 0, 0, 0, time.UTC),
		Env:     fingerprint.Env{Kernel: "6.18.44", Go: "go1.26.8", Commit: "f5d9707"},
		Cases: []CaseInfo{
			{Name: "ordering", Checks: "frames in order", Breaks: "responses reach the wrong connection"},
			{Name: "splice-relay", Checks: "io.Copy relay | splice", Breaks: "Go proxies hang"},
			{Name: "policy", Checks: "denied pairs refused", Breaks: "denied workloads talk"},
		},
		Meshes: []MeshReport{
			{Name: "none", Info: map[string]string{"bpf_programs_on_pods": "0"}},
			{Name: "ebpf", Info: map[string]string{"probe": "no-splice", "selftest splice": "FAILED: never sees them"}},
			{Name: "sidecar", Error: "install haproxy sidecars: haproxy: not found"},
		},
	}
	add := func(cs, mesh, placement, family string, st Status, path, detail string, ev map[string]int64) {
		r.Results = append(r.Results, Result{Case: cs, Mesh: mesh, Placement: placement, Family: family,
			Status: st, Path: path, Detail: detail, Evidence: ev, Seconds: 0.25})
	}
	for _, p := range []string{"same-node", "cross-node"} {
		for _, f := range []string{"ipv4", "ipv6"} {
			add("ordering", "none", p, f, StatusPass, pathKernel, "", nil)
			add("splice-relay", "none", p, f, StatusPass, pathKernel, "", nil)
			add("policy", "none", p, f, StatusNA, "", "no policy in this mesh", nil)
			st, path := StatusPass, pathRedirect
			if p == "cross-node" {
				path = pathFastPath
			}
			if f == "ipv6" {
				st, path = StatusFallback, pathFallback
			}
			ev := map[string]int64{"msgs_redirected": 6400, "msgs_fallback": 0}
			if st == StatusFallback {
				ev = map[string]int64{"msgs_redirected": 0, "msgs_fallback": 6400}
			}
			add("ordering", "ebpf", p, f, st, path, "", ev)
			relay := StatusFail
			if p == "cross-node" {
				relay = StatusPass
			}
			add("splice-relay", "ebpf", p, f, relay, path, "no progress within the 5s time limit (a hang)", map[string]int64{"splice_refused": 0})
			add("policy", "ebpf", p, f, StatusNotRun, "", "interrupted", nil)
			for _, c := range []string{"ordering", "splice-relay", "policy"} {
				add(c, "sidecar", p, f, StatusFail, "", "mesh not installed: install haproxy sidecars: haproxy: not found", nil)
			}
		}
	}
	r.tally()
	return r
}

func TestMatrixGolden(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().Matrix(&b); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "matrix.golden"), b.Bytes())
}

func TestMarkdownGolden(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().Markdown(&b); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "conformance.md.golden"), b.Bytes())
}

func TestCell(t *testing.T) {
	for _, tc := range []struct {
		c    cell
		want string
	}{
		{cell{}, "n/a"},
		{cell{applicable: 4, pass: 4}, "pass"},
		{cell{applicable: 4, pass: 3, fail: 1}, "FAIL 1/4"},
		{cell{applicable: 4, fallback: 4}, "pass (fallback)"},
		{cell{applicable: 2, pass: 1, fallback: 1}, "pass (fallback 1/2)"},
		{cell{applicable: 4, notRun: 4}, "not run"},
		{cell{applicable: 4, pass: 2, notRun: 2}, "not run 2/4"},
	} {
		if got := tc.c.String(); got != tc.want {
			t.Errorf("%+v = %q, want %q", tc.c, got, tc.want)
		}
	}
}

// TestTally: a mesh is conformant only with no failure, an install, and a
// run that was not interrupted; fallbacks are counted apart from passes.
func TestTally(t *testing.T) {
	r := sampleReport()
	got := map[string]MeshReport{}
	for _, m := range r.Meshes {
		got[m.Name] = m
	}
	if m := got["none"]; !m.Conformant || m.Passed != 8 || m.NA != 4 {
		t.Errorf("none: %+v", m)
	}
	if m := got["ebpf"]; m.Conformant || m.Failed != 2 || m.Fallback != 2 || m.Passed != 4 {
		t.Errorf("ebpf: %+v", m)
	}
	if m := got["sidecar"]; m.Conformant {
		t.Errorf("sidecar not installed but conformant: %+v", m)
	}
	if f := r.FailedMeshes(); strings.Join(f, ",") != "ebpf,sidecar" || !r.Failed() {
		t.Errorf("FailedMeshes = %v, Failed = %v", f, r.Failed())
	}
	r.Interrupted = true
	r.tally()
	if r.Meshes[0].Conformant {
		t.Error("an interrupted run made mesh none conformant")
	}
}

// TestWriteAndRead: the files are written and conformance.json reads back
// as what was written, for gates that consume it.
func TestWriteAndRead(t *testing.T) {
	dir := t.TempDir()
	r := sampleReport()
	paths, err := r.WriteFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 2 || filepath.Base(paths[0]) != JSONFile || filepath.Base(paths[1]) != MarkdownFile {
		t.Fatalf("paths %v", paths)
	}
	back, err := ReadReport(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Results) != len(r.Results) || back.Meshes[1].Conformant || !back.Meshes[0].Conformant {
		t.Errorf("read back %d results, meshes %+v", len(back.Results), back.Meshes)
	}
	if err := os.WriteFile(paths[0], []byte(`{"schema":"meshbench/v1"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadReport(paths[0]); err == nil || !strings.Contains(err.Error(), "schema") {
		t.Errorf("a results file read as a conformance report: %v", err)
	}
}

// TestVerdict: the one-line reason a benchmark gate prints per mesh.
func TestVerdict(t *testing.T) {
	r := sampleReport()
	for _, tc := range []struct {
		mesh string
		ok   bool
		why  string
	}{
		{"none", true, ""},
		{"ebpf", false, "mesh ebpf failed conformance: splice-relay (same-node/ipv4, same-node/ipv6)"},
		{"sidecar", false, "mesh sidecar could not be installed for conformance: install haproxy sidecars: haproxy: not found"},
		{"istio", false, "mesh istio was not checked by this conformance run"},
	} {
		if ok, why := r.Verdict(tc.mesh); ok != tc.ok || why != tc.why {
			t.Errorf("Verdict(%s) = %v, %q; want %v, %q", tc.mesh, ok, why, tc.ok, tc.why)
		}
	}
	env := r.Env
	if m := r.Mismatch(env); m != "" {
		t.Errorf("same environment: %q", m)
	}
	env.Kernel = "6.1.0"
	if m := r.Mismatch(env); !strings.Contains(m, `kernel "6.1.0", conformance ran on "6.18.44"`) {
		t.Errorf("other kernel: %q", m)
	}
}

// TestVerdictSignalling: a mesh whose only failures are in signalling (an
// abort seen as EOF) publishes numbers that name the deviation; one hard
// failure besides withholds them, and the verdict lists both.
func TestVerdictSignalling(t *testing.T) {
	r := &Report{Schema: Schema, Cases: []CaseInfo{{Name: "ordering"}, {Name: "reset"}}, Meshes: []MeshReport{{Name: "sidecar"}}}
	for _, p := range []string{"same-node", "cross-node"} {
		r.Results = append(r.Results,
			Result{Case: "ordering", Mesh: "sidecar", Placement: p, Family: "ipv4", Status: StatusPass},
			Result{Case: "reset", Mesh: "sidecar", Placement: p, Family: "ipv4", Status: StatusFail, SignallingOnly: true, Detail: "server aborted (RST), client saw a clean EOF"})
	}
	r.tally()
	if m := r.Meshes[0]; m.Conformant || !m.Publishable || m.Failed != 2 {
		t.Fatalf("mesh = %+v, want not conformant, publishable, 2 failed", m)
	}
	ok, why := r.Verdict("sidecar")
	if want := "mesh sidecar deviates from conformance in signalling only: reset (same-node/ipv4, cross-node/ipv4): an abort reaches the peer as a clean end of stream"; !ok || !strings.HasPrefix(why, want) {
		t.Errorf("Verdict = %v, %q; want true, %q...", ok, why, want)
	}
	if got := r.cell("reset", "sidecar").String(); got != "FAIL 2/2 (signalling)" {
		t.Errorf("cell = %q", got)
	}
	var b strings.Builder
	if err := r.Matrix(&b); err != nil || !strings.Contains(b.String(), "NOT conformant, in signalling only") {
		t.Errorf("matrix (%v):\n%s", err, b.String())
	}

	r.Results[0].Status, r.Results[0].Detail = StatusFail, "frame 3 of connection 2 arrived on connection 5"
	r.tally()
	if r.Meshes[0].Publishable {
		t.Error("a byte-level failure must withhold the numbers")
	}
	ok, why = r.Verdict("sidecar")
	if want := "mesh sidecar failed conformance: ordering (same-node/ipv4); reset (same-node/ipv4, cross-node/ipv4)"; ok || why != want {
		t.Errorf("Verdict = %v, %q; want false, %q", ok, why, want)
	}
}

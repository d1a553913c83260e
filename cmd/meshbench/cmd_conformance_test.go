package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meshbench/meshbench/conformance"
	"github.com/meshbench/meshbench/internal/testenv"
)

// TestConformanceBadInput: every bad flag exits 2 with one line naming it,
// before anything is created.
func TestConformanceBadInput(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown mesh", []string{"--mesh", "linkerd"}, `mesh "linkerd": want one of none, sidecar, ebpf`},
		{"mesh twice", []string{"--mesh", "ebpf,ebpf"}, `mesh "ebpf" given twice`},
		{"bad pattern", []string{"--run", "("}, "run pattern"},
		{"pattern matches nothing", []string{"--run", "^nothing$"}, `matches no case (cases: bytes-large-writes`},
		{"bad probe mode", []string{"--datapath-probe", "maybe"}, "--datapath-probe"},
		{"bad proxy", []string{"--sidecar", "nginx"}, `proxy: want "auto", "haproxy" or "envoy"`},
		{"positional argument", []string{"now"}, `unknown command "now"`},
		{"unknown flag", []string{"--colour"}, "unknown flag"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := cli(t, append([]string{"conformance"}, tt.args...)...)
			if code != exitBadInput || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tt.want)
			}
			if n := strings.Count(strings.TrimSpace(stderr), "\n"); n > 0 {
				t.Errorf("message spans %d lines: %q", n+1, stderr)
			}
		})
	}
}

func TestConformanceList(t *testing.T) {
	code, out, stderr := cli(t, "conformance", "--list")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, c := range conformance.Cases {
		if !strings.Contains(out, c.Name+" ") || !strings.Contains(out, c.Breaks) {
			t.Errorf("--list lacks %s or what a user would see", c.Name)
		}
	}
}

// TestConformanceCommand runs two cases on none and ebpf as a user would:
// the matrix on stdout, both files written, exit code matching the report,
// nothing left behind.
func TestConformanceCommand(t *testing.T) {
	testenv.RequirePrivileged(t)
	name := uniqueCluster(t)
	out := t.TempDir()
	code, stdout, stderr := meshbench(t, "conformance", "--mesh", "none,ebpf", "--run", "^(ordering|policy)$", "--cluster", name, "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	for _, want := range []string{"CASE", "NONE", "EBPF", "ordering", "policy", "n/a", "ebpf: 8 pass, 0 pass via fallback, 0 fail, 0 n/a - conformant"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("matrix lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "ebpf     policy") {
		t.Errorf("no progress on stderr: %s", stderr)
	}
	r, err := conformance.ReadReport(filepath.Join(out, conformance.JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	if r.Failed() || len(r.Results) != 16 || len(r.FailedMeshes()) != 0 {
		t.Errorf("report: failed %v, %d results, failed meshes %v", r.Failed(), len(r.Results), r.FailedMeshes())
	}
	if fi, err := os.Stat(filepath.Join(out, conformance.MarkdownFile)); err != nil || fi.Size() == 0 {
		t.Errorf("conformance.md: %v", err)
	}
	if left := clusterState(t, name); left != "" {
		t.Errorf("conformance left:\n%s", left)
	}
}

// TestConformanceInterrupt: Ctrl-C in the middle of a case stops the run,
// keeps what ran in the report, exits 1 and leaves nothing behind.
func TestConformanceInterrupt(t *testing.T) {
	testenv.RequirePrivileged(t)
	name := uniqueCluster(t)
	out := t.TempDir()
	cmd := exec.Command(binary, "conformance", "--mesh", "ebpf", "--run", "^lifecycle$", "--cluster", name, "--out", out)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	first := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			select {
			case first <- sc.Text():
			default: // drain
			}
		}
	}()
	select {
	case l := <-first:
		if !strings.HasPrefix(l, "ebpf     lifecycle") {
			t.Fatalf("unexpected first line %q", l)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("no result within 60s")
	}
	time.Sleep(300 * time.Millisecond) // into the next run's live traffic
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil || cmd.ProcessState.ExitCode() != exitCheckFailed {
		t.Errorf("interrupted conformance: %v, want exit code 1", err)
	}
	r, err := conformance.ReadReport(filepath.Join(out, conformance.JSONFile))
	if err != nil {
		t.Fatalf("report of the interrupted run: %v", err)
	}
	if !r.Interrupted || r.Meshes[0].Conformant || r.Results[0].Status != conformance.StatusPass || r.Results[3].Status != conformance.StatusNotRun {
		t.Errorf("interrupted %v, conformant %v, results %+v", r.Interrupted, r.Meshes[0].Conformant, r.Results)
	}
	if left := clusterState(t, name); left != "" {
		t.Errorf("Ctrl-C left:\n%s", left)
	}
	if _, err := os.Stat("/sys/fs/bpf/meshbench/mb-" + name); !os.IsNotExist(err) {
		t.Errorf("Ctrl-C left datapath pins: %v", err)
	}
}

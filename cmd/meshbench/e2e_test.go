package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/meshbench/meshbench/bench/results"
	"github.com/meshbench/meshbench/internal/cgroupv2"
	"github.com/meshbench/meshbench/internal/testenv"
)

// binary is meshbench built once for the end-to-end tests, which run it as a
// user would: as a separate process, inside pods too.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "meshbench-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "meshbench")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build meshbench: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// meshbench runs the built binary and returns its exit code and output.
func meshbench(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run meshbench %v: %v", args, err)
	}
	return code, out.String(), errb.String()
}

// hostState is what a meshbench cluster leaves on the host: named network
// namespaces, cgroups under mb-meshbench, state files and the meshes' run
// directories.
func hostState(t *testing.T) string {
	t.Helper()
	var items []string
	entries, _ := os.ReadDir("/run/netns")
	for _, e := range entries {
		items = append(items, "netns "+e.Name())
	}
	if mount, err := cgroupv2.Mountpoint(); err == nil {
		_ = filepath.WalkDir(filepath.Join(mount, "mb-meshbench"), func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				items = append(items, "cgroup "+p)
			}
			return nil
		})
	}
	states, _ := filepath.Glob("/run/meshbench/*.json")
	for _, s := range states {
		items = append(items, "state "+s)
	}
	runDirs, _ := filepath.Glob("/run/meshbench/run/*")
	for _, d := range runDirs {
		items = append(items, "rundir "+d)
	}
	sort.Strings(items)
	return strings.Join(items, "\n")
}

// clusterState keeps only the parts of hostState that belong to cluster name,
// so tests of other packages running at the same time do not disturb it.
func clusterState(t *testing.T, name string) string {
	var mine []string
	for _, l := range strings.Split(hostState(t), "\n") {
		if strings.Contains(l, "mb-"+name+"-") || strings.Contains(l, "/"+name) {
			mine = append(mine, l)
		}
	}
	return strings.Join(mine, "\n")
}

func uniqueCluster(t *testing.T) string {
	name := fmt.Sprintf("e%d", time.Now().UnixNano()%1_000_000)
	t.Cleanup(func() {
		if code, _, stderr := meshbench(t, "down", "--cluster", name); code != 0 {
			t.Errorf("cleanup down: %s", stderr)
		}
	})
	return name
}

func TestUpExecDown(t *testing.T) {
	testenv.RequirePrivileged(t)
	name := uniqueCluster(t)
	code, out, stderr := meshbench(t, "up", "--cluster", name, "--nodes", "2", "--pods-per-node", "1")
	if code != 0 {
		t.Fatalf("up: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"POD", "mb-" + name + "-n1-p0", "198.18.1.10", "2001:2:0:1::10"} {
		if !strings.Contains(out, want) {
			t.Errorf("up output lacks %q:\n%s", want, out)
		}
	}
	pod := "mb-" + name + "-n1-p0"
	code, out, stderr = meshbench(t, "exec", pod, "--", "sh", "-c", "readlink /proc/self/ns/net; grep '^0::' /proc/self/cgroup; exit 7")
	if code != 7 {
		t.Errorf("exec: exit %d, want the command's own 7; stderr %s", code, stderr)
	}
	var st syscall.Stat_t
	if err := syscall.Stat("/run/netns/"+pod, &st); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("net:[%d]", st.Ino); !strings.Contains(out, want) {
		t.Errorf("exec did not run in the pod's netns: got %q, want %s", out, want)
	}
	if !strings.Contains(out, "/"+pod+"\n") {
		t.Errorf("exec did not run in the pod's cgroup: %q", out)
	}
	if code, _, stderr := meshbench(t, "down", "--cluster", name); code != 0 {
		t.Fatalf("down: %s", stderr)
	}
	if left := clusterState(t, name); left != "" {
		t.Errorf("down left:\n%s", left)
	}
	if code, _, stderr := meshbench(t, "down", "--cluster", name); code != 0 {
		t.Errorf("second down is not idempotent: %s", stderr)
	}
}

// TestRunSmoke is the foundation's promise: a real measurement between two
// real pods gives a valid none-mode result with sane numbers.
func TestRunSmoke(t *testing.T) {
	testenv.RequirePrivileged(t)
	name := uniqueCluster(t)
	before := clusterState(t, name)
	out := t.TempDir()
	code, stdout, stderr := meshbench(t, "run", "--quick", "--cluster", name, "--out", out, "../../scenarios/smoke.yaml")
	if code != 0 {
		t.Fatalf("run: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	f, err := results.Read(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Results) != 3 {
		t.Fatalf("got %d results, want none, sidecar and ebpf", len(f.Results))
	}
	byMesh := map[string]results.Result{}
	for _, r := range f.Results {
		byMesh[r.Mesh] = r
		if !r.Valid || r.Placement != "same-node" || r.Errors != 0 {
			t.Errorf("%s: not a valid error-free same-node result: %+v", r.Mesh, r)
		}
	}
	// The sidecars are really in the path: both proxies counted every
	// request, and two extra proxy hops cost latency.
	sc := byMesh["sidecar"]
	if sc.Evidence["client_proxy_outbound_http_requests"] < sc.Repeats[0].Completed || sc.CPU.ByComponent["proxy"] <= 0 || sc.MeshInfo["proxy"] == "" {
		t.Errorf("sidecar evidence missing: %v %v %v", sc.Evidence, sc.CPU.ByComponent, sc.MeshInfo)
	}
	if sc.LatencyUS.P50 <= byMesh["none"].LatencyUS.P50 {
		t.Errorf("sidecar p50 %.0fµs not above none's %.0fµs", sc.LatencyUS.P50, byMesh["none"].LatencyUS.P50)
	}
	// The eBPF datapath really carried the traffic: redirected socket to
	// socket, or, degraded by default where the kernel self-test fails,
	// through the tc fast path, which every repeat then says.
	checkEBPFCarried(t, byMesh["ebpf"], name)
	if byMesh["ebpf"].MeshInfo["degraded"] != "" {
		// The socket redirect itself, as a user who accepts the
		// kernel's known limits runs it.
		code, stdout, stderr := meshbench(t, "run", "--quick", "--cluster", name, "--mesh", "ebpf", "--datapath-probe", "no-splice", "--out", out, "../../scenarios/smoke.yaml")
		if code != 0 {
			t.Fatalf("run --datapath-probe no-splice: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
		}
		f, err := results.Read(filepath.Join(out, "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Results) != 1 || !f.Results[0].Valid || f.Results[0].MeshInfo["degraded"] != "" {
			t.Fatalf("run --datapath-probe no-splice: want one valid, not degraded ebpf result: %+v", f.Results)
		}
		checkEBPFCarried(t, f.Results[0], name)
	}
	if _, err := os.Stat("/sys/fs/bpf/meshbench/mb-" + name); !os.IsNotExist(err) {
		t.Errorf("datapath pins of the run left behind: %v", err)
	}
	r := byMesh["none"]
	if r.Rate.Achieved < 0.5*r.Rate.Requested || r.Rate.Achieved > 1.1*r.Rate.Requested {
		t.Errorf("achieved %.1f/s for requested %.1f/s", r.Rate.Achieved, r.Rate.Requested)
	}
	l := r.LatencyUS
	if !(l.P50 > 0 && l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.P999 && l.P999 <= l.Max && l.P50 < 1e6) {
		t.Errorf("percentiles not sane: %+v", l)
	}
	if r.CPU.HostCores <= 0 || r.CPU.ByPod["client"] <= 0 || r.CPU.ByPod["server"] <= 0 {
		t.Errorf("CPU not measured: %+v", r.CPU)
	}
	if len(r.Repeats) != 5 || r.Repeats[0].Histogram == "" {
		t.Errorf("want 5 repeats with raw histograms, got %d", len(r.Repeats))
	}
	if f.Env.Kernel == "" || f.Env.Cores == 0 || len(f.Scenarios) != 1 || len(f.Scenarios[0].SHA256) != 64 {
		t.Errorf("fingerprint incomplete: %+v %+v", f.Env, f.Scenarios)
	}
	for _, p := range []string{"plots/smoke-latency-spectrum.png", "plots/smoke-latency-spectrum.svg", "histograms/smoke-none-same-node-1024B-500-r1.hgrm", "histograms/smoke-sidecar-same-node-1024B-500-r2.hgrm", "histograms/smoke-ebpf-same-node-1024B-500-r1.hgrm"} {
		if fi, err := os.Stat(filepath.Join(out, p)); err != nil || fi.Size() == 0 {
			t.Errorf("%s missing or empty: %v", p, err)
		}
	}
	if after := clusterState(t, name); after != before {
		t.Errorf("run left state behind:\n%s", after)
	}
}

// longScenario writes a scenario that runs long enough to be interrupted.
func longScenario(t *testing.T) string {
	return writeFile(t, "long.yaml", "name: long\nrates: [200]\nduration: 2s\nwarmup: 0s\nrepeats: 20\n")
}

// startRun starts `meshbench run` and waits until its first step finished.
func startRun(t *testing.T, name, out string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(binary, "run", "--cluster", name, "--out", out, longScenario(t))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	select {
	case l, ok := <-lines:
		if !ok || !strings.HasPrefix(l, "[1/20") {
			t.Fatalf("unexpected first line %q", l)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("no progress within 60s")
	}
	go func() {
		for range lines {
			// drain, so the run never blocks writing progress
		}
	}()
	return cmd
}

func TestInterruptKeepsResultsAndCleansUp(t *testing.T) {
	testenv.RequirePrivileged(t)
	name := uniqueCluster(t)
	out := t.TempDir()
	cmd := startRun(t, name, out)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitCheckFailed {
		t.Errorf("interrupted run: %v, want exit code 1", err)
	}
	f, err := results.Read(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatalf("results so far were not kept: %v", err)
	}
	if len(f.Results) != 1 || len(f.Results[0].Repeats) == 0 || len(f.Warnings) == 0 || !strings.Contains(f.Warnings[0], "interrupted") {
		t.Errorf("partial results not recorded as interrupted: %d results, warnings %v", len(f.Results), f.Warnings)
	}
	if left := clusterState(t, name); left != "" {
		t.Errorf("Ctrl-C left:\n%s", left)
	}
}

func TestDownAfterKill9(t *testing.T) {
	testenv.RequirePrivileged(t)
	name := uniqueCluster(t)
	cmd := startRun(t, name, t.TempDir())
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if clusterState(t, name) == "" {
		t.Fatal("kill -9 left nothing behind; the test proves nothing")
	}
	if code, _, stderr := meshbench(t, "down", "--cluster", name); code != 0 {
		t.Fatalf("down after kill -9: exit %d: %s", code, stderr)
	}
	if left := clusterState(t, name); left != "" {
		t.Errorf("down after kill -9 left:\n%s", left)
	}
	// The server that ran in the killed run's pod must be gone too.
	if out, _ := exec.Command("pgrep", "-f", "meshbench serve").Output(); len(out) > 0 {
		for _, pid := range strings.Fields(string(out)) {
			if b, err := os.ReadFile("/proc/" + pid + "/cgroup"); err == nil && strings.Contains(string(b), "/"+name+"/") {
				t.Errorf("server process %s of the killed run survived down", pid)
			}
		}
	}
}

// TestDatapathCommands drives the datapath on its own, as a user who brings
// their own workload would: up on a cluster, status, down, and nothing left.
func TestDatapathCommands(t *testing.T) {
	testenv.RequirePrivileged(t)
	name := uniqueCluster(t)
	if code, _, stderr := meshbench(t, "up", "--cluster", name); code != 0 {
		t.Fatalf("up: %s", stderr)
	}
	server, client := "mb-"+name+"-n0-p0", "mb-"+name+"-n0-p1"
	dir := t.TempDir()
	deny := filepath.Join(dir, "deny.yaml")
	if err := os.WriteFile(deny, []byte("rules:\n  - from: "+client+"\n    to: "+server+"\n    port: 8080\n    action: deny\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := meshbench(t, "datapath", "up", "--cluster", name, "--probe", "no-splice", "--policy", deny)
	if code != 0 || !strings.Contains(out, "datapath mb-"+name+" up on 1 nodes, 2 pods") {
		t.Fatalf("datapath up: exit %d: %s%s", code, out, stderr)
	}
	code, out, stderr = meshbench(t, "datapath", "status", "--cluster", name)
	if code != 0 || !strings.Contains(out, client) || !strings.Contains(out, "enabled true") {
		t.Errorf("datapath status: exit %d: %s%s", code, out, stderr)
	}

	// The policy from `up` holds, and `datapath policy` replaces it.
	srv := exec.Command(binary, "exec", server, "--", binary, "serve")
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })
	connects := func(port string) bool {
		code, _, _ := meshbench(t, "exec", client, "--", "bash", "-c", "exec 3<>/dev/tcp/198.18.0.10/"+port)
		return code == 0
	}
	deadline := time.Now().Add(10 * time.Second)
	for !connects("7000") {
		if time.Now().After(deadline) {
			t.Fatal("the server in the pod never accepted on port 7000, which no rule denies")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if connects("8080") {
		t.Error("connected to port 8080, which the policy from datapath up --policy denies")
	}
	allow := filepath.Join(dir, "allow.yaml")
	if err := os.WriteFile(allow, []byte("default: allow\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr = meshbench(t, "datapath", "policy", "--cluster", name, allow)
	if code != 0 || !strings.Contains(out, "0 rules, default allow") {
		t.Errorf("datapath policy: exit %d: %s%s", code, out, stderr)
	}
	if !connects("8080") {
		t.Error("port 8080 still refused after the policy allowing everything")
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("rules:\n  - to: mb-nobody\n    action: deny\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = meshbench(t, "datapath", "policy", "--cluster", name, bad)
	if code != exitBadInput || !strings.Contains(stderr, bad) || !strings.Contains(stderr, "rules[0].to") || !strings.Contains(stderr, `"mb-nobody"`) {
		t.Errorf("policy naming an unknown pod: exit %d, want 2 naming the file and rules[0].to: %s", code, stderr)
	}
	_ = srv.Process.Kill()
	_ = srv.Wait()
	if code, _, stderr := meshbench(t, "datapath", "down", "--cluster", name); code != 0 {
		t.Errorf("datapath down: %s", stderr)
	}
	if _, err := os.Stat("/sys/fs/bpf/meshbench/mb-" + name); !os.IsNotExist(err) {
		t.Errorf("datapath down left pins: %v", err)
	}
	if code, _, stderr := meshbench(t, "datapath", "status", "--cluster", name); code != exitBadInput {
		t.Errorf("status of a removed datapath: exit %d, want 2: %s", code, stderr)
	}
}

// checkEBPFCarried: every completed request and its response redirected
// socket to socket, or, when the datapath was degraded, a fast-path
// packet per request and a warning that says so.
func checkEBPFCarried(t *testing.T, eb results.Result, cluster string) {
	t.Helper()
	if eb.MeshInfo["instance"] != "mb-"+cluster {
		t.Errorf("ebpf instance %q, want mb-%s", eb.MeshInfo["instance"], cluster)
	}
	completed := eb.Repeats[0].Completed
	if eb.MeshInfo["degraded"] == "" {
		if eb.Evidence["client_msgs_redirected"] < completed || eb.Evidence["server_msgs_redirected"] < completed {
			t.Errorf("ebpf evidence missing: %v %v", eb.Evidence, eb.MeshInfo)
		}
		return
	}
	if eb.Evidence["fastpath_peer_packets"] < completed || eb.Evidence["client_msgs_redirected"] != 0 {
		t.Errorf("degraded ebpf: want a fast-path packet per request and nothing redirected: %v", eb.Evidence)
	}
	if !slices.ContainsFunc(eb.Repeats[0].Warnings, func(w string) bool { return strings.Contains(w, "eBPF datapath degraded") }) {
		t.Errorf("degraded ebpf result does not say so: %v", eb.Repeats[0].Warnings)
	}
}

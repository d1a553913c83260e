package agent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"

	"github.com/meshbench/meshbench/datapath"
	"github.com/meshbench/meshbench/internal/cgroupv2"
	"github.com/meshbench/meshbench/internal/testenv"
)

var testEndpoints = []Endpoint{
	{Name: "mb-server", IPv4: netip.MustParseAddr("198.18.1.5"), Node: "mb-kubemesh-worker"},
	{Name: "mb-load", IPv4: netip.MustParseAddr("198.18.2.7"), IPv6: netip.MustParseAddr("2001:2::7"), Node: "mb-kubemesh-worker2"},
}

func TestEndpointsRoundTrip(t *testing.T) {
	b, err := EncodeEndpoints(testEndpoints)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeEndpoints(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode what was encoded: %v\n%s", err, b)
	}
	if !reflect.DeepEqual(got, testEndpoints) {
		t.Errorf("round trip: got %+v, want %+v", got, testEndpoints)
	}
	if strings.Contains(string(b), `"ipv6": ""`) {
		t.Errorf("a missing address is written as an empty string:\n%s", b)
	}
	empty, err := EncodeEndpoints(nil)
	if err != nil || strings.TrimSpace(string(empty)) != "{\n  \"endpoints\": []\n}" {
		t.Errorf("no endpoints: %q, %v", empty, err)
	}
	dp := DatapathEndpoints(testEndpoints, map[string]string{"mb-server": "/proc/7/ns/net"})
	if dp[1].IPv6 != testEndpoints[1].IPv6 || dp[1].Node != "mb-kubemesh-worker2" || dp[1].Netns != "" || dp[1].Cgroup != "" {
		t.Errorf("datapath endpoint %+v: want the addresses and node, no netns or cgroup path", dp[1])
	}
	if dp[0].Netns != "/proc/7/ns/net" {
		t.Errorf("datapath endpoint %+v: want the netns found for it", dp[0])
	}
}

func TestDecodeEndpointsRejects(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"not json", "endpoints:", "endpoints: invalid character"},
		{"no list", `{}`, `field "endpoints": required`},
		{"unknown field", `{"endpoints":[{"name":"a","ipv4":"198.18.0.1","netns":"/x"}]}`, `unknown field "netns"`},
		{"no name", `{"endpoints":[{"ipv4":"198.18.0.1"}]}`, "endpoints[0].name: want 1 to 63 bytes"},
		{"long name", `{"endpoints":[{"name":"` + strings.Repeat("x", 64) + `","ipv4":"198.18.0.1"}]}`, "endpoints[0].name"},
		{"no address", `{"endpoints":[{"name":"a"}]}`, "endpoints[0].ipv4: endpoint \"a\" has neither ipv4 nor ipv6"},
		{"bad address", `{"endpoints":[{"name":"a","ipv4":"198.18.0"}]}`, "ParseAddr"},
		{"v6 as v4", `{"endpoints":[{"name":"a","ipv4":"2001:2::1"}]}`, "endpoints[0].ipv4: 2001:2::1 is not an IPv4 address"},
		{"v4 as v6", `{"endpoints":[{"name":"a","ipv6":"198.18.0.1"}]}`, "endpoints[0].ipv6: 198.18.0.1 is not an IPv6 address"},
		{"same name", `{"endpoints":[{"name":"a","ipv4":"198.18.0.1"},{"name":"a","ipv4":"198.18.0.2"}]}`, `endpoints[1].name: "a" already names endpoints[0]`},
		{"same address", `{"endpoints":[{"name":"a","ipv4":"198.18.0.1"},{"name":"b","ipv4":"198.18.0.1"}]}`, "endpoints[1].ipv4: 198.18.0.1 is already the address of endpoints[0]"},
		{"two values", `{"endpoints":[]} {}`, "more than one JSON value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeEndpoints(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("DecodeEndpoints = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestPlanNodeCgroup covers the three shapes an agent pod meets.
func TestPlanNodeCgroup(t *testing.T) {
	const (
		// A kind node on a hybrid host: v1 controllers only.
		kindHybrid = "82 81 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
		// A node whose hierarchy the pod sees through the hostPath.
		hostPath = kindHybrid + "90 81 0:38 / /host/sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
		// The pod's own cgroup, mounted by a runtime in a private namespace.
		ownSubtree = "90 81 0:38 /kubepods/pod1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
	)
	tests := []struct {
		name       string
		self, node uint64
		mountinfo  string
		want       cgroupPlan
	}{
		{"kind node on a hybrid host", 7, 7, kindHybrid, cgroupPlan{Dir: "/m", Mount: true}},
		{"node hierarchy mounted", 7, 7, hostPath, cgroupPlan{Dir: "/host/sys/fs/cgroup/unified"}},
		{"subtree only", 7, 7, ownSubtree, cgroupPlan{Dir: "/m", Mount: true}},
		{"private cgroup namespace", 8, 7, hostPath, cgroupPlan{Dir: "/m", Mount: true, Enter: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := planNodeCgroup(tt.self, tt.node, strings.NewReader(tt.mountinfo), "/m")
			if err != nil {
				t.Fatal(err)
			}
			if got.How == "" {
				t.Error("the plan does not say what it found")
			}
			got.How = ""
			if got != tt.want {
				t.Errorf("plan = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	ok := Config{Instance: "kind-mb-kubemesh-mb-kubemesh-worker", EndpointsFile: "/e.json", Metrics: "127.0.0.1:19090", ReadyFile: "/run/r"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no instance", func(c *Config) { c.Instance = "" }, "--instance"},
		{"slash in instance", func(c *Config) { c.Instance = "a/b" }, `--instance "a/b"`},
		{"long instance", func(c *Config) { c.Instance = strings.Repeat("a", 64) }, "--instance"},
		{"no endpoints", func(c *Config) { c.EndpointsFile = "" }, "--endpoints: required"},
		{"relative cgroup", func(c *Config) { c.Cgroup = "sys/fs/cgroup" }, "--cgroup"},
		{"relative ready file", func(c *Config) { c.ReadyFile = "ready" }, "--ready-file"},
		{"metrics everywhere", func(c *Config) { c.Metrics = "0.0.0.0:19090" }, "--metrics"},
		{"metrics no port", func(c *Config) { c.Metrics = "127.0.0.1" }, "--metrics"},
		{"one flow", func(c *Config) { c.MaxFlows = 1 }, "MESHBENCH_MAX_FLOWS 1: want 2 to 65536"},
		{"negative flows", func(c *Config) { c.MaxFlows = -16 }, "MESHBENCH_MAX_FLOWS -16"},
		{"flows beyond the default", func(c *Config) { c.MaxFlows = datapath.DefaultMaxFlows + 1 }, "MESHBENCH_MAX_FLOWS 65537"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.edit(&c)
			err := c.Validate()
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want ErrInvalid naming %q", err, tt.want)
			}
		})
	}
}

// TestMaxFlowsFromEnv: the agent's flow-map size comes from
// MESHBENCH_MAX_FLOWS; unset or empty is the datapath's default, a value
// that is no number is refused naming the variable, one out of range is
// refused by Validate, and a size already in the config wins.
func TestMaxFlowsFromEnv(t *testing.T) {
	ok := Config{Instance: "kube-mb-n1", EndpointsFile: "/e.json"}
	for _, tt := range []struct {
		name string
		env  map[string]string
		set  int
		want int
		err  string
	}{
		{name: "unset", env: nil, want: 0},
		{name: "empty", env: map[string]string{MaxFlowsEnv: ""}, want: 0},
		{name: "small", env: map[string]string{MaxFlowsEnv: "16"}, want: 16},
		{name: "largest", env: map[string]string{MaxFlowsEnv: "65536"}, want: datapath.DefaultMaxFlows},
		{name: "config wins", env: map[string]string{MaxFlowsEnv: "16"}, set: 32, want: 32},
		{name: "not a number", env: map[string]string{MaxFlowsEnv: "16k"}, err: `MESHBENCH_MAX_FLOWS "16k": want a number`},
		{name: "spaces", env: map[string]string{MaxFlowsEnv: " 16"}, err: `MESHBENCH_MAX_FLOWS " 16"`},
		{name: "too small", env: map[string]string{MaxFlowsEnv: "1"}, err: "MESHBENCH_MAX_FLOWS 1: want 2 to 65536"},
		{name: "too large", env: map[string]string{MaxFlowsEnv: "1000000"}, err: "MESHBENCH_MAX_FLOWS 1000000"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			c.MaxFlows = tt.set
			c, err := c.FromEnv(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
			if err == nil {
				err = c.Validate()
			}
			switch {
			case tt.err != "" && (!errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("FromEnv, Validate = %v, want ErrInvalid naming %q", err, tt.err)
			case tt.err == "" && err != nil:
				t.Fatalf("FromEnv, Validate = %v", err)
			case tt.err == "" && c.MaxFlows != tt.want:
				t.Errorf("MaxFlows = %d, want %d", c.MaxFlows, tt.want)
			}
		})
	}
}

// TestRunRejectsMaxFlowsEnv: Run refuses a bad MESHBENCH_MAX_FLOWS before
// it touches anything.
func TestRunRejectsMaxFlowsEnv(t *testing.T) {
	t.Setenv(MaxFlowsEnv, "1")
	err := Run(t.Context(), Config{Instance: "kube-mb-n1", EndpointsFile: "/nonexistent/e.json"})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), MaxFlowsEnv) {
		t.Fatalf("Run = %v, want ErrInvalid naming %s", err, MaxFlowsEnv)
	}
}

// TestRunLifecycle runs the agent for real on a cgroup of this host: ready
// file and metrics while it runs, nothing pinned or attached after its
// context ends.
func TestRunLifecycle(t *testing.T) {
	testenv.RequirePrivileged(t)
	if err := datapath.CheckEnvironment(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("datapath cannot run (CI=true, so this fails instead of skipping): %v", err)
		}
		t.Skipf("skipping: the datapath cannot run here: %v", err)
	}
	mount, err := cgroupv2.Mountpoint()
	if err != nil {
		t.Fatal(err)
	}
	instance := fmt.Sprintf("kubemesh-agent-test-%08x", rand.Uint32())
	cg := filepath.Join(mount, "mb-"+instance)
	if err := os.Mkdir(cg, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(cg) })
	dir := t.TempDir()
	epFile := filepath.Join(dir, "endpoints.json")
	b, err := EncodeEndpoints(testEndpoints)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(epFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Instance: instance, EndpointsFile: epFile, Cgroup: cg, Probe: datapath.ProbeNoSplice,
		ReadyFile: filepath.Join(dir, "ready"), Metrics: freeLoopbackPort(t), MaxFlows: 16,
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg) }()
	waitFor(t, done, func() bool { _, err := os.Stat(cfg.ReadyFile); return err == nil })

	pins := filepath.Join(datapath.DefaultPinRoot, instance)
	if _, err := os.Stat(pins); err != nil {
		t.Errorf("ready, but nothing pinned: %v", err)
	}
	if n, err := cgroupv2.EffectiveBPF(cg); err != nil || n == 0 {
		t.Errorf("ready, but %d programs act on %s (%v)", n, cg, err)
	}
	for _, name := range []string{"mb_pairs", "mb_flows"} {
		if n, err := pinnedMaxEntries(filepath.Join(pins, name)); err != nil || n != 16 {
			t.Errorf("flow map %s holds %d entries (%v), want the 16 of MaxFlows", name, n, err)
		}
	}
	metrics := get(t, "http://"+cfg.Metrics+"/metrics")
	if !strings.Contains(metrics, `pod="mb-server"`) {
		t.Errorf("metrics do not name the endpoints:\n%s", metrics)
	}
	if got := get(t, "http://"+cfg.Metrics+"/readyz"); got != "ok\n" {
		t.Errorf("/readyz = %q", got)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after its context ended: %v", err)
	}
	if _, err := os.Stat(pins); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after shutdown: %s: %v, want it gone", pins, err)
	}
	if n, err := cgroupv2.EffectiveBPF(cg); err != nil || n != 0 {
		t.Errorf("after shutdown: %d programs still act on %s (%v)", n, cg, err)
	}
	if _, err := os.Stat(cfg.ReadyFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after shutdown the ready file is still there: %v", err)
	}
}

func pinnedMaxEntries(pin string) (uint32, error) {
	m, err := ebpf.LoadPinnedMap(pin, nil)
	if err != nil {
		return 0, err
	}
	defer m.Close()
	return m.MaxEntries(), nil
}

func freeLoopbackPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

func waitFor(t *testing.T, done <-chan error, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		select {
		case err := <-done:
			t.Fatalf("Run returned before it was ready: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the agent was not ready within 30s")
		}
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s, %v\n%s", url, resp.Status, err, b)
	}
	return string(b)
}

// TestFastPathNodes: the agent attaches the fast path on its own node and
// lists every other node the endpoints name as remote (no netns), once.
func TestFastPathNodes(t *testing.T) {
	eps := []Endpoint{{Name: "a", Node: "w1"}, {Name: "b", Node: "cp"}, {Name: "c", Node: "w2"}, {Name: "d", Node: "cp"}, {Name: "e"}}
	got := fastPathNodes("w1", "/proc/self/ns/net", eps)
	want := []datapath.Node{{Name: "w1", Netns: "/proc/self/ns/net"}, {Name: "cp"}, {Name: "w2"}}
	if !slices.Equal(got, want) {
		t.Errorf("fastPathNodes = %+v, want %+v", got, want)
	}
}

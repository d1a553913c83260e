package local

import (
	"encoding/json"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlan(t *testing.T) {
	l := layout{stateDir: "/run/meshbench", cgroupTop: "mb-meshbench"}
	c := plan(Config{Name: "t1", Nodes: 2, PodsPerNode: 3}, l, "/sys/fs/cgroup/unified")
	if c.Name() != "t1" || c.cgroup != "/sys/fs/cgroup/unified/mb-meshbench/t1" || c.state != "/run/meshbench/t1.json" {
		t.Fatalf("plan: name %q cgroup %q state %q", c.Name(), c.cgroup, c.state)
	}
	if got := strings.Join(c.Nodes(), " "); got != "mb-t1-n0 mb-t1-n1" {
		t.Fatalf("Nodes() = %s", got)
	}
	pods := c.Pods()
	if len(pods) != 6 {
		t.Fatalf("%d pods, want 6", len(pods))
	}
	want := Pod{
		Name: "mb-t1-n1-p2", Node: "mb-t1-n1",
		IPv4: netip.MustParseAddr("198.18.1.12"), IPv6: netip.MustParseAddr("2001:2:0:1::12"),
		Netns:  "/run/netns/mb-t1-n1-p2",
		Cgroup: "/sys/fs/cgroup/unified/mb-meshbench/t1/mb-t1-n1/mb-t1-n1-p2",
	}
	if pods[5] != want {
		t.Fatalf("last pod = %+v\nwant %+v", pods[5], want)
	}
	if p, ok := c.Pod("mb-t1-n1-p2"); !ok || p != want {
		t.Fatalf("Pod(name) = %+v, %v", p, ok)
	}
	if _, ok := c.Pod("mb-t1-n2-p0"); ok {
		t.Fatal("Pod found a pod that does not exist")
	}
	if cg, err := c.NodeCgroup("mb-t1-n1"); err != nil || cg != "/sys/fs/cgroup/unified/mb-meshbench/t1/mb-t1-n1" {
		t.Fatalf("NodeCgroup = %q, %v", cg, err)
	}
	if _, err := c.NodeCgroup("mb-t1-n7"); err == nil {
		t.Fatal("NodeCgroup of a missing node: no error")
	}
	pods[0].Name = "changed"
	if c.Pods()[0].Name == "changed" {
		t.Fatal("Pods() exposes the cluster's slice")
	}
	def := plan(Config{Nodes: 1, PodsPerNode: 1}, l, "/cg")
	if def.Name() != "default" || def.Pods()[0].Name != "mb-n0-p0" || def.cgroup != "/cg/mb-meshbench/default" {
		t.Fatalf("default cluster: %q %q %q", def.Name(), def.Pods()[0].Name, def.cgroup)
	}
}

// TestStateRoundTrip writes a state file into a temporary directory and loads
// it back; tampered files are refused, since Down acts on their paths.
func TestStateRoundTrip(t *testing.T) {
	l := layout{stateDir: filepath.Join(t.TempDir(), "state"), cgroupTop: "mb-meshbench"}
	c := plan(Config{Name: "rt", Nodes: 2, PodsPerNode: 2}, l, "/cg")
	if err := writeState(c); err != nil {
		t.Fatal(err)
	}
	if err := writeState(c); !errors.Is(err, os.ErrExist) {
		t.Fatalf("second writeState: %v, want file exists", err)
	}
	got, err := loadState(c.state)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name() != "rt" || got.cgroup != c.cgroup || len(got.Pods()) != 4 || got.Pods()[3] != c.Pods()[3] {
		t.Fatalf("loaded %+v, want %+v", got, c)
	}
	entries, _ := os.ReadDir(l.stateDir)
	if len(entries) != 1 {
		t.Fatalf("state dir has %d entries, want just the state file", len(entries))
	}

	raw, _ := os.ReadFile(c.state)
	tamper := func(old, new string) string {
		p := filepath.Join(t.TempDir(), "rt.json")
		if err := os.WriteFile(p, []byte(strings.Replace(string(raw), old, new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bad := map[string]string{
		"schema":               tamper(stateSchema, "other/v9"),
		"foreign cgroup":       tamper(`"cgroup": "/cg/mb-meshbench/rt"`, `"cgroup": "/cg/system.slice"`),
		"pod of other cluster": tamper(`"name": "mb-rt-n0-p0"`, `"name": "mb-n0-p0"`),
		"pod cgroup elsewhere": tamper(`/cg/mb-meshbench/rt/mb-rt-n0/mb-rt-n0-p0`, `/cg/init.scope`),
		"netns elsewhere":      tamper(`"netns": "/run/netns/mb-rt-n0-p0"`, `"netns": "/proc/1/ns/net"`),
		"not json":             tamper(`{`, `[`),
	}
	for name, p := range bad {
		if _, err := loadState(p); err == nil {
			t.Errorf("%s: loadState accepted a tampered file", name)
		}
	}
	var st state
	if err := json.Unmarshal(raw, &st); err != nil || st.Schema != stateSchema || st.Cluster != "rt" {
		t.Fatalf("state file content: %+v, %v", st, err)
	}
}

func TestKnownList(t *testing.T) {
	if got := knownList(nil); got != "no cluster is up" {
		t.Errorf("knownList(nil) = %q", got)
	}
	if got := knownList([]string{"mb-n0-p0", "mb-n0-p1"}); got != "known pods: mb-n0-p0, mb-n0-p1" {
		t.Errorf("knownList = %q", got)
	}
	many := make([]string, 25)
	for i := range many {
		many[i] = "p"
	}
	if got := knownList(many); !strings.HasSuffix(got, "and 5 more") {
		t.Errorf("knownList(25) = %q", got)
	}
}

package conformance

import (
	"errors"
	"strings"
	"testing"

	"github.com/meshbench/meshbench/internal/substrate/local"
)

func TestEnvValue(t *testing.T) {
	env := []byte("PATH=/bin\x00MESHBENCH_POD_TOKEN=conf-none-ab12cd-n0-p1.ab12cd\x00MESHBENCH_POD_TOKEN_X=other\x00")
	for _, tc := range []struct {
		key, want string
		ok        bool
	}{
		{"MESHBENCH_POD_TOKEN", "conf-none-ab12cd-n0-p1.ab12cd", true},
		{"MESHBENCH_POD_TOKEN_X", "other", true},
		{"MESHBENCH_POD", "", false}, // a prefix of a key is not the key
		{"HOME", "", false},
	} {
		got, ok := envValue(env, tc.key)
		if got != tc.want || ok != tc.ok {
			t.Errorf("envValue(%s) = %q, %v; want %q, %v", tc.key, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCgroupV2Path(t *testing.T) {
	const pod = "/docker/603f/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort-pod99_a5.slice/cri-containerd-5f83.scope"
	for _, tc := range []struct {
		name, data, want, err string
	}{
		{"hybrid host", "9:name=systemd:/docker/603f/init.scope\n1:cpu:/x\n0::" + pod + "\n", pod, ""},
		{"pure v2", "0::/kubepods/pod1/abc\n", "/kubepods/pod1/abc", ""},
		{"cgroup v1 only", "4:memory:/x\n", "", "no cgroup v2 entry"},
		{"other namespace", "0::/../../x\n", "", "outside"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := cgroupV2Path([]byte(tc.data))
			if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("cgroupV2Path = %q, %v; want %q, error containing %q", got, err, tc.want, tc.err)
			}
		})
	}
}

// TestKindNA: on kind every IPv6 run and the sidecar's lifecycle are n/a
// with a reason; everything else runs, the eBPF capacity case included
// (the agents take a flow-map size; across nodes the case itself says
// n/a, since no socket there takes a flow entry).
func TestKindNA(t *testing.T) {
	topo := &kindTopology{}
	byName := map[string]Case{}
	for _, c := range Cases {
		byName[c.Name] = c
	}
	v4, v6 := variant{sameNode: true}, variant{sameNode: false, v6: true}
	for _, tc := range []struct {
		cs, mesh string
		v        variant
		na       bool
	}{
		{"bytes-small-writes", MeshNone, v4, false},
		{"bytes-small-writes", MeshEBPF, v6, true},
		{"reset", MeshSidecar, v6, true},
		{"lifecycle", MeshSidecar, v4, true},
		{"lifecycle", MeshEBPF, v4, false},
		{"lifecycle", MeshEBPF, variant{sameNode: false}, false}, // the agents' tc fast path carries it
		{"capacity", MeshEBPF, v4, false},
		{"capacity", MeshEBPF, variant{sameNode: false}, false},
		{"capacity", MeshEBPF, variant{sameNode: true, v6: true}, true},
		{"policy", MeshEBPF, v4, false},
		{"churn", MeshEBPF, v4, false},
		{"isolation", MeshSidecar, v4, false},
	} {
		c, ok := byName[tc.cs]
		if !ok {
			t.Fatalf("no case %s", tc.cs)
		}
		why := topo.na(c, tc.mesh, tc.v)
		if (why != "") != tc.na {
			t.Errorf("%s %s %s/%s: na %q, want n/a %v", tc.cs, tc.mesh, tc.v.placement(), tc.v.family(), why, tc.na)
		}
	}
	if local := (&localTopology{}).na(byName["lifecycle"], MeshSidecar, v6); local != "" {
		t.Errorf("the local substrate runs everything, got n/a %q", local)
	}
}

// TestKindJudge: the kind meshes judge with the local meshes' evidence
// keys and rules; an eBPF run across kind nodes passes only when the
// agents' tc fast path carried packets.
func TestKindJudge(t *testing.T) {
	pods := []local.Pod{{Name: "a"}, {Name: "b"}}
	ebpf := &kindEBPF{}
	redirected := map[string]int64{"a/msgs_redirected": 3, "b/msgs_redirected": 2, "c/msgs_redirected": 100, "a/conns_paired": 1}
	ev, path := ebpf.judge(redirected, pods, true)
	if path != pathRedirect || ev["msgs_redirected"] != 5 || ev["conns_paired"] != 1 {
		t.Errorf("same node, redirected: %s %v; want %s with only pods a and b counted", path, ev, pathRedirect)
	}
	if _, path := ebpf.judge(redirected, pods, false); path != pathFallback {
		t.Errorf("cross node without fast-path packets: %s, want %s", path, pathFallback)
	}
	if _, path := ebpf.judge(map[string]int64{"fastpath_packets": 40}, pods, false); path != pathFastPath {
		t.Errorf("cross node with fast-path packets: %s, want %s", path, pathFastPath)
	}
	if _, path := ebpf.judge(map[string]int64{"a/msgs_fallback": 9}, pods, true); path != pathFallback {
		t.Errorf("same node, nothing redirected: %s, want %s", path, pathFallback)
	}
	sc := &kindSidecar{}
	proxied := map[string]int64{"a/outbound_connections": 1, "b/inbound_connections": 1, "a/outbound_bytes": 10}
	if ev, path := sc.judge(proxied, pods, false); path != pathProxies || ev["outbound_bytes"] != 10 {
		t.Errorf("sidecar, proxied both ways: %s %v", path, ev)
	}
	if _, path := sc.judge(map[string]int64{"a/outbound_connections": 1}, pods, true); path != pathFallback {
		t.Errorf("sidecar, no inbound proxy: %s, want %s", path, pathFallback)
	}
}

func TestConfigSubstrate(t *testing.T) {
	c, err := Config{}.Normalize()
	if err != nil || c.Substrate != SubstrateLocal {
		t.Errorf("default substrate %q, %v; want %s", c.Substrate, err, SubstrateLocal)
	}
	if _, err := (Config{Substrate: "docker"}).Normalize(); !errors.Is(err, ErrInvalid) {
		t.Errorf("substrate docker: %v, want ErrInvalid", err)
	}
	if _, err := Run(t.Context(), Config{Substrate: SubstrateKind}); !errors.Is(err, ErrInvalid) {
		t.Errorf("kind without a cluster: %v, want ErrInvalid", err)
	}
}

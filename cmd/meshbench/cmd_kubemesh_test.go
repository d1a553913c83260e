package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshbench/meshbench/datapath"
	"github.com/meshbench/meshbench/envoy-baseline/intercept"
	"github.com/meshbench/meshbench/internal/cgroupv2"
	"github.com/meshbench/meshbench/internal/netnsutil"
	"github.com/meshbench/meshbench/internal/testenv"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// TestKubePlumbingBadInput: the in-pod commands refuse bad flags with exit
// 2 and a message naming the flag, before touching anything.
func TestKubePlumbingBadInput(t *testing.T) {
	dup := writeFile(t, "dup.json", `{"endpoints":[{"name":"a","ipv4":"198.18.0.1"},{"name":"a","ipv4":"198.18.0.2"}]}`)
	good := writeFile(t, "good.json", `{"endpoints":[]}`)
	agent := []string{"datapath", "agent", "--instance", "kube-c-n", "--endpoints", good}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"proxy uid 0", []string{"sidecar-init", "--proxy-uid", "0"}, "--proxy-uid 0"},
		{"port out of range", []string{"sidecar-init", "--inbound-port", "70000"}, `"--inbound-port"`},
		{"same ports", []string{"sidecar-init", "--inbound-port", "15001"}, "--inbound-port and --outbound-port are both 15001"},
		{"excluded port 0", []string{"sidecar-init", "--exclude-inbound-ports", "15021,0"}, "--exclude-inbound-ports: port 0"},
		{"excluded port too big", []string{"sidecar-init", "--exclude-outbound-ports", "99999"}, "--exclude-outbound-ports: port 99999"},
		{"agent without instance", []string{"datapath", "agent", "--endpoints", good}, `--instance ""`},
		{"agent bad instance", []string{"datapath", "agent", "--instance", "a/b", "--endpoints", good}, `--instance "a/b"`},
		{"agent without endpoints", []string{"datapath", "agent", "--instance", "kube-c-n"}, "--endpoints: required"},
		{"agent missing endpoints file", []string{"datapath", "agent", "--instance", "kube-c-n", "--endpoints", "/nonexistent/e.json"}, "--endpoints: open /nonexistent/e.json"},
		{"agent bad endpoints", []string{"datapath", "agent", "--instance", "kube-c-n", "--endpoints", dup}, `endpoints[1].name: "a" already names endpoints[0]`},
		{"agent bad probe", append(agent, "--probe", "sometimes"), "--probe"},
		{"agent metrics off loopback", append(agent, "--metrics", "0.0.0.0:19090"), `--metrics "0.0.0.0:19090"`},
		{"agent relative cgroup", append(agent, "--cgroup", "sys/fs/cgroup"), `--cgroup "sys/fs/cgroup"`},
		{"agent relative ready file", append(agent, "--ready-file", "ready"), `--ready-file "ready"`},
		{"status instance and cluster", []string{"datapath", "status", "--instance", "x", "--cluster", "y"}, "--instance and --cluster"},
		{"status json and serve", []string{"datapath", "status", "--json", "--serve", "127.0.0.1:0"}, "--json and --serve"},
		{"status bad instance", []string{"datapath", "status", "--instance", "a/b"}, `instance "a/b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := cli(t, tt.args...)
			if code != exitBadInput {
				t.Errorf("exit code %d, want 2; stderr: %s", code, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.want)
			}
		})
	}
}

// TestSidecarInitWithoutNetAdmin: an init container that is root but was
// not given NET_ADMIN gets exit 3 and the capabilities to add.
func TestSidecarInitWithoutNetAdmin(t *testing.T) {
	setpriv := requireSetpriv(t)
	out, err := exec.Command(setpriv, "--bounding-set=-net_admin", "--inh-caps=-all", binary, "sidecar-init").CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != exitEnvironment {
		t.Fatalf("sidecar-init without CAP_NET_ADMIN: %v, want exit 3\n%s", err, out)
	}
	if !strings.Contains(string(out), "CAP_NET_ADMIN") || !strings.Contains(string(out), "NET_ADMIN, NET_RAW") {
		t.Errorf("message does not say what to add: %s", out)
	}
}

// requireSetpriv returns util-linux's setpriv, which runs a command with
// fewer capabilities, or skips t: dropping them needs root.
func requireSetpriv(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: dropping capabilities for a root command needs root")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skipf("skipping: setpriv (util-linux) is needed to drop capabilities: %v", err)
	}
	return setpriv
}

// TestSidecarInitInPodNamespace runs sidecar-init as the init container
// does (root with only CAP_NET_ADMIN and CAP_NET_RAW, in the namespace to
// capture) twice, and reads the capture back.
func TestSidecarInitInPodNamespace(t *testing.T) {
	testenv.RequirePrivileged(t)
	setpriv := requireSetpriv(t)
	var ns *os.File
	err := netnsutil.With(func() error { return unix.Unshare(unix.CLONE_NEWNET) }, func() error {
		lo, err := netlink.LinkByName("lo")
		if err == nil {
			err = netlink.LinkSetUp(lo)
		}
		if err != nil {
			return err
		}
		ns, err = os.Open("/proc/thread-self/ns/net")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	path := fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), ns.Fd())
	for i := range 2 {
		var out []byte
		err := netnsutil.Do(path, func() error {
			var err error
			out, err = exec.Command(setpriv, "--bounding-set=-all,+net_admin,+net_raw", "--inh-caps=-all",
				binary, "sidecar-init", "--exclude-inbound-ports", "15021,15020").CombinedOutput()
			return err
		})
		if err != nil {
			t.Fatalf("sidecar-init #%d: %v\n%s", i+1, err, out)
		}
		for _, want := range []string{"table ip meshbench", "table ip6 meshbench", "meta skuid 1337 return", "tcp dport 15021 return", "redirect to :15006", "redirect to :15001"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("sidecar-init #%d output lacks %q:\n%s", i+1, want, out)
			}
		}
	}
	if ok, err := intercept.Exists(path); err != nil || !ok {
		t.Errorf("after sidecar-init: capture tables exist = %v, %v", ok, err)
	}
}

// TestDatapathStatusByInstanceJSON reads a datapath pinned under an
// agent-style instance the way the harness does, with no local cluster.
func TestDatapathStatusByInstanceJSON(t *testing.T) {
	testenv.RequirePrivileged(t)
	if err := datapath.CheckEnvironment(); err != nil {
		t.Skipf("skipping: the datapath cannot run here: %v", err)
	}
	mount, err := cgroupv2.Mountpoint()
	if err != nil {
		t.Fatal(err)
	}
	instance := fmt.Sprintf("kube-t%08x-node1", rand.Uint32())
	cg := filepath.Join(mount, "mb-"+instance)
	if err := os.Mkdir(cg, 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(cg)
	d, err := datapath.Up(context.Background(), datapath.Options{
		Instance: instance, Cgroups: []string{cg}, Probe: datapath.ProbeSkip,
		Endpoints: []datapath.Endpoint{{Name: "mb-server", IPv4: netip.MustParseAddr("198.18.7.7"), Node: "node1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := d.Down(); err != nil {
			t.Error(err)
		}
	}()
	code, out, stderr := cli(t, "datapath", "status", "--instance", instance, "--json")
	if code != 0 {
		t.Fatalf("status --instance --json: exit %d: %s", code, stderr)
	}
	var st datapath.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status JSON: %v\n%s", err, out)
	}
	if st.Instance != instance || !st.Enabled || len(st.Pods) != 1 || st.Pods[0].Name != "mb-server" {
		t.Errorf("status = %+v, want instance %s enabled with pod mb-server", st, instance)
	}
	if code, _, stderr := cli(t, "datapath", "status", "--instance", instance+"-gone"); code != exitBadInput || !strings.Contains(stderr, "nothing pinned") {
		t.Errorf("status of a missing instance: exit %d, %q; want 2 naming what is missing", code, stderr)
	}
}

package baseline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshbench/meshbench/envoy-baseline/intercept"
	"github.com/meshbench/meshbench/internal/cgroupv2"
	"github.com/meshbench/meshbench/internal/substrate/local"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// checkProxyProcesses checks that every proxy cgroup holds the proxy's
// processes, all running as ProxyUID.
func checkProxyProcesses(t *testing.T, sc *Sidecars) {
	t.Helper()
	for pod, cg := range sc.ProxyCgroups() {
		if filepath.Dir(cg) != mustPod(t, sc, pod).Cgroup {
			t.Errorf("pod %s: proxy cgroup %s is not below the pod's", pod, cg)
		}
		pids, err := cgroupv2.Procs(cg)
		if err != nil || len(pids) == 0 {
			t.Fatalf("pod %s: proxy cgroup has processes %v (%v)", pod, pids, err)
		}
		for _, pid := range pids {
			status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("\nUid:\t%d\t%d\t%d\t%d\n", ProxyUID, ProxyUID, ProxyUID, ProxyUID); !strings.Contains(string(status), want) {
				t.Errorf("pod %s: proxy pid %d does not run as uid %d", pod, pid, ProxyUID)
			}
		}
	}
}

func mustPod(t *testing.T, sc *Sidecars, name string) local.Pod {
	t.Helper()
	for _, ps := range sc.pods {
		if ps.pod.Name == name {
			return ps.pod
		}
	}
	t.Fatalf("no sidecar for pod %s", name)
	return local.Pod{}
}

// assertTornDown checks that Remove left nothing behind: no capture table
// or policy rule in any pod, no proxy process, no proxy cgroup, no files.
func assertTornDown(t *testing.T, sc *Sidecars, pods []local.Pod, proxy, dir string) {
	t.Helper()
	for _, p := range pods {
		if ok, err := intercept.Exists(p.Netns); err != nil || ok {
			t.Errorf("pod %s: capture table left behind (%v)", p.Name, err)
		}
		if rules := markRules(t, p); len(rules) > 0 {
			t.Errorf("pod %s: policy rules left behind: %v", p.Name, rules)
		}
	}
	if left := proxiesInNetns(t, proxy, pods); len(left) > 0 {
		t.Errorf("%s processes left behind: %v", proxy, left)
	}
	for pod, cg := range sc.ProxyCgroups() {
		if _, err := os.Stat(cg); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("pod %s: proxy cgroup %s left behind (%v)", pod, cg, err)
		}
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("run directory %s left behind (%v)", dir, err)
	}
}

// markRules lists the pod's policy rules that look at a firewall mark.
func markRules(t *testing.T, p local.Pod) []netlink.Rule {
	t.Helper()
	ns, err := netns.GetFromPath(p.Netns)
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	rules, err := h.RuleList(netlink.FAMILY_ALL)
	if err != nil {
		t.Fatal(err)
	}
	var marked []netlink.Rule
	for _, r := range rules {
		if r.Mark != 0 {
			marked = append(marked, r)
		}
	}
	return marked
}

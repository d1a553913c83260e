package conformance

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/meshbench/meshbench/datapath"
	"github.com/meshbench/meshbench/internal/substrate/local"
)

// What the local eBPF mesh (*ebpfMesh) and the kind one (*kindEBPF) share:
// the datapath's kernel self-test, its counters, the rule that judges them
// and its flow map.

// flowMesh is a mesh whose datapath keeps short-circuited sockets in a
// flow map, so checkNoLeak can wait for it to empty.
type flowMesh interface {
	flows() (int, error)
	waitFlows(ctx context.Context, want int) (int, error)
}

// ebpfDatapath is what the cases ask of an eBPF mesh on any substrate.
type ebpfDatapath interface {
	flowMesh
	// degraded says why the datapath redirects nothing, "" when it does.
	degraded() string
	// spliceStalls reports the kernel self-test's splice finding.
	spliceStalls() string
}

var (
	_ ebpfDatapath = (*ebpfMesh)(nil)
	_ ebpfDatapath = (*kindEBPF)(nil)
)

// kernelSelfTest is the datapath's kernel self-test as the report shows
// it: "selftest <check>" -> "ok" or "FAILED: why", and "splice_guard".
type kernelSelfTest map[string]string

// runSelfTest runs the datapath's kernel self-test on its own, so the
// report shows every check whatever the probe mode excuses. Kind nodes
// share this host's kernel, so it speaks for them too.
func runSelfTest(ctx context.Context) (kernelSelfTest, error) {
	var res *datapath.ProbeResult
	err := exclusive(func() (err error) {
		res, err = datapath.Probe(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("kernel self-test: %w", err)
	}
	st := kernelSelfTest{}
	for _, ch := range res.Checks {
		v := "ok"
		if ch.Err != nil {
			v = "FAILED: " + ch.Err.Error()
		}
		st["selftest "+ch.Name] = v
	}
	st["splice_guard"] = res.Guard
	if res.Guard == "" {
		st["splice_guard"] = "none (no BPF LSM or fmod_ret here)"
	}
	return st, nil
}

// spliceStalls reports the self-test's splice finding, "" when splice from
// a short-circuited socket works or is refused by the guard.
func (t kernelSelfTest) spliceStalls() string {
	if v := t["selftest "+datapath.CheckSplice]; strings.HasPrefix(v, "FAILED") {
		return "the datapath's own kernel self-test found this (splice check " + v + "; splice guard: " + t["splice_guard"] + ")"
	}
	return ""
}

// statusCounters are the counters the suite judges an eBPF datapath by:
// "<pod>/<counter>" and the fast path's packets.
func statusCounters(st *datapath.Status) map[string]int64 {
	out := map[string]int64{}
	for _, p := range st.Pods {
		for k, v := range map[string]uint64{
			"conns_paired": p.ConnsPaired, "msgs_redirected": p.MsgsRedirected, "bytes_redirected": p.BytesRedirected,
			"msgs_fallback": p.MsgsFallback, "policy_denied": p.PolicyDenied, "pair_refused": p.PairRefused,
			"splice_refused": p.SpliceRefused,
		} {
			out[p.Name+"/"+k] = int64(v)
		}
	}
	if st.FastPath != nil {
		out["fastpath_packets"] = int64(st.FastPath.Peer + st.FastPath.Neigh)
		out["fastpath_passed"] = int64(st.FastPath.Pass)
	}
	return out
}

// judgeEBPF: on one node the traffic must have been redirected socket to
// socket, unless the datapath is degraded (it redirects nothing by
// design), where the tc fast path must have carried it, as across nodes.
// Anything else is the fallback, the normal stack.
func judgeEBPF(delta map[string]int64, pods []local.Pod, sameNode, degraded bool) (map[string]int64, string) {
	ev := perPod(delta, pods, "conns_paired", "msgs_redirected", "bytes_redirected", "msgs_fallback", "policy_denied", "pair_refused", "splice_refused")
	ev["fastpath_packets"] = delta["fastpath_packets"]
	switch {
	case sameNode && ev["msgs_redirected"] > 0:
		return ev, pathRedirect
	case (!sameNode || degraded) && ev["fastpath_packets"] > 0:
		return ev, pathFastPath
	}
	return ev, pathFallback
}

// waitFlows polls flows until it reports at most want sockets (closing
// sockets leave the flow map on their last state change) or ctx ends,
// and returns the last count.
func waitFlows(ctx context.Context, flows func() (int, error), want int) (int, error) {
	for {
		n, err := flows()
		if err != nil || n <= want {
			return n, err
		}
		select {
		case <-ctx.Done():
			return n, nil
		case <-time.After(10 * time.Millisecond):
		}
	}
}

package datapath

import (
	"fmt"
	"strings"
)

// ProbeResult is what the kernel self-test found.
type ProbeResult struct {
	Checks []CheckResult
	// Guard is the splice guard's form ("lsm" or "fmod_ret"), or "" when
	// neither loads on this host.
	Guard string
}

// CheckResult is one check; Err is nil when it passed.
type CheckResult struct {
	Name string
	Err  error
}

// Names of the checks, in the order they run.
const (
	CheckRedirect = "byte-exact redirect"
	CheckFIONREAD = "FIONREAD"
	// CheckFIONREADHalfClose: FIONREAD of a socket in the short-circuit
	// counts bytes that reached it the normal way (after a half-close).
	CheckFIONREADHalfClose = "FIONREAD after half-close"
	CheckEpoll             = "epoll wakeup"
	// CheckBlockingRead: a read(2) blocked on a blocking socket survives
	// signals (SA_RESTART) and returns the bytes.
	CheckBlockingRead = "blocking read and signals"
	CheckSplice       = "splice"
	CheckHalfClose    = "half-close"
)

// Failed lists the failed checks the mode does not excuse.
func (r *ProbeResult) Failed(mode ProbeMode) []CheckResult {
	var out []CheckResult
	for _, c := range r.Checks {
		if c.Err == nil || (mode == ProbeNoSplice && noSpliceExcuses(c.Name)) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// Warnings are the failed checks the mode excuses: risks the caller took.
func (r *ProbeResult) Warnings(mode ProbeMode) []string {
	var out []string
	for _, c := range r.Checks {
		if l, ok := noSpliceLimits[c.Name]; ok && c.Err != nil && mode == ProbeNoSplice {
			out = append(out, l.warning+"; accepted by probe mode no-splice: "+c.Err.Error())
		}
	}
	return out
}

// Degraded is what a datapath degraded by r says (Status.Degraded): the
// failed checks by name; Err has each one's detail and what to do.
func (r *ProbeResult) Degraded(mode ProbeMode) string {
	var names []string
	for _, c := range r.Failed(mode) {
		names = append(names, c.Name)
	}
	return "kernel self-test failed (" + strings.Join(names, ", ") + "): no socket is short-circuited"
}

// receiveLimit is a failed check that probe mode no-splice accepts, and
// what to tell the user about it.
type receiveLimit struct {
	warning  string // the risk taken, for Status.Warnings
	risk     string // what breaks, for the refusal's hint
	workload string // the workloads it breaks: "when no workload ..."
	guard    bool   // the splice guard would fix it
}

// noSpliceLimits are the checks probe mode no-splice accepts: the splice
// stall, and two tcp_bpf receive-path limits no guard can fix: FIONREAD's
// blindness after a half-close (tcp_bpf answers FIONREAD from its redirect
// queue only) and a blocking read that a signal ends with EAGAIN
// (tcp_bpf_recvmsg does not restart its wait).
var noSpliceLimits = map[string]receiveLimit{
	CheckSplice: {
		warning:  "splice(2) from a short-circuited socket stalls on this kernel and no splice guard could be attached",
		risk:     "splice(2) from a TCP socket (Go's io.Copy between two TCP connections does it, HAProxy's option splice-* too) would wait forever on redirected bytes",
		workload: "splices from its sockets",
		guard:    true,
	},
	CheckFIONREADHalfClose: {
		warning:  "FIONREAD of a short-circuited socket misses bytes that come the normal way after a half-close",
		risk:     "FIONREAD after a half-close reads 0",
		workload: "sizes reads by FIONREAD on half-closed sockets",
	},
	CheckBlockingRead: {
		warning:  "a read(2) blocked on a short-circuited blocking socket fails with EAGAIN when a signal arrives",
		risk:     "a blocking read fails with EAGAIN when a signal arrives",
		workload: "reads blocking sockets in a program that takes signals",
	},
}

func noSpliceExcuses(check string) bool {
	_, ok := noSpliceLimits[check]
	return ok
}

// Err is nil when the mode accepts r, else an error wrapping ErrProbe that
// names each failed check and what to do.
func (r *ProbeResult) Err(mode ProbeMode) error {
	failed := r.Failed(mode)
	if len(failed) == 0 {
		return nil
	}
	parts := make([]string, len(failed))
	excusable := true
	var risks, workloads []string
	guard := false
	for i, c := range failed {
		parts[i] = c.Name + ": " + c.Err.Error()
		l, ok := noSpliceLimits[c.Name]
		excusable = excusable && ok
		risks, workloads = append(risks, l.risk), append(workloads, l.workload)
		guard = guard || l.guard
	}
	hint := "use a newer kernel, or the probe mode \"degrade\" (no socket short-circuited; policy at connect, counters, the tc fast path)"
	if excusable {
		fix := "Use"
		if guard {
			fix = "Allow BPF LSM or fmod_ret programs for the splice guard, use"
		}
		hint = strings.Join(risks, "; ") + ". " + fix + " the probe mode \"degrade\" (no socket short-circuited), " +
			"or, when no workload " + strings.Join(workloads, ", or ") + ", \"no-splice\""
	}
	return fmt.Errorf("%w: %s. %s", ErrProbe, strings.Join(parts, "; "), hint)
}

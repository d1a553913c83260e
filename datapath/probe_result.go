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
	CheckRedirect  = "byte-exact redirect"
	CheckFIONREAD  = "FIONREAD"
	CheckEpoll     = "epoll wakeup"
	CheckSplice    = "splice"
	CheckHalfClose = "half-close"
)

// Failed lists the failed checks the mode does not excuse.
func (r *ProbeResult) Failed(mode ProbeMode) []CheckResult {
	var out []CheckResult
	for _, c := range r.Checks {
		if c.Err == nil || (mode == ProbeNoSplice && c.Name == CheckSplice) {
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
		if c.Err != nil && mode == ProbeNoSplice && c.Name == CheckSplice {
			out = append(out, "splice(2) from a short-circuited socket stalls on this kernel and no splice guard could be attached; accepted by probe mode no-splice: "+c.Err.Error())
		}
	}
	return out
}

// Err is nil when the mode accepts r, else an error wrapping ErrProbe that
// names each failed check and what to do.
func (r *ProbeResult) Err(mode ProbeMode) error {
	failed := r.Failed(mode)
	if len(failed) == 0 {
		return nil
	}
	parts := make([]string, len(failed))
	spliceOnly := true
	for i, c := range failed {
		parts[i] = c.Name + ": " + c.Err.Error()
		spliceOnly = spliceOnly && c.Name == CheckSplice
	}
	hint := "use a newer kernel, or the probe mode \"degrade\" (policy and counters, no redirection)"
	if spliceOnly {
		hint = "splice(2) from a TCP socket (Go's io.Copy between two TCP connections does it, HAProxy's option splice-* too) would wait forever on redirected bytes. " +
			"Allow BPF LSM or fmod_ret programs for the splice guard, or, when no workload splices from its sockets, use the probe mode \"no-splice\""
	}
	return fmt.Errorf("%w: %s. %s", ErrProbe, strings.Join(parts, "; "), hint)
}

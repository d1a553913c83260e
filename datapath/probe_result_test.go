package datapath

import (
	"errors"
	"strings"
	"testing"
)

// TestProbeModeExcuses: no-splice accepts exactly tcp_bpf's receive-path
// limits, each with a warning naming it; anything else still refuses, and
// the required mode accepts nothing.
func TestProbeModeExcuses(t *testing.T) {
	failed := errors.New("failed")
	for _, c := range []struct {
		check    string
		excused  bool
		warnWord string
	}{
		{CheckSplice, true, "splice(2)"},
		{CheckFIONREADHalfClose, true, "FIONREAD"},
		{CheckBlockingRead, true, "blocking socket fails with EAGAIN when a signal arrives"},
		{CheckRedirect, false, ""},
		{CheckFIONREAD, false, ""},
		{CheckEpoll, false, ""},
		{CheckHalfClose, false, ""},
	} {
		r := &ProbeResult{Checks: []CheckResult{{Name: CheckRedirect}, {Name: c.check, Err: failed}}}
		if c.check == CheckRedirect {
			r.Checks = r.Checks[1:]
		}
		if !errors.Is(r.Err(ProbeRequired), ErrProbe) {
			t.Errorf("%s failed: the required mode accepts it", c.check)
		}
		err := r.Err(ProbeNoSplice)
		if c.excused != (err == nil) {
			t.Errorf("%s failed: no-splice gives %v, want excused=%v", c.check, err, c.excused)
		}
		warns := strings.Join(r.Warnings(ProbeNoSplice), "\n")
		if c.excused && !strings.Contains(warns, c.warnWord) {
			t.Errorf("%s excused without a warning naming %q: %q", c.check, c.warnWord, warns)
		}
		if !c.excused && warns != "" {
			t.Errorf("%s refused, yet warned %q", c.check, warns)
		}
	}
}

// TestProbeHintNamesOnlyWhatFailed: the advice follows the failed checks;
// the splice guard is suggested only when splice failed.
func TestProbeHintNamesOnlyWhatFailed(t *testing.T) {
	r := &ProbeResult{Checks: []CheckResult{{Name: CheckRedirect}, {Name: CheckBlockingRead, Err: errors.New("EAGAIN")}}}
	msg := r.Err(ProbeRequired).Error()
	for _, want := range []string{"blocking read fails with EAGAIN", "reads blocking sockets in a program that takes signals", `"no-splice"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("hint %q lacks %q", msg, want)
		}
	}
	if !strings.Contains(msg, `signal arrives. Use the probe mode "degrade"`) {
		t.Errorf("hint %q: the advice does not start its own sentence", msg)
	}
	for _, not := range []string{"splice guard", "FIONREAD"} {
		if strings.Contains(msg, not) {
			t.Errorf("hint %q names %q, which did not fail", msg, not)
		}
	}
	r.Checks = append(r.Checks, CheckResult{Name: CheckSplice, Err: errors.New("stall")})
	if msg := r.Err(ProbeRequired).Error(); !strings.Contains(msg, "splice guard") {
		t.Errorf("splice failed, yet the hint %q does not suggest the guard", msg)
	}
}

package cpuacct

import (
	"math"
	"strings"
	"testing"
	"time"
)

const procStat = `cpu  1000 50 400 9000 10 5 45 7 0 0
cpu0 500 25 200 4500 5 3 20 4 0 0
intr 12345
`

func TestParseHost(t *testing.T) {
	s, err := ParseHost(strings.NewReader(procStat))
	if err != nil {
		t.Fatal(err)
	}
	want := HostStat{User: 1000, Nice: 50, System: 400, Idle: 9000, IOWait: 10, IRQ: 5, SoftIRQ: 45, Steal: 7, CPUs: 1}
	if s != want {
		t.Fatalf("got %+v, want %+v", s, want)
	}
	if s.Busy() != 1000+50+400+5+45 {
		t.Errorf("Busy() = %d", s.Busy())
	}
}

func TestParseHostErrors(t *testing.T) {
	for _, in := range []string{"", "intr 5\n", "cpu a b c d e f g h\n"} {
		if _, err := ParseHost(strings.NewReader(in)); err == nil {
			t.Errorf("ParseHost(%q) gave no error", in)
		}
	}
}

func TestHostDeltaCountsKernelTime(t *testing.T) {
	before := HostStat{User: 100, System: 100, SoftIRQ: 100, Idle: 1000}
	// Over 2 s: 1 s user, 0.5 s system, 0.5 s softirq = 1 core busy on average.
	after := HostStat{User: 200, System: 150, SoftIRQ: 150, Idle: 1200, Steal: 20}
	u := HostDelta(before, after, 2*time.Second)
	near := func(name string, got, want float64) {
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	near("Busy", u.Busy, 1.0)
	near("User", u.User, 0.5)
	near("System", u.System, 0.25)
	near("SoftIRQ", u.SoftIRQ, 0.25)
	near("Steal", u.Steal, 0.1)
	if z := HostDelta(before, after, 0); z.Busy != 0 {
		t.Errorf("zero window gave %v", z)
	}
	if back := HostDelta(after, before, time.Second); back.Busy != 0 {
		t.Errorf("counters going backwards gave %v", back)
	}
}

func TestCgroupDeltaAndPerKRPS(t *testing.T) {
	if got := CgroupDelta(1_000_000, 2_500_000, 3*time.Second); math.Abs(got-0.5) > 1e-9 {
		t.Errorf("CgroupDelta = %v, want 0.5", got)
	}
	if got := PerKRPS(0.5, 2000); got != 0.25 {
		t.Errorf("PerKRPS = %v, want 0.25", got)
	}
	if got := PerKRPS(0.5, 0); got != 0 {
		t.Errorf("PerKRPS with no requests = %v", got)
	}
}

// TestHostDeltaBusyFromIdle: with the per-CPU count known, busy time is the
// window's CPU time minus idle, iowait and steal, which the kernel measures
// exactly, even when the tick saw almost none of it. Over 2 s on 2 CPUs:
// 3.2 s idle, 0.1 s iowait, 0.1 s steal leave 0.6 s busy = 0.3 cores, while
// the tick sampled only 0.04 s of user and system time.
func TestHostDeltaBusyFromIdle(t *testing.T) {
	before := HostStat{User: 100, System: 100, Idle: 1000, CPUs: 2}
	after := HostStat{User: 102, System: 102, Idle: 1320, IOWait: 10, Steal: 10, CPUs: 2}
	u := HostDelta(before, after, 2*time.Second)
	if math.Abs(u.Busy-0.3) > 1e-9 || math.Abs(u.BusyTicks-0.02) > 1e-9 || math.Abs(u.Steal-0.05) > 1e-9 {
		t.Errorf("busy %v (ticks %v, steal %v), want 0.3 (0.02, 0.05)", u.Busy, u.BusyTicks, u.Steal)
	}
	// Idle beyond the window (clock skew between the samples) cannot make
	// busy time negative, nor can busy time exceed the CPUs.
	if u := HostDelta(before, HostStat{Idle: 1500, CPUs: 2}, time.Second); u.Busy != 0 {
		t.Errorf("busy %v, want 0", u.Busy)
	}
	if u := HostDelta(before, HostStat{Idle: 1000, CPUs: 2}, time.Second); u.Busy != 2 {
		t.Errorf("busy %v, want 2", u.Busy)
	}
	// A CPU brought online between the samples: fall back to the tick.
	if u := HostDelta(before, HostStat{User: 300, System: 100, Idle: 1000, CPUs: 3}, 2*time.Second); u.Busy != 1 {
		t.Errorf("busy %v, want the tick's 1", u.Busy)
	}
}

package testenv

import (
	"bufio"
	"strings"
	"testing"
)

func TestParseCapEff(t *testing.T) {
	tests := []struct {
		name    string
		status  string
		want    uint64
		wantErr bool
	}{
		{"root", "Name:\tx\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\n", 0x1ffffffffff, false},
		{"none", "CapEff:\t0000000000000000\n", 0, false},
		{"net admin only", "CapEff:\t0000000000001000\n", 1 << capNetAdmin, false},
		{"missing", "Name:\tx\n", 0, true},
		{"garbage", "CapEff:\tzz\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCapEff(bufio.NewScanner(strings.NewReader(tt.status)))
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("parseCapEff = %#x, %v; want %#x, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// fakeTB records whether RequirePrivileged skipped or failed.
type fakeTB struct {
	testing.TB
	skipped, failed bool
}

func (f *fakeTB) Helper()               {}
func (f *fakeTB) Skipf(string, ...any)  { f.skipped = true }
func (f *fakeTB) Fatalf(string, ...any) { f.failed = true }

func TestRequirePrivilegedDecision(t *testing.T) {
	orig := missing
	t.Cleanup(func() { missing = orig })
	tests := []struct {
		reason, ci          string
		wantSkip, wantFatal bool
	}{
		{"", "", false, false},
		{"", "true", false, false},
		{"needs root", "", true, false},
		{"needs root", "false", true, false},
		{"needs root", "true", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.reason+"/CI="+tt.ci, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			missing = func() string { return tt.reason }
			f := &fakeTB{TB: t}
			RequirePrivileged(f)
			if f.skipped != tt.wantSkip || f.failed != tt.wantFatal {
				t.Fatalf("skipped=%v failed=%v, want skipped=%v failed=%v", f.skipped, f.failed, tt.wantSkip, tt.wantFatal)
			}
		})
	}
}

func TestProbeOnThisHost(t *testing.T) {
	// Not an assertion about the host: just make sure probing works and say
	// what it found.
	if r := missing(); r != "" {
		t.Logf("privileged tests would be skipped: %s", r)
	} else {
		t.Log("privileged tests can run here")
	}
}

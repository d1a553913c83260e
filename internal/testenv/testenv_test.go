package testenv

import "testing"

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

func TestRequireCommandDecision(t *testing.T) {
	for _, tt := range []struct {
		name, ci            string
		wantSkip, wantFatal bool
	}{
		{"sh", "true", false, false}, // installed: neither
		{"no-such-program-meshbench", "", true, false},
		{"no-such-program-meshbench", "true", false, true},
	} {
		t.Run(tt.name+"/CI="+tt.ci, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			f := &fakeTB{TB: t}
			path := RequireCommand(f, tt.name, "pkg")
			if f.skipped != tt.wantSkip || f.failed != tt.wantFatal || (path == "") != (tt.wantSkip || tt.wantFatal) {
				t.Fatalf("path=%q skipped=%v failed=%v, want skipped=%v failed=%v", path, f.skipped, f.failed, tt.wantSkip, tt.wantFatal)
			}
		})
	}
}

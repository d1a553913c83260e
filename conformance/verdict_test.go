package conformance

import (
	"strings"
	"testing"

	"github.com/meshbench/meshbench/bench/fingerprint"
)

func TestMismatch(t *testing.T) {
	base := fingerprint.Env{Kernel: "6.18", CPU: "x", Commit: "abc", BinarySHA256: "b1"}
	dirty := base
	dirty.Dirty = true
	otherBuild := dirty
	otherBuild.BinarySHA256 = "b2"
	otherKernel := base
	otherKernel.Kernel = "6.1"
	tests := []struct {
		name       string
		here, ran  fingerprint.Env
		wantReason string // "" = the report applies
	}{
		{"same clean build", base, base, ""},
		{"same modified build", dirty, dirty, ""},
		{"another modified build at the same commit", otherBuild, dirty, "different build from a modified tree"},
		{"another kernel", otherKernel, base, `kernel "6.1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := (&Report{Env: tt.ran}).Mismatch(tt.here)
			if (tt.wantReason == "") != (got == "") || !strings.Contains(got, tt.wantReason) {
				t.Errorf("Mismatch = %q, want %q", got, tt.wantReason)
			}
		})
	}
}

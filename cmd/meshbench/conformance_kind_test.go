package main

import (
	"strings"
	"testing"

	"github.com/meshbench/meshbench/internal/testenv"
)

// TestConformanceKindBadInput: flags that cannot work on kind exit 2 (or
// 3 for what the host lacks) with one line naming them, before any
// cluster is created.
func TestConformanceKindBadInput(t *testing.T) {
	for _, tt := range []struct {
		name       string
		privileged bool // the check comes after the privilege check
		args       []string
		code       int
		want       string
	}{
		{"unknown substrate", false, []string{"--substrate", "docker"}, exitBadInput, `--substrate: "docker": want local or kind`},
		{"kubeconfig on local", false, []string{"--kubeconfig", "/tmp/kc"}, exitBadInput, "--kubeconfig: only with --substrate kind"},
		{"mtls on kind", true, []string{"--substrate", "kind", "--mtls"}, exitBadInput, "--mtls"},
		{"envoy on kind", true, []string{"--substrate", "kind", "--sidecar", "envoy"}, exitEnvironment, "only HAProxy exists as an image"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.privileged {
				testenv.RequirePrivileged(t)
			}
			code, _, stderr := cli(t, append([]string{"conformance"}, tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, tt.want)
			}
			if n := strings.Count(strings.TrimSpace(stderr), "\n"); n > 0 {
				t.Errorf("message spans %d lines: %q", n+1, stderr)
			}
		})
	}
}

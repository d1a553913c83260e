package main

import (
	"strings"
	"testing"
)

// A version that is not a release tag is bad input (exit 2), reported before
// Docker, debootstrap or the network are touched.
func TestKindBuildImageBadVersion(t *testing.T) {
	for _, v := range []string{"latest", "1.33.4", "v1.33"} {
		code, _, stderr := cli(t, "kind", "build-image", "--kubernetes-version", v, "--work-dir", t.TempDir())
		if code != exitBadInput || !strings.Contains(stderr, "want a release tag such as v1.33.4") {
			t.Errorf("--kubernetes-version %s: code %d, stderr %q; want 2 and the expected form", v, code, stderr)
		}
	}
}

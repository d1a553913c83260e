package baseline

import (
	"os"
	"testing"
)

// TestMain lets the test binary double as a fake envoy (see
// fake_envoy_test.go) when started with fakeEnvoyEnv set.
func TestMain(m *testing.M) {
	if os.Getenv(fakeEnvoyEnv) != "" {
		os.Exit(fakeEnvoy(os.Args[1:]))
	}
	os.Exit(m.Run())
}

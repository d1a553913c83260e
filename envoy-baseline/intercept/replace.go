package intercept

import "fmt"

// Replace installs cfg's capture in the namespace at netnsPath ("" for the
// caller's own), first deleting a capture already there: tables named
// TableName in either family and the policy routing either capture mode
// adds. Running it twice leaves what running it once does, which an init
// container needs: the kubelet runs it again in the same pod sandbox when
// the pod restarts, the way istio-init flushes its chains before adding
// them. Connections captured by the old rules lose their NAT translation,
// so only call it before the pod's applications start.
func Replace(netnsPath string, cfg Config) (*Capture, error) {
	cfg.Normalize()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("capture config: %w", err)
	}
	// A TProxy plan of both families names every table and every route
	// any earlier capture with the same mark and table could have added.
	every := cfg
	every.IPv4, every.IPv6 = TProxy, TProxy
	old := &Capture{netns: netnsPath, cfg: every, tables: Plan(every)}
	if err := old.Remove(); err != nil {
		return nil, err
	}
	return Install(netnsPath, cfg)
}

// nsName names a namespace path in messages.
func nsName(path string) string {
	if path == "" {
		return "the current network namespace"
	}
	return path
}

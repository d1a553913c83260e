// Package local is the embedded "local" substrate: a cluster of nodes and pods
// built from network namespaces on this host, shaped like a bridge CNI.
//
// Each node is a network namespace holding a Linux bridge (mb-br0) and doing
// the routing; each pod is a network namespace whose eth0 is one end of a veth
// pair, the other end (mb-p<j>) being a port of its node's bridge. Nodes are
// joined in a full mesh by veth "wires" (mb-w<k>) with routes between pod
// CIDRs, so same-node traffic crosses only the node bridge and cross-node
// traffic is routed across a wire. Every pod also gets its own cgroup v2,
// grouped under its node's cgroup. Addresses are dual stack and come only from
// the benchmarking ranges 198.18.0.0/15 and 2001:2::/48 (see addr.go).
//
// Every name created on the host starts with "mb-": named netns in /run/netns
// ("mb-n0", "mb-n0-p0" for the default cluster, "mb-<name>-n0-p0" for a named
// one), cgroups under <cgroup2 mount>/mb-meshbench, state in /run/meshbench.
// DownAll removes all of it, even without a state file. Nothing here touches
// the host namespace's interfaces, routes, sysctls or firewall.
//
// The package needs Linux, root (CAP_NET_ADMIN and CAP_SYS_ADMIN) and a
// cgroup v2 mount with cgroup.kill (Linux 5.14+).
package local

import (
	"errors"
	"fmt"
	"regexp"
)

// Limits of a cluster's shape.
const (
	MaxNodes       = 16
	MaxPodsPerNode = 100
	maxNameLen     = 20
)

// ErrInvalidConfig marks errors caused by a bad Config (callers map it to
// "bad input").
var ErrInvalidConfig = errors.New("invalid cluster config")

// Config is the shape of a cluster to bring up.
type Config struct {
	// Name tells clusters apart so tests and parallel runs never collide.
	// "" (or "default") is the default cluster. Otherwise 1 to 20 characters
	// of a-z, 0-9 and '-', starting and ending with a letter or digit.
	Name string
	// Nodes is the number of nodes, 1 to 16.
	Nodes int
	// PodsPerNode is the number of pods on every node, 1 to 100.
	PodsPerNode int
}

var nameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

// validate checks cfg and returns it with Name normalized ("default" -> "").
func (cfg Config) validate() (Config, error) {
	if cfg.Name == defaultKey {
		cfg.Name = ""
	}
	if cfg.Name != "" && (len(cfg.Name) > maxNameLen || !nameRE.MatchString(cfg.Name)) {
		return cfg, fmt.Errorf("%w: name %q: want 1 to %d characters of a-z, 0-9 and '-', starting and ending with a letter or digit",
			ErrInvalidConfig, cfg.Name, maxNameLen)
	}
	if cfg.Nodes < 1 || cfg.Nodes > MaxNodes {
		return cfg, fmt.Errorf("%w: nodes = %d: want 1 to %d", ErrInvalidConfig, cfg.Nodes, MaxNodes)
	}
	if cfg.PodsPerNode < 1 || cfg.PodsPerNode > MaxPodsPerNode {
		return cfg, fmt.Errorf("%w: pods per node = %d: want 1 to %d", ErrInvalidConfig, cfg.PodsPerNode, MaxPodsPerNode)
	}
	return cfg, nil
}

package datapath

import (
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"regexp"
	"slices"
)

// ErrInvalid is wrapped by every error about bad Options or Policy.
var ErrInvalid = errors.New("invalid datapath options")

// DefaultPinRoot is where every instance pins its maps and links.
const DefaultPinRoot = "/sys/fs/bpf/meshbench"

// maxPods is MB_MAX_PODS minus slot 0, which belongs to no pod.
const maxPods = 4095

// Options configure one datapath instance.
type Options struct {
	// Instance names the pin directory, DefaultPinRoot/<Instance>.
	// Default "default".
	Instance string
	// Cgroups are cgroup v2 directories to attach to: a node's cgroup or
	// the parent of the pods' cgroups. sockops only sees sockets created
	// by processes inside these subtrees.
	Cgroups []string
	// Endpoints are the mesh's pods. Only a connection whose both ends are
	// endpoint addresses is short-circuited.
	Endpoints []Endpoint
	// Policy decides which endpoint may connect to which.
	Policy Policy
	// Probe chooses what a failed kernel self-test does; see ProbeMode.
	Probe ProbeMode
	// Nodes are the topology's nodes. With them, endpoints naming a node
	// get the tc fast path (unless NoFastPath), and sockets of pods on
	// different nodes are not short-circuited (unless CrossNode).
	Nodes      []Node
	NoFastPath bool
	// CrossNode short-circuits pods on different nodes too. They share
	// one kernel only on a test host; a real cluster could not.
	CrossNode bool
	// MountBPFFS mounts bpffs on /sys/fs/bpf when nothing is mounted there,
	// instead of failing with ErrNoBPFFS.
	MountBPFFS bool
	// MaxFlows sizes the flow maps (the SOCKHASH and its mirror): how many
	// sockets, two per connection, can be short-circuited at once. Sockets
	// beyond it take the normal stack (counted as PairRefused). 0 means
	// DefaultMaxFlows; smaller values let tests fill the maps quickly.
	MaxFlows int
}

// DefaultMaxFlows is the flow maps' size (MB_MAX_FLOWS).
const DefaultMaxFlows = 65536

// Endpoint is one mesh pod.
type Endpoint struct {
	Name string
	IPv4 netip.Addr // may be invalid when the pod has no IPv4
	IPv6 netip.Addr // may be invalid when the pod has no IPv6
	// Netns, when set, is the path of the pod's network namespace. A
	// socket only joins the short-circuit as this pod if it lives there,
	// and connect(2) from there is attributed to this pod.
	Netns string
	// Cgroup, when set, is the pod's cgroup v2 directory; connect(2) from
	// a task inside it is attributed to this pod.
	Cgroup string
	// Node, when set, names the pod's node (see Options.Nodes).
	Node string
}

// ProbeMode says what Up does with the kernel self-test (see Probe).
type ProbeMode int

const (
	// ProbeRequired fails Up with ErrProbe when any check fails.
	ProbeRequired ProbeMode = iota
	// ProbeNoSplice accepts the failed checks of tcp_bpf's receive path
	// that only some workloads meet: splice(2) from a TCP socket (on hosts
	// where the splice guard cannot load), FIONREAD after a half-close, and
	// a blocking read that a signal ends with EAGAIN. Any other failure
	// still fails Up. Status.Warnings records the risk taken.
	ProbeNoSplice
	// ProbeDegrade, when any check fails, never pairs or redirects a
	// socket: sockets stay out of the SOCKHASH (membership alone breaks
	// FIONREAD for bytes that come the normal way), policy holds at
	// connect, and the tc fast path still carries pod-to-pod packets where
	// it is attached. Status.Degraded says why.
	ProbeDegrade
	// ProbeSkip does not run the self-test.
	ProbeSkip
)

// ParseProbeMode reads "required", "no-splice", "degrade" or "skip".
func ParseProbeMode(s string) (ProbeMode, error) {
	for m, name := range probeModeNames {
		if s == name {
			return ProbeMode(m), nil
		}
	}
	return 0, fmt.Errorf("%w: probe mode %q: want required, no-splice, degrade or skip", ErrInvalid, s)
}

var probeModeNames = []string{"required", "no-splice", "degrade", "skip"}

func (m ProbeMode) String() string {
	if m >= 0 && int(m) < len(probeModeNames) {
		return probeModeNames[m]
	}
	return fmt.Sprintf("probe-mode(%d)", int(m))
}

var instanceRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$`)

// Normalize fills defaults and validates o.
func (o Options) Normalize() (Options, error) {
	if o.Instance == "" {
		o.Instance = "default"
	}
	if !instanceRE.MatchString(o.Instance) {
		return o, fmt.Errorf("%w: instance %q: want 1-63 letters, digits, '.', '_' or '-'", ErrInvalid, o.Instance)
	}
	if len(o.Cgroups) == 0 {
		return o, fmt.Errorf("%w: no cgroup to attach to (Options.Cgroups)", ErrInvalid)
	}
	o.Cgroups = slices.Clone(o.Cgroups)
	for i, cg := range o.Cgroups {
		if !filepath.IsAbs(cg) {
			return o, fmt.Errorf("%w: cgroup %q: want an absolute path", ErrInvalid, cg)
		}
		o.Cgroups[i] = filepath.Clean(cg)
	}
	if err := validateEndpoints(o.Endpoints); err != nil {
		return o, err
	}
	if err := validateNodes(o.Nodes, o.Endpoints); err != nil {
		return o, err
	}
	if err := o.Policy.validate(o.Endpoints); err != nil {
		return o, err
	}
	if o.MaxFlows == 0 {
		o.MaxFlows = DefaultMaxFlows
	}
	if o.MaxFlows < 2 || o.MaxFlows > DefaultMaxFlows {
		return o, fmt.Errorf("%w: max flows %d: want 2 to %d", ErrInvalid, o.MaxFlows, DefaultMaxFlows)
	}
	if o.Probe < ProbeRequired || o.Probe > ProbeSkip {
		return o, fmt.Errorf("%w: probe mode %d", ErrInvalid, o.Probe)
	}
	return o, nil
}

func validateEndpoints(eps []Endpoint) error {
	if len(eps) > maxPods {
		return fmt.Errorf("%w: %d endpoints, at most %d", ErrInvalid, len(eps), maxPods)
	}
	names := map[string]bool{}
	addrs := map[netip.Addr]string{}
	for _, ep := range eps {
		if ep.Name == "" || len(ep.Name) >= podNameLen {
			return fmt.Errorf("%w: endpoint name %q: want 1-%d bytes", ErrInvalid, ep.Name, podNameLen-1)
		}
		if names[ep.Name] {
			return fmt.Errorf("%w: endpoint %q listed twice", ErrInvalid, ep.Name)
		}
		names[ep.Name] = true
		if !ep.IPv4.IsValid() && !ep.IPv6.IsValid() {
			return fmt.Errorf("%w: endpoint %q has no address", ErrInvalid, ep.Name)
		}
		if ep.IPv4.IsValid() && !ep.IPv4.Unmap().Is4() {
			return fmt.Errorf("%w: endpoint %q: IPv4 %s is not an IPv4 address", ErrInvalid, ep.Name, ep.IPv4)
		}
		if ep.IPv6.IsValid() && (!ep.IPv6.Is6() || ep.IPv6.Is4In6()) {
			return fmt.Errorf("%w: endpoint %q: IPv6 %s is not an IPv6 address", ErrInvalid, ep.Name, ep.IPv6)
		}
		for _, a := range []netip.Addr{ep.IPv4, ep.IPv6} {
			if !a.IsValid() {
				continue
			}
			a = a.Unmap()
			if other, dup := addrs[a]; dup {
				return fmt.Errorf("%w: address %s belongs to both %q and %q", ErrInvalid, a, other, ep.Name)
			}
			addrs[a] = ep.Name
		}
	}
	return nil
}

func validateNodes(nodes []Node, eps []Endpoint) error {
	if len(nodes) > maxNodes {
		return fmt.Errorf("%w: %d nodes, at most %d", ErrInvalid, len(nodes), maxNodes)
	}
	names := map[string]bool{}
	for _, n := range nodes {
		if n.Name == "" || names[n.Name] {
			return fmt.Errorf("%w: node name %q empty or listed twice", ErrInvalid, n.Name)
		}
		names[n.Name] = true
	}
	for _, ep := range eps {
		if ep.Node != "" && len(nodes) > 0 && !names[ep.Node] {
			return fmt.Errorf("%w: endpoint %q: unknown node %q", ErrInvalid, ep.Name, ep.Node)
		}
	}
	return nil
}

// maxNodes is the fast path's counter slots (256) minus slot 0.
const maxNodes = 255

// nodeIDs numbers the nodes from 1: Options.Nodes in order, then node names
// only endpoints mention.
func nodeIDs(o Options) map[string]uint32 {
	ids := map[string]uint32{}
	for _, n := range o.Nodes {
		ids[n.Name] = uint32(len(ids) + 1)
	}
	for _, ep := range o.Endpoints {
		if _, ok := ids[ep.Node]; !ok && ep.Node != "" {
			ids[ep.Node] = uint32(len(ids) + 1)
		}
	}
	return ids
}

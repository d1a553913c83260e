package datapath

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cilium/ebpf"
)

// Action is what a policy rule does with a connection.
type Action uint8

// Actions, with the values the BPF programs use.
const (
	Allow Action = 1
	Deny  Action = 2
	// Bypass allows the connection but keeps it out of the short-circuit:
	// plain kernel TCP for its whole life, policy checked at connect only.
	// For streams of small writes, which tcp_bpf's send path carries
	// slower than plain TCP (see BenchmarkStream).
	Bypass Action = 3
)

func (a Action) String() string {
	switch a {
	case Allow:
		return "allow"
	case Deny:
		return "deny"
	case Bypass:
		return "bypass"
	}
	return fmt.Sprintf("action(%d)", uint8(a))
}

// Policy decides which endpoint may open a TCP connection to which. The most
// specific matching rule wins: exact (From, To, Port), then any port, then
// any source, then any source and port; with no match DefaultDeny decides.
//
// A denied connect(2) from a pod fails with ECONNREFUSED. A connection that
// was open before a rule started denying it gets EACCES on its next send.
// Neither is ever silently dropped.
type Policy struct {
	DefaultDeny bool
	Rules       []Rule
}

// Rule is one policy entry.
type Rule struct {
	From   string // source endpoint name, "" for any endpoint
	To     string // destination endpoint name
	Port   uint16 // destination port, 0 for any
	Action Action
}

// Validate checks p against the endpoints it will be installed with, as
// Up and SetPolicy do: every rule names known endpoints, has an action, and
// no two rules decide the same source, destination and port.
func (p Policy) Validate(eps []Endpoint) error { return p.validate(eps) }

func (p Policy) validate(eps []Endpoint) error {
	names := map[string]bool{}
	var known []string
	for _, ep := range eps {
		names[ep.Name] = true
		known = append(known, ep.Name)
	}
	unknown := func(i int, field, which, name string) error {
		return fmt.Errorf("%w: policy rules[%d].%s: unknown %s endpoint %q (the mesh has %s)", ErrInvalid, i, field, which, name, strings.Join(known, ", "))
	}
	seen := map[Rule]bool{}
	for i, r := range p.Rules {
		if r.Action != Allow && r.Action != Deny && r.Action != Bypass {
			return fmt.Errorf("%w: policy rules[%d].action: %s, want allow, deny or bypass", ErrInvalid, i, r.Action)
		}
		if r.From != "" && !names[r.From] {
			return unknown(i, "from", "source", r.From)
		}
		if !names[r.To] {
			return unknown(i, "to", "destination", r.To)
		}
		k := Rule{From: r.From, To: r.To, Port: r.Port}
		if seen[k] {
			return fmt.Errorf("%w: policy rules[%d]: a second rule for %s -> %s port %d", ErrInvalid, i, orAny(r.From), r.To, r.Port)
		}
		seen[k] = true
	}
	return nil
}

// policyEntries turns p into map entries; ids maps endpoint names to pod ids.
func policyEntries(p Policy, ids map[string]uint32) map[meshMbPolicyKey]uint8 {
	out := make(map[meshMbPolicyKey]uint8, len(p.Rules))
	for _, r := range p.Rules {
		k := meshMbPolicyKey{SrcPod: ids[r.From], DstPod: ids[r.To], DstPort: r.Port}
		out[k] = uint8(r.Action)
	}
	return out
}

// SetPolicy replaces the policy. New connections see it at once; open
// connections on their next send.
func (d *Datapath) SetPolicy(p Policy) error {
	if err := p.validate(d.endpoints()); err != nil {
		return err
	}
	return writePolicy(d.maps, p, d.podIDs())
}

// writePolicy installs p: rules first, then the default and a new
// generation, so that the generation bump publishes a complete rule set.
func writePolicy(m *mapSet, p Policy, ids map[string]uint32) error {
	want := policyEntries(p, ids)
	var errs []error
	var k meshMbPolicyKey
	var v uint8
	var stale []meshMbPolicyKey
	it := m.policy.Iterate()
	for it.Next(&k, &v) {
		if _, ok := want[k]; !ok {
			stale = append(stale, k)
		}
	}
	if err := it.Err(); err != nil {
		errs = append(errs, fmt.Errorf("read policy: %w", err))
	}
	for k, v := range want {
		if err := m.policy.Put(k, v); err != nil {
			errs = append(errs, fmt.Errorf("write policy rule: %w", err))
		}
	}
	for _, k := range stale {
		if err := m.policy.Delete(k); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
			errs = append(errs, fmt.Errorf("delete policy rule: %w", err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return m.updateConfig(func(c *meshMbConfig) {
		c.DefaultDeny = b2u(p.DefaultDeny)
		c.PolicyGen++
	})
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

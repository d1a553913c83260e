package intercept

import (
	"fmt"
	"strings"
)

// TableName is the name of the table Install creates in each family.
const TableName = "meshbench"

// Family is an address family with its own table.
type Family int

// The two families every pod is captured in.
const (
	IPv4 Family = iota
	IPv6
)

func (f Family) String() string {
	if f == IPv6 {
		return "ip6"
	}
	return "ip"
}

// Hook is where a base chain is attached.
type Hook int

// Hooks used by the capture chains.
const (
	HookPrerouting Hook = iota // packets arriving (inbound, and outbound looped through lo)
	HookOutput                 // packets sent by local processes
)

// ChainKind is the nftables chain type.
type ChainKind string

// Chain types used by the capture chains.
const (
	KindNAT    ChainKind = "nat"    // REDIRECT, sees a connection's first packet only
	KindRoute  ChainKind = "route"  // output chain that may reroute (TProxy marks)
	KindFilter ChainKind = "filter" // prerouting chain carrying tproxy
)

// Priorities (netfilter's names: dstnat and mangle).
const (
	prioDstNAT = -100
	prioMangle = -150
)

// Table is what Install creates for one family.
type Table struct {
	Family Family
	Mode   Mode
	Chains []Chain
}

// Chain is a base chain with its rules, evaluated in order.
type Chain struct {
	Name     string
	Kind     ChainKind
	Hook     Hook
	Priority int32
	Rules    []Rule
}

// Rule is a conjunction of matches, then statements, then a verdict.
// Zero-valued fields do not take part.
type Rule struct {
	// Matches.
	IIfname string  // input interface
	OIfname string  // output interface
	SkUID   *uint32 // owner of the sending socket
	Mark    *uint32 // packet mark
	CtReply bool    // packet travels in the reply direction of its connection
	CtNew   bool    // packet starts a connection
	CtMark  *uint32 // connection mark
	TCP     bool    // meta l4proto tcp
	DPort   uint16  // tcp destination port (implies TCP)

	// Statements.
	Counter    bool    // count packets and bytes (evidence of capture)
	SetCtMark  *uint32 // mark the connection
	SetMark    *uint32 // mark the packet (TProxy reroutes marked packets via lo)
	Verdict    Verdict
	VerdictArg uint16 // the port of RedirectTo and TProxyTo
}

// Verdict is what a rule finally does with a matching packet.
type Verdict int

// Verdicts.
const (
	Continue   Verdict = iota // go on with the next rule
	Return                    // leave the packet alone
	RedirectTo                // NAT REDIRECT to a port
	TProxyTo                  // hand to the transparent listener on a port
)

// Plan returns the tables that capture cfg's traffic, IPv4 first. cfg must
// be normalized.
func Plan(cfg Config) []Table {
	return []Table{planFamily(cfg, IPv4, cfg.IPv4), planFamily(cfg, IPv6, cfg.IPv6)}
}

func planFamily(cfg Config, fam Family, mode Mode) Table {
	uid, mark := cfg.ProxyUID, cfg.Mark
	// What never goes to the proxy.
	exempt := []Rule{
		{OIfname: "lo", Verdict: Return},
		{SkUID: &uid, Verdict: Return},
	}
	for _, p := range cfg.ExcludeOutboundPorts {
		exempt = append(exempt, Rule{DPort: p, Verdict: Return})
	}
	t := Table{Family: fam, Mode: mode}
	if mode == TProxy {
		// Output: the application's new connections are marked, and every
		// later packet of theirs; nothing else is, in particular not the
		// packets of the proxy's sockets that have no owner to match yet
		// (connections not accepted yet, TIME_WAIT, resets).
		out := []Rule{
			{CtReply: true, Verdict: Return},
			{CtMark: &mark, SetMark: &mark, Verdict: Return},
		}
		out = append(out, exempt...)
		out = append(out, Rule{CtNew: true, TCP: true, Counter: true, SetCtMark: &mark, SetMark: &mark})
		in := []Rule{
			{IIfname: "lo", Mark: &mark, TCP: true, Verdict: TProxyTo, VerdictArg: cfg.OutboundPort},
			{IIfname: "lo", Verdict: Return},
			// Replies to the proxy's own upstream connections.
			{CtReply: true, Verdict: Return},
		}
		in = append(in, excludeInbound(cfg)...)
		in = append(in, Rule{TCP: true, Verdict: TProxyTo, VerdictArg: cfg.InboundPort})
		t.Chains = []Chain{
			{Name: "prerouting", Kind: KindFilter, Hook: HookPrerouting, Priority: prioMangle, Rules: in},
			{Name: "output", Kind: KindRoute, Hook: HookOutput, Priority: prioMangle, Rules: out},
		}
		return t
	}
	// Redirect: NAT chains see only the first packet of each connection.
	out := append(exempt, Rule{TCP: true, Counter: true, Verdict: RedirectTo, VerdictArg: cfg.OutboundPort})
	in := []Rule{{IIfname: "lo", Verdict: Return}}
	in = append(in, excludeInbound(cfg)...)
	in = append(in, Rule{TCP: true, Counter: true, Verdict: RedirectTo, VerdictArg: cfg.InboundPort})
	t.Chains = []Chain{
		{Name: "prerouting", Kind: KindNAT, Hook: HookPrerouting, Priority: prioDstNAT, Rules: in},
		{Name: "output", Kind: KindNAT, Hook: HookOutput, Priority: prioDstNAT, Rules: out},
	}
	return t
}

func excludeInbound(cfg Config) []Rule {
	var rs []Rule
	for _, p := range cfg.ExcludeInboundPorts {
		rs = append(rs, Rule{DPort: p, Verdict: Return})
	}
	return rs
}

// String renders the table in nft's own syntax, as `nft list table` shows
// it (without counter values), for tests, logs and error messages.
func (t Table) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "table %s %s {\n", t.Family, TableName)
	for i, c := range t.Chains {
		if i > 0 {
			b.WriteString("\n")
		}
		hook := map[Hook]string{HookPrerouting: "prerouting", HookOutput: "output"}[c.Hook]
		fmt.Fprintf(&b, "\tchain %s {\n\t\ttype %s hook %s priority %d; policy accept;\n", c.Name, c.Kind, hook, c.Priority)
		for _, r := range c.Rules {
			fmt.Fprintf(&b, "\t\t%s\n", r)
		}
		b.WriteString("\t}\n")
	}
	b.WriteString("}\n")
	return b.String()
}

func (r Rule) String() string {
	var parts []string
	add := func(format string, args ...any) { parts = append(parts, fmt.Sprintf(format, args...)) }
	if r.IIfname != "" {
		add("iifname %q", r.IIfname)
	}
	if r.OIfname != "" {
		add("oifname %q", r.OIfname)
	}
	if r.SkUID != nil {
		add("meta skuid %d", *r.SkUID)
	}
	if r.Mark != nil {
		add("meta mark 0x%08x", *r.Mark)
	}
	if r.CtReply {
		add("ct direction reply")
	}
	if r.CtNew {
		add("ct state new")
	}
	if r.CtMark != nil {
		add("ct mark 0x%08x", *r.CtMark)
	}
	switch {
	case r.DPort != 0:
		add("tcp dport %d", r.DPort)
	case r.TCP:
		add("meta l4proto tcp")
	}
	if r.Counter {
		add("counter")
	}
	if r.SetCtMark != nil {
		add("ct mark set 0x%08x", *r.SetCtMark)
	}
	if r.SetMark != nil {
		add("meta mark set 0x%08x", *r.SetMark)
	}
	switch r.Verdict {
	case Return:
		add("return")
	case RedirectTo:
		add("redirect to :%d", r.VerdictArg)
	case TProxyTo:
		add("tproxy to :%d", r.VerdictArg)
	}
	return strings.Join(parts, " ")
}

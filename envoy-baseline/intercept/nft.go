package intercept

import (
	"fmt"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// nfTable returns the nftables table of family f.
func nfTable(f Family) *nftables.Table {
	fam := nftables.TableFamilyIPv4
	if f == IPv6 {
		fam = nftables.TableFamilyIPv6
	}
	return &nftables.Table{Name: TableName, Family: fam}
}

// queue adds t's table, chains and rules to cc's pending batch; cc.Flush
// sends them as one transaction.
func queue(cc *nftables.Conn, t Table) error {
	tbl := cc.AddTable(nfTable(t.Family))
	accept := nftables.ChainPolicyAccept
	for _, c := range t.Chains {
		hook := nftables.ChainHookOutput
		if c.Hook == HookPrerouting {
			hook = nftables.ChainHookPrerouting
		}
		ch := cc.AddChain(&nftables.Chain{
			Name:     c.Name,
			Table:    tbl,
			Type:     nftables.ChainType(c.Kind),
			Hooknum:  hook,
			Priority: nftables.ChainPriorityRef(nftables.ChainPriority(c.Priority)),
			Policy:   &accept,
		})
		for _, r := range c.Rules {
			exprs, err := ruleExprs(t.Family, r)
			if err != nil {
				return fmt.Errorf("%s %s chain %s: rule %q: %w", t.Family, TableName, c.Name, r, err)
			}
			cc.AddRule(&nftables.Rule{Table: tbl, Chain: ch, Exprs: exprs})
		}
	}
	return nil
}

// ruleExprs compiles r into nftables expressions, as nft itself would: each
// match loads a value into register 1 and compares it.
func ruleExprs(fam Family, r Rule) ([]expr.Any, error) {
	var e []expr.Any
	cmp := func(data []byte) {
		e = append(e, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: data})
	}
	if r.IIfname != "" {
		e = append(e, &expr.Meta{Key: expr.MetaKeyIIFNAME, Register: 1})
		cmp(ifname(r.IIfname))
	}
	if r.OIfname != "" {
		e = append(e, &expr.Meta{Key: expr.MetaKeyOIFNAME, Register: 1})
		cmp(ifname(r.OIfname))
	}
	if r.SkUID != nil {
		e = append(e, &expr.Meta{Key: expr.MetaKeySKUID, Register: 1})
		cmp(binaryutil.NativeEndian.PutUint32(*r.SkUID))
	}
	if r.Mark != nil {
		e = append(e, &expr.Meta{Key: expr.MetaKeyMARK, Register: 1})
		cmp(binaryutil.NativeEndian.PutUint32(*r.Mark))
	}
	if r.CtReply {
		e = append(e, &expr.Ct{Key: expr.CtKeyDIRECTION, Register: 1})
		cmp([]byte{ctDirReply})
	}
	if r.CtNew {
		e = append(e,
			&expr.Ct{Key: expr.CtKeySTATE, Register: 1},
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4,
				Mask: binaryutil.NativeEndian.PutUint32(expr.CtStateBitNEW), Xor: make([]byte, 4)},
			&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: make([]byte, 4)})
	}
	if r.CtMark != nil {
		e = append(e, &expr.Ct{Key: expr.CtKeyMARK, Register: 1})
		cmp(binaryutil.NativeEndian.PutUint32(*r.CtMark))
	}
	if r.TCP || r.DPort != 0 {
		e = append(e, &expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1})
		cmp([]byte{unix.IPPROTO_TCP})
	}
	if r.DPort != 0 {
		e = append(e, &expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2})
		cmp(binaryutil.BigEndian.PutUint16(r.DPort))
	}
	if r.Counter {
		e = append(e, &expr.Counter{})
	}
	if r.SetCtMark != nil {
		e = append(e,
			&expr.Immediate{Register: 1, Data: binaryutil.NativeEndian.PutUint32(*r.SetCtMark)},
			&expr.Ct{Key: expr.CtKeyMARK, SourceRegister: true, Register: 1})
	}
	if r.SetMark != nil {
		e = append(e,
			&expr.Immediate{Register: 1, Data: binaryutil.NativeEndian.PutUint32(*r.SetMark)},
			&expr.Meta{Key: expr.MetaKeyMARK, SourceRegister: true, Register: 1})
	}
	switch r.Verdict {
	case Continue:
	case Return:
		e = append(e, &expr.Verdict{Kind: expr.VerdictReturn})
	case RedirectTo:
		e = append(e,
			&expr.Immediate{Register: 1, Data: binaryutil.BigEndian.PutUint16(r.VerdictArg)},
			&expr.Redir{RegisterProtoMin: 1, RegisterProtoMax: 1, Flags: unix.NF_NAT_RANGE_PROTO_SPECIFIED})
	case TProxyTo:
		nfproto := byte(unix.NFPROTO_IPV4)
		if fam == IPv6 {
			nfproto = unix.NFPROTO_IPV6
		}
		e = append(e,
			&expr.Immediate{Register: 1, Data: binaryutil.BigEndian.PutUint16(r.VerdictArg)},
			&expr.TProxy{Family: nfproto, TableFamily: nfproto, RegPort: 1})
	default:
		return nil, fmt.Errorf("unknown verdict %d", r.Verdict)
	}
	return e, nil
}

// ifname pads an interface name to IFNAMSIZ, as the kernel compares it.
func ifname(n string) []byte {
	b := make([]byte, unix.IFNAMSIZ)
	copy(b, n)
	return b
}

// ctDirReply is IP_CT_DIR_REPLY (linux/netfilter/nf_conntrack_tuple_common.h).
const ctDirReply = 1

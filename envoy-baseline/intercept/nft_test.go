package intercept

import (
	"reflect"
	"testing"

	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// The expected expressions are what `nft --debug=netlink` shows for the same
// rules written in nft syntax.
func TestRuleExprs(t *testing.T) {
	uid, mark := uint32(1337), uint32(0x539)
	lo := []byte{'l', 'o', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	tcp := []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.IPPROTO_TCP}},
	}
	ret := &expr.Verdict{Kind: expr.VerdictReturn}
	port := func(p uint16) *expr.Immediate {
		return &expr.Immediate{Register: 1, Data: binaryutil.BigEndian.PutUint16(p)}
	}
	tests := []struct {
		name string
		fam  Family
		rule Rule
		want []expr.Any
	}{
		{"oifname lo return", IPv4, Rule{OIfname: "lo", Verdict: Return}, []expr.Any{
			&expr.Meta{Key: expr.MetaKeyOIFNAME, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: lo},
			ret,
		}},
		{"skuid return", IPv4, Rule{SkUID: &uid, Verdict: Return}, []expr.Any{
			&expr.Meta{Key: expr.MetaKeySKUID, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(1337)},
			ret,
		}},
		{"tcp dport return", IPv6, Rule{DPort: 15020, Verdict: Return}, append(append([]expr.Any{}, tcp...),
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{0x3a, 0xac}},
			ret,
		)},
		{"redirect", IPv4, Rule{TCP: true, Verdict: RedirectTo, VerdictArg: 15001}, append(append([]expr.Any{}, tcp...),
			port(15001),
			&expr.Redir{RegisterProtoMin: 1, RegisterProtoMax: 1, Flags: unix.NF_NAT_RANGE_PROTO_SPECIFIED},
		)},
		{"new connection marked, counted", IPv6, Rule{CtNew: true, TCP: true, Counter: true, SetCtMark: &mark, SetMark: &mark}, append([]expr.Any{
			&expr.Ct{Key: expr.CtKeySTATE, Register: 1},
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: binaryutil.NativeEndian.PutUint32(8), Xor: []byte{0, 0, 0, 0}},
			&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: []byte{0, 0, 0, 0}},
		}, append(append([]expr.Any{}, tcp...),
			&expr.Counter{},
			&expr.Immediate{Register: 1, Data: binaryutil.NativeEndian.PutUint32(mark)},
			&expr.Ct{Key: expr.CtKeyMARK, SourceRegister: true, Register: 1},
			&expr.Immediate{Register: 1, Data: binaryutil.NativeEndian.PutUint32(mark)},
			&expr.Meta{Key: expr.MetaKeyMARK, SourceRegister: true, Register: 1},
		)...)},
		{"marked connection's packets", IPv6, Rule{CtMark: &mark, SetMark: &mark, Verdict: Return}, []expr.Any{
			&expr.Ct{Key: expr.CtKeyMARK, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(mark)},
			&expr.Immediate{Register: 1, Data: binaryutil.NativeEndian.PutUint32(mark)},
			&expr.Meta{Key: expr.MetaKeyMARK, SourceRegister: true, Register: 1},
			ret,
		}},
		{"tproxy marked from lo", IPv6, Rule{IIfname: "lo", Mark: &mark, TCP: true, Verdict: TProxyTo, VerdictArg: 15001}, append([]expr.Any{
			&expr.Meta{Key: expr.MetaKeyIIFNAME, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: lo},
			&expr.Meta{Key: expr.MetaKeyMARK, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(mark)},
		}, append(append([]expr.Any{}, tcp...),
			port(15001),
			&expr.TProxy{Family: unix.NFPROTO_IPV6, TableFamily: unix.NFPROTO_IPV6, RegPort: 1},
		)...)},
		{"ct reply return", IPv6, Rule{CtReply: true, Verdict: Return}, []expr.Any{
			&expr.Ct{Key: expr.CtKeyDIRECTION, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{1}},
			ret,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ruleExprs(tt.fam, tt.rule)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ruleExprs(%q):\n got  %#v\n want %#v", tt.rule, got, tt.want)
			}
		})
	}
}

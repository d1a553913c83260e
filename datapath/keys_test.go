package datapath

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

func TestAddrKeyNormalForm(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b string
		same bool
	}{
		{"IPv4 and v4-mapped IPv6 are one address", "198.18.0.10", "::ffff:198.18.0.10", true},
		{"IPv4 differs from IPv6", "198.18.0.10", "2001:2::10", false},
		{"neighbours differ", "198.18.0.10", "198.18.0.11", false},
		{"IPv6 zone is not part of the key", "2001:2::10", "2001:2::10", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ka, kb := addrKey(netip.MustParseAddr(tc.a)), addrKey(netip.MustParseAddr(tc.b))
			if (ka == kb) != tc.same {
				t.Errorf("addrKey(%s) == addrKey(%s) is %v", tc.a, tc.b, ka == kb)
			}
		})
	}
}

// The words must hold the address bytes in network order, as the kernel's
// context fields do: IPv4 as ::ffff:a.b.c.d.
func TestAddrKeyBytes(t *testing.T) {
	for _, s := range []string{"198.18.0.10", "2001:2::10", "::1"} {
		a := netip.MustParseAddr(s)
		k := addrKey(a)
		var got [16]byte
		for i, w := range k.W {
			binary.NativeEndian.PutUint32(got[4*i:], w)
		}
		if want := a.As16(); got != want {
			t.Errorf("%s: key bytes %x, want %x", s, got, want)
		}
		if back := keyAddr(k); back != a {
			t.Errorf("%s: round trip gave %s", s, back)
		}
	}
}

// The client's key reversed must be the server's key, also when the server
// is a dual-stack socket seeing the client as ::ffff:a.b.c.d.
func TestFlowKeyReverse(t *testing.T) {
	cl := netip.MustParseAddrPort("198.18.0.10:40000")
	sv := netip.MustParseAddrPort("198.18.0.11:8080")
	svMapped := netip.AddrPortFrom(netip.AddrFrom16(sv.Addr().As16()), sv.Port())
	clMapped := netip.AddrPortFrom(netip.AddrFrom16(cl.Addr().As16()), cl.Port())
	const iss, irs = 0x01020304, 0xa0b0c0d0

	client := flowKey(cl, sv, iss+1, irs+1)
	for _, server := range []meshMbFlowKey{
		flowKey(sv, cl, irs+1, iss+1),
		flowKey(svMapped, clMapped, irs+1, iss+1),
	} {
		if client.reverse() != server {
			t.Errorf("reverse of client key %+v is not the server key %+v", client.reverse(), server)
		}
		if server.reverse() != client {
			t.Errorf("reverse of server key is not the client key")
		}
	}
	if client.reverse().reverse() != client {
		t.Error("reverse is not an involution")
	}
	// Same 4-tuple, another handshake: no pairing.
	if other := flowKey(sv, cl, irs+2, iss+1); client.reverse() == other {
		t.Error("keys of different handshakes match")
	}
	if got := client.local(); got != cl {
		t.Errorf("local() = %s, want %s", got, cl)
	}
	if got := client.remote(); got != sv {
		t.Errorf("remote() = %s, want %s", got, sv)
	}
}

package datapath

import (
	"encoding/binary"
	"net/netip"
)

// The BPF programs see every address in one form: 16 bytes, IPv4 written as
// v4-mapped IPv6 (::ffff:a.b.c.d). An AF_INET socket and an AF_INET6
// dual-stack socket talking to it then build mirror keys from the same
// bytes. The words hold the address bytes in network order, as the kernel
// context fields do, so they are filled with the host's byte order.

// addrKey is the normal form of a.
func addrKey(a netip.Addr) meshMbAddr {
	var k meshMbAddr
	b := a.Unmap().As16() // As16 maps IPv4 to ::ffff:a.b.c.d
	for i := range k.W {
		k.W[i] = binary.NativeEndian.Uint32(b[4*i:])
	}
	return k
}

// keyAddr is the inverse of addrKey; v4-mapped addresses come back as IPv4.
func keyAddr(k meshMbAddr) netip.Addr {
	var b [16]byte
	for i, w := range k.W {
		binary.NativeEndian.PutUint32(b[4*i:], w)
	}
	return netip.AddrFrom16(b).Unmap()
}

// flowKey mirrors what sockops builds for a socket: its own 4-tuple and the
// initial sequence numbers of both directions.
func flowKey(local, remote netip.AddrPort, localSeq, remoteSeq uint32) meshMbFlowKey {
	return meshMbFlowKey{
		LocalIp:    addrKey(local.Addr()),
		RemoteIp:   addrKey(remote.Addr()),
		LocalSeq:   localSeq,
		RemoteSeq:  remoteSeq,
		LocalPort:  local.Port(),
		RemotePort: remote.Port(),
	}
}

// reverse is the key of the peer socket: what sk_msg looks up.
func (k meshMbFlowKey) reverse() meshMbFlowKey {
	return meshMbFlowKey{
		LocalIp:    k.RemoteIp,
		RemoteIp:   k.LocalIp,
		LocalSeq:   k.RemoteSeq,
		RemoteSeq:  k.LocalSeq,
		LocalPort:  k.RemotePort,
		RemotePort: k.LocalPort,
	}
}

func (k meshMbFlowKey) local() netip.AddrPort {
	return netip.AddrPortFrom(keyAddr(k.LocalIp), k.LocalPort)
}

func (k meshMbFlowKey) remote() netip.AddrPort {
	return netip.AddrPortFrom(keyAddr(k.RemoteIp), k.RemotePort)
}

// Package datapath is meshbench's eBPF short-circuit datapath: the
// sidecar-less side of the comparison.
//
// # What runs where
//
// The BPF sources live in bpf/ and are compiled by bpf2go (gen.go); the
// generated *_bpfel.go and .o files are committed, so building needs no
// clang.
//
//   - sockops (bpf/sockops.h), on the cgroups in Options.Cgroups: at
//     ACTIVE/PASSIVE_ESTABLISHED a TCP socket whose two addresses are both
//     endpoints joins a SOCKHASH, with per-socket state in SK_STORAGE, and
//     asks for state callbacks.
//   - sk_msg (bpf/skmsg.h), on the SOCKHASH: each send of a joined socket
//     goes straight into the peer socket's receive queue
//     (bpf_msg_redirect_hash with BPF_F_INGRESS) when the peer has joined
//     too; otherwise SK_PASS, the normal stack.
//   - cgroup/connect4 and connect6 (bpf/connect.h): policy at connect(2).
//   - optionally the splice guard (bpf/guard.h, BPF LSM or fmod_ret) and
//     the tc fast path (bpf/fastpath.c, TCX on the nodes' veths and wires).
//
// Everything is pinned under /sys/fs/bpf/meshbench/<instance>/ (maps by
// name, links as link_*), so Open, Status and Down work from any process.
//
// # Keys and isolation
//
// A socket's key is its 4-tuple plus both initial sequence numbers
// (snd_nxt and rcv_nxt at ESTABLISHED); sk_msg looks up the mirrored key.
// Addresses are normalised to 16 bytes with IPv4 as ::ffff:a.b.c.d, so an
// IPv4 client and a dual-stack listener pair. Two sockets only mirror each
// other's key if they completed the same handshake, so a colliding 4-tuple
// elsewhere can never receive a pod's bytes. On top, a socket only joins as
// pod P if it lives in P's network namespace (netns cookie check) when
// Endpoint.Netns is given.
//
// # Ordering, half-close, Down
//
// Redirected bytes land in a queue the receiver drains before its TCP
// receive queue. So a direction is redirected from its first byte or never,
// and may leave the short-circuit (to the normal stack) once and for good:
// on half-close (state callback), when the peer is gone, and on Down.
// Entries stay in the SOCKHASH until the socket closes: removing a socket
// from it frees that queue, unread bytes included (measured on 6.18). Down
// switches every program to pass-through, detaches and unpins; established
// connections keep working, and the kernel frees the unpinned maps when the
// last short-circuited socket closes.
//
// # Policy
//
// Rules (From, To, Port) -> allow, deny or bypass. A denied connect(2) fails
// with ECONNREFUSED; a connection that a new rule denies fails its next send
// with EACCES; nothing is dropped silently. Bypass keeps a flow on plain
// TCP for its whole life.
//
// # Kernel self-test
//
// Up first runs Probe: the real programs on a private cgroup and loopback
// sockets, checking byte-exact redirect, FIONREAD, epoll wake-up, a blocking
// read that signals interrupt, splice and half-close. splice(2) from a TCP socket never sees redirected bytes on any
// kernel so far; the splice guard makes it fail with EINVAL (callers fall
// back to read), and where the guard cannot load (no BPF LSM, no
// trampolines) the check fails: Up refuses unless Options.Probe accepts it
// (ProbeNoSplice, ProbeDegrade). On Linux 6.18 two more receive-path checks
// fail with no fix in reach: FIONREAD after a half-close, and a blocking
// read(2) that a signal ends with EAGAIN; ProbeNoSplice accepts those too.
// Degraded, the datapath pairs no socket:
// traffic between pods takes the tc fast path, policy holds at connect.
//
// # Errors
//
// ErrNotRoot, ErrNoBTF, ErrNoBPFFS and ErrUnsupported (IsEnvironment) mean
// the host lacks something; their messages say how to fix it. ErrInvalid
// is bad input, ErrProbe a kernel that would lose or stall data.
package datapath

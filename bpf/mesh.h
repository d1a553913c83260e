/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Types shared by the meshbench BPF programs and the Go loader in
 * datapath/. bpf2go generates the Go mirror of every struct here, so the
 * layout is the contract: explicit padding, no implicit holes.
 */
#ifndef MESHBENCH_MESH_H
#define MESHBENCH_MESH_H

#include "vmlinux.h"
#include "bpf_helpers.h"
#include "bpf_endian.h"
#include "bpf_core_read.h"

#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define IPPROTO_TCP 6
#define ECONNREFUSED 111

#define MB_MAX_PODS 4096
#define MB_MAX_ENDPOINTS 8192
#define MB_MAX_FLOWS 65536
#define MB_MAX_RULES 16384

/* An address in the one form every program uses: IPv6, with IPv4 written as
 * the v4-mapped ::ffff:a.b.c.d, so an AF_INET6 dual-stack socket and the
 * AF_INET socket at the other end see the same bytes.
 */
struct mb_addr {
	__u32 w[4];
};

/* Key of a socket in the SOCKHASH. Besides the 4-tuple it carries both
 * initial sequence numbers (snd_nxt and rcv_nxt at ESTABLISHED): two sockets
 * only mirror each other's key if they completed the same handshake, so a
 * colliding 4-tuple in another network namespace can never pair.
 */
struct mb_flow_key {
	struct mb_addr local_ip;
	struct mb_addr remote_ip;
	__u32 local_seq;
	__u32 remote_seq;
	__u16 local_port; /* host byte order */
	__u16 remote_port; /* host byte order */
};

/* A mesh pod address, filled by Go. */
struct mb_endpoint {
	__u64 netns_cookie; /* 0: the socket's netns is not checked */
	__u32 pod_id;
	__u32 node_id; /* 0: unknown */
};

struct mb_policy_key {
	__u32 src_pod; /* 0: any source pod */
	__u32 dst_pod;
	__u16 dst_port; /* host byte order, 0: any port */
	__u16 pad;
};

enum mb_verdict {
	MB_VERDICT_NONE = 0,
	MB_VERDICT_ALLOW = 1,
	MB_VERDICT_DENY = 2,
	MB_VERDICT_BYPASS = 3, /* allowed, never short-circuited */
};

/* Global switches, one element, written by Go. */
struct mb_config {
	__u32 enabled; /* 0: no new pairs, every send and packet takes the normal stack */
	__u32 redirect; /* 0: never pair, never redirect (degraded) */
	__u32 default_deny; /* a flow no rule matches is denied */
	__u32 policy_gen; /* bumped on every policy change */
	__u32 flags; /* MB_CFG_*, for readers in other processes */
	__u64 load_ns; /* how long Up took to load, fill and attach */
	__u64 probe_ns; /* how long its kernel self-test took */
	__u64 up_unix_ns; /* when Up finished */
};

#define MB_CFG_GUARD 1 /* the splice guard is attached */
#define MB_CFG_SPLICE_STALLS 2 /* no guard, splice stalls, caller accepted */
#define MB_CFG_CROSS_NODE 4 /* pair sockets of pods on different nodes */

#define MB_POD_NAME_LEN 64

/* Pod names for readers in other processes; programs never touch it. */
struct mb_pod_name {
	char name[MB_POD_NAME_LEN];
};

/* Per-pod counters, one PERCPU_ARRAY slot per pod id; slot 0 collects what
 * belongs to no pod (lost events).
 */
struct mb_counters {
	__u64 conns_paired;
	__u64 conns_closed;
	__u64 msgs_redirected;
	__u64 bytes_redirected;
	__u64 msgs_fallback;
	__u64 bytes_fallback;
	__u64 policy_denied;
	__u64 pair_refused;
	__u64 splice_refused;
	__u64 events_lost;
};

enum mb_mode {
	MB_MODE_UNDECIDED = 0, /* no byte sent yet */
	MB_MODE_REDIRECT = 1, /* every byte so far went to the peer's queue */
	MB_MODE_PASS = 2, /* normal stack from now on, never back */
};

/* Per-socket state in SK_STORAGE: created by sockops at ESTABLISHED, read by
 * sk_msg on every send, freed by the kernel with the socket.
 */
struct mb_sock_state {
	struct mb_flow_key key;
	__u32 local_pod;
	__u32 remote_pod;
	__u32 client_pod;
	__u32 server_pod;
	__u32 policy_gen;
	__u16 server_port;
	__u8 mode;
	__u8 closing;
	__u8 verdict;
	__u8 pad[11];
	__u64 cookie;
	__u64 msgs_redirected;
	__u64 bytes_redirected;
};

enum mb_event_type {
	MB_EVENT_PAIRED = 1,
	MB_EVENT_CLOSED = 2,
	MB_EVENT_DENIED = 3,
	MB_EVENT_FALLBACK = 4,
	MB_EVENT_REFUSED = 5,
};

/* Ring buffer record. For socket events local is the reporting socket, for
 * DENIED local is the client (port 0: not bound yet).
 */
struct mb_event {
	__u64 ts_ns;
	__u64 cookie;
	__u64 msgs;
	__u64 bytes;
	struct mb_addr local_ip;
	struct mb_addr remote_ip;
	__u32 type;
	__u32 local_pod;
	__u32 remote_pod;
	__u16 local_port;
	__u16 remote_port;
};

#endif

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Small helpers shared by the socket programs: configuration, counters,
 * events, address normalisation and policy lookup.
 */
#ifndef MESHBENCH_LIB_H
#define MESHBENCH_LIB_H

#include "maps.h"

static __always_inline struct mb_counters *mb_ctr(__u32 pod)
{
	if (pod >= MB_MAX_PODS)
		pod = 0;
	return bpf_map_lookup_elem(&mb_stats, &pod);
}

/* Counters are PERCPU: plain increments are race free. */
#define MB_COUNT(pod, field, n)                                                \
	do {                                                                   \
		struct mb_counters *__c = mb_ctr(pod);                         \
		if (__c)                                                       \
			__c->field += (n);                                     \
	} while (0)

static __always_inline struct mb_event *mb_event_reserve(__u32 type)
{
	struct mb_event *ev = bpf_ringbuf_reserve(&mb_events, sizeof(*ev), 0);

	if (!ev) {
		MB_COUNT(0, events_lost, 1);
		return 0;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->ts_ns = bpf_ktime_get_ns();
	return ev;
}

/* Socket event from the socket's own state. */
static __always_inline void mb_emit_sock(__u32 type, struct mb_sock_state *st)
{
	struct mb_event *ev = mb_event_reserve(type);

	if (!ev)
		return;
	ev->cookie = st->cookie;
	ev->msgs = st->msgs_redirected;
	ev->bytes = st->bytes_redirected;
	ev->local_ip = st->key.local_ip;
	ev->remote_ip = st->key.remote_ip;
	ev->local_port = st->key.local_port;
	ev->remote_port = st->key.remote_port;
	ev->local_pod = st->local_pod;
	ev->remote_pod = st->remote_pod;
	bpf_ringbuf_submit(ev, 0);
}

static __always_inline void mb_addr_v4(struct mb_addr *a, __u32 ip4)
{
	a->w[0] = 0;
	a->w[1] = 0;
	a->w[2] = bpf_htonl(0x0000ffff);
	a->w[3] = ip4;
}

/* v4-mapped addresses already have the normal form; nothing to rewrite. */
static __always_inline void mb_addr_v6(struct mb_addr *a, __u32 w0, __u32 w1,
				       __u32 w2, __u32 w3)
{
	a->w[0] = w0;
	a->w[1] = w1;
	a->w[2] = w2;
	a->w[3] = w3;
}

static __always_inline __u8 mb_rule(__u32 src, __u32 dst, __u16 port)
{
	struct mb_policy_key k = { .src_pod = src, .dst_pod = dst, .dst_port = port };
	__u8 *v = bpf_map_lookup_elem(&mb_policy, &k);

	return v ? *v : MB_VERDICT_NONE;
}

/* Most specific rule first: exact, any port, any source, any source+port. */
static __always_inline __u8 mb_policy_verdict(struct mb_config *cfg, __u32 src,
					      __u32 dst, __u16 port)
{
	__u8 v = mb_rule(src, dst, port);

	if (v == MB_VERDICT_NONE)
		v = mb_rule(src, dst, 0);
	if (v == MB_VERDICT_NONE)
		v = mb_rule(0, dst, port);
	if (v == MB_VERDICT_NONE)
		v = mb_rule(0, dst, 0);
	if (v == MB_VERDICT_NONE)
		v = cfg->default_deny ? MB_VERDICT_DENY : MB_VERDICT_ALLOW;
	return v;
}

static __always_inline void reverse_key(struct mb_flow_key *out,
					const struct mb_flow_key *in)
{
	out->local_ip = in->remote_ip;
	out->remote_ip = in->local_ip;
	out->local_seq = in->remote_seq;
	out->remote_seq = in->local_seq;
	out->local_port = in->remote_port;
	out->remote_port = in->local_port;
}

#endif

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* sockops: record established mesh sockets in the SOCKHASH and notice when
 * they leave ESTABLISHED. Included once, from mesh.c.
 */
#include "lib.h"

/* Context fields are read one by one behind a compiler barrier: clang would
 * otherwise fold the IPv4 and IPv6 loads into ctx pointer arithmetic, which
 * the verifier rejects.
 */
#define CTX_READ(dst, field)                                                   \
	do {                                                                   \
		dst = skops->field;                                            \
		barrier_var(dst);                                              \
	} while (0)

static __always_inline void flow_addrs(struct bpf_sock_ops *skops,
				       struct mb_addr *local,
				       struct mb_addr *remote)
{
	__u32 l0, l1, l2, l3, r0, r1, r2, r3;

	if (skops->family == AF_INET) {
		CTX_READ(l3, local_ip4);
		CTX_READ(r3, remote_ip4);
		mb_addr_v4(local, l3);
		mb_addr_v4(remote, r3);
		return;
	}
	CTX_READ(l0, local_ip6[0]);
	CTX_READ(l1, local_ip6[1]);
	CTX_READ(l2, local_ip6[2]);
	CTX_READ(l3, local_ip6[3]);
	CTX_READ(r0, remote_ip6[0]);
	CTX_READ(r1, remote_ip6[1]);
	CTX_READ(r2, remote_ip6[2]);
	CTX_READ(r3, remote_ip6[3]);
	mb_addr_v6(local, l0, l1, l2, l3);
	mb_addr_v6(remote, r0, r1, r2, r3);
}

/* Both ends paired: count once, on the second socket to arrive. */
static __always_inline void note_if_paired(struct mb_sock_state *st)
{
	struct mb_flow_key peer = {};

	reverse_key(&peer, &st->key);
	if (!bpf_map_lookup_elem(&mb_flows, &peer))
		return;
	MB_COUNT(st->local_pod, conns_paired, 1);
	MB_COUNT(st->remote_pod, conns_paired, 1);
	mb_emit_sock(MB_EVENT_PAIRED, st);
}

/* A mesh socket that may not join: counted, reported, left alone. */
static __always_inline void refuse(struct bpf_sock_ops *skops,
				   struct mb_endpoint *lep,
				   struct mb_endpoint *rep,
				   struct mb_addr *local, struct mb_addr *remote)
{
	struct mb_event *ev;

	MB_COUNT(lep->pod_id, pair_refused, 1);
	ev = mb_event_reserve(MB_EVENT_REFUSED);
	if (!ev)
		return;
	ev->cookie = bpf_get_socket_cookie(skops);
	ev->local_ip = *local;
	ev->remote_ip = *remote;
	ev->local_port = (__u16)skops->local_port;
	ev->remote_port = (__u16)bpf_ntohl(skops->remote_port);
	ev->local_pod = lep->pod_id;
	ev->remote_pod = rep->pod_id;
	bpf_ringbuf_submit(ev, 0);
}

static __always_inline void on_established(struct bpf_sock_ops *skops,
					   int active)
{
	struct mb_endpoint *lep, *rep;
	struct mb_sock_state *st;
	struct mb_addr local, remote;
	struct mb_config *cfg;
	struct bpf_sock *sk;

	if (skops->family != AF_INET && skops->family != AF_INET6)
		return;
	cfg = get_cfg();
	if (!cfg || !cfg->enabled)
		return;
	flow_addrs(skops, &local, &remote);
	lep = bpf_map_lookup_elem(&mb_endpoints, &local);
	if (!lep)
		return;
	rep = bpf_map_lookup_elem(&mb_endpoints, &remote);
	if (!rep)
		return;
	/* Pods on different nodes share a kernel only on a test host; a real
	 * cluster could not short-circuit them, so by default neither do we.
	 */
	if (lep->node_id && rep->node_id && lep->node_id != rep->node_id &&
	    !(cfg->flags & MB_CFG_CROSS_NODE))
		return;
	/* The local address must belong to this socket's pod: a socket in
	 * another netns that happens to use a pod address never joins.
	 * Data sent before ESTABLISHED (TCP Fast Open) is already on the
	 * normal path; redirecting what follows could overtake it.
	 */
	if ((lep->netns_cookie &&
	     lep->netns_cookie != bpf_get_netns_cookie(skops)) ||
	    skops->data_segs_out) {
		refuse(skops, lep, rep, &local, &remote);
		return;
	}
	/* Degraded (the kernel self-test failed): no socket enters the
	 * SOCKHASH. Membership alone changes the socket: tcp_bpf answers
	 * FIONREAD from the redirect queue only, so bytes that came the
	 * normal way read as 0 pending. Policy still holds at connect.
	 */
	if (!cfg->redirect)
		return;
	/* A bypassed flow never enters the SOCKHASH: it keeps the plain
	 * kernel send path, faster for streams of small writes.
	 */
	if (mb_policy_verdict(cfg, active ? lep->pod_id : rep->pod_id,
			      active ? rep->pod_id : lep->pod_id,
			      active ? (__u16)bpf_ntohl(skops->remote_port) :
				       (__u16)skops->local_port) ==
	    MB_VERDICT_BYPASS)
		return;
	sk = skops->sk;
	if (!sk)
		return;
	st = bpf_sk_storage_get(&mb_socks, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!st) {
		MB_COUNT(lep->pod_id, pair_refused, 1);
		return;
	}
	st->key.local_ip = local;
	st->key.remote_ip = remote;
	st->key.local_seq = skops->snd_nxt;
	st->key.remote_seq = skops->rcv_nxt;
	st->key.local_port = (__u16)skops->local_port;
	st->key.remote_port = (__u16)bpf_ntohl(skops->remote_port);
	st->local_pod = lep->pod_id;
	st->remote_pod = rep->pod_id;
	st->client_pod = active ? lep->pod_id : rep->pod_id;
	st->server_pod = active ? rep->pod_id : lep->pod_id;
	st->server_port = active ? st->key.remote_port : st->key.local_port;
	st->cookie = bpf_get_socket_cookie(skops);
	if (bpf_sock_hash_update(skops, &mb_pairs, &st->key, BPF_NOEXIST)) {
		bpf_sk_storage_delete(&mb_socks, sk);
		MB_COUNT(lep->pod_id, pair_refused, 1);
		return;
	}
	bpf_map_update_elem(&mb_flows, &st->key, &st->cookie, BPF_ANY);
	bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags |
						 BPF_SOCK_OPS_STATE_CB_FLAG);
	note_if_paired(st);
}

/* Any step away from ESTABLISHED ends the short-circuit for this socket:
 * its own sends take the normal stack from now on. The entry stays in the
 * SOCKHASH until TCP_CLOSE because removing it would free the receive queue
 * of redirected bytes the application has not read yet.
 */
static __always_inline void on_state(struct bpf_sock_ops *skops)
{
	struct mb_sock_state *st;
	struct bpf_sock *sk = skops->sk;
	__u32 state = skops->args[1];

	if (!sk)
		return;
	st = bpf_sk_storage_get(&mb_socks, sk, 0, 0);
	if (!st)
		return;
	if (state == BPF_TCP_ESTABLISHED)
		return;
	st->closing = 1;
	if (state != BPF_TCP_CLOSE)
		return;
	bpf_map_delete_elem(&mb_pairs, &st->key);
	bpf_map_delete_elem(&mb_flows, &st->key);
	MB_COUNT(st->local_pod, conns_closed, 1);
	mb_emit_sock(MB_EVENT_CLOSED, st);
}

SEC("sockops")
int mb_sockops(struct bpf_sock_ops *skops)
{
	switch (skops->op) {
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
		on_established(skops, 1);
		break;
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
		on_established(skops, 0);
		break;
	case BPF_SOCK_OPS_STATE_CB:
		on_state(skops);
		break;
	}
	return 1;
}

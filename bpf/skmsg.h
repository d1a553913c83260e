/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* sk_msg on the SOCKHASH: redirect each send into the paired socket's receive
 * queue, or let it take the normal stack. Included once, from mesh.c.
 *
 * Ordering rules. A direction is redirected from its first byte or never:
 * bytes that took the normal stack may still sit in the peer's TCP receive
 * queue, and a reader drains its redirect queue first, so a later redirect
 * would overtake them. The opposite move, redirect to normal stack, keeps
 * order for the same reason and is allowed once, for good: on half-close,
 * when the peer has gone and when the datapath is taken down.
 *
 * Every send of a paired socket is redirected, small or large. Measured
 * on Linux 6.18 (BenchmarkStream, 256 KiB reads): a socket in the
 * SOCKHASH pays for tcp_bpf's send path whether its bytes are redirected
 * or passed (mode ebpf-member-pass: 0.7x plain at 64 B and 1 KiB, 0.8x at
 * 64 KiB), so handing small-write streams back to the normal stack from
 * here gains nothing; only keeping such a flow out of the SOCKHASH does
 * (mode ebpf-degraded: about plain), which policy can ask for
 * (MB_VERDICT_BYPASS). Leaving the SOCKHASH mid-flow is no way out
 * either: the socket's psock goes, and with it any redirected bytes its
 * application has not read. What a small redirected send costs is the
 * peer's socket lock and a wake-up per send, where TCP's autocork
 * coalesces.
 *
 * apply_bytes and cork_bytes stay unused: a verdict that outlives the
 * send would keep redirecting to a peer that has since half-closed or
 * gone, and corked bytes wait for more data that may never come, then die
 * with the socket.
 */
#include "lib.h"

static __always_inline int msg_pass(struct mb_sock_state *st, __u32 size)
{
	MB_COUNT(st->local_pod, msgs_fallback, 1);
	MB_COUNT(st->local_pod, bytes_fallback, size);
	return SK_PASS;
}

/* Hand the flow to the normal stack for good. */
static __always_inline int msg_leave(struct mb_sock_state *st, __u32 size)
{
	if (st->mode != MB_MODE_PASS) {
		st->mode = MB_MODE_PASS;
		mb_emit_sock(MB_EVENT_FALLBACK, st);
	}
	return msg_pass(st, size);
}

static __always_inline int msg_policy(struct mb_config *cfg,
				      struct mb_sock_state *st)
{
	if (st->policy_gen != cfg->policy_gen || !st->verdict) {
		st->verdict = mb_policy_verdict(cfg, st->client_pod,
						st->server_pod, st->server_port);
		st->policy_gen = cfg->policy_gen;
		if (st->verdict == MB_VERDICT_DENY)
			mb_emit_sock(MB_EVENT_DENIED, st);
	}
	return st->verdict;
}

SEC("sk_msg")
int mb_sk_msg(struct sk_msg_md *msg)
{
	struct mb_flow_key peer = {};
	struct mb_sock_state *st;
	struct mb_config *cfg;
	struct bpf_sock *sk = msg->sk;
	__u32 size = msg->size;

	if (!sk)
		return SK_PASS;
	st = bpf_sk_storage_get(&mb_socks, sk, 0, 0);
	if (!st)
		return SK_PASS;
	cfg = get_cfg();
	if (!cfg || !cfg->enabled)
		return msg_leave(st, size);
	/* A rule that now denies an open connection fails the send with
	 * EACCES: the application sees the refusal, nothing is dropped
	 * silently.
	 */
	if (msg_policy(cfg, st) == MB_VERDICT_DENY) {
		MB_COUNT(st->local_pod, policy_denied, 1);
		return SK_DROP;
	}
	if (st->mode == MB_MODE_PASS)
		return msg_pass(st, size);
	if (st->closing || !cfg->redirect || st->verdict == MB_VERDICT_BYPASS)
		return msg_leave(st, size);
	reverse_key(&peer, &st->key);
	if (bpf_msg_redirect_hash(msg, &mb_pairs, &peer, BPF_F_INGRESS) !=
	    SK_PASS)
		return msg_leave(st, size);
	st->mode = MB_MODE_REDIRECT;
	st->msgs_redirected++;
	st->bytes_redirected += size;
	MB_COUNT(st->local_pod, msgs_redirected, 1);
	MB_COUNT(st->local_pod, bytes_redirected, size);
	return SK_PASS;
}

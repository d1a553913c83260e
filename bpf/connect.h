/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* cgroup/connect4 and connect6: policy at connect(2) time. Included once,
 * from mesh.c.
 */
#include "lib.h"

static __always_inline __u32 connecting_pod(void *ctx)
{
	__u64 cg = bpf_get_current_cgroup_id();
	__u64 ns;
	__u32 *pod = bpf_map_lookup_elem(&mb_pod_cgroup, &cg);

	if (pod)
		return *pod;
	ns = bpf_get_netns_cookie(ctx);
	pod = bpf_map_lookup_elem(&mb_pod_netns, &ns);
	return pod ? *pod : 0;
}

/* Refuse a denied connection in connect(2) itself: the client gets
 * ECONNREFUSED (EPERM on kernels without bpf_set_retval), never a timeout.
 */
static __always_inline int connect_check(struct bpf_sock_addr *ctx,
					 struct mb_addr *dst)
{
	struct mb_endpoint *dep;
	struct mb_config *cfg;
	struct mb_event *ev;
	__u32 src;
	__u16 port;

	if (ctx->type != SOCK_STREAM)
		return 1;
	cfg = get_cfg();
	if (!cfg || !cfg->enabled)
		return 1;
	dep = bpf_map_lookup_elem(&mb_endpoints, dst);
	if (!dep)
		return 1;
	src = connecting_pod(ctx);
	if (!src)
		return 1;
	port = bpf_ntohs((__u16)ctx->user_port);
	if (mb_policy_verdict(cfg, src, dep->pod_id, port) != MB_VERDICT_DENY)
		return 1;
	MB_COUNT(src, policy_denied, 1);
	ev = mb_event_reserve(MB_EVENT_DENIED);
	if (ev) {
		ev->local_pod = src;
		ev->remote_pod = dep->pod_id;
		ev->remote_ip = *dst;
		ev->remote_port = port;
		bpf_ringbuf_submit(ev, 0);
	}
	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_set_retval))
		bpf_set_retval(-ECONNREFUSED);
	return 0;
}

SEC("cgroup/connect4")
int mb_connect4(struct bpf_sock_addr *ctx)
{
	struct mb_addr dst;

	mb_addr_v4(&dst, ctx->user_ip4);
	return connect_check(ctx, &dst);
}

SEC("cgroup/connect6")
int mb_connect6(struct bpf_sock_addr *ctx)
{
	struct mb_addr dst;

	mb_addr_v6(&dst, ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2],
		   ctx->user_ip6[3]);
	return connect_check(ctx, &dst);
}

//go:build ignore

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The packet fast path for traffic the socket short-circuit leaves alone
 * (pods on different nodes, bypassed flows, other protocols): tc ingress
 * programs, attached with TCX, that skip the node's bridge and routing.
 *
 *   pod veth, node side: a packet from a pod to a pod on the same node goes
 *       straight into the destination pod (bpf_redirect_peer); to a pod on
 *       another node it leaves on the wire to that node (bpf_redirect_neigh,
 *       the kernel resolves the next hop's MAC).
 *   wire, node side: a packet for a pod of this node goes straight into it.
 *
 * The object is loaded once per node with node_id set; the maps are shared.
 *
 * Both programs obey the datapath's switch (mb_cfg.enabled, shared with the
 * socket programs), which Up turns on only after every program of every
 * node is attached and Down turns off before detaching any. A node whose
 * pod hook redirected while its wire hook did not (or the reverse) would
 * show its netfilter conntrack only one direction of a handshake: the entry
 * stays SYN_SENT, every later packet of that connection is ctstate INVALID,
 * and Kubernetes' KUBE-FORWARD rule drops INVALID, so the connection hangs
 * for good. One switch flips a node's two directions together.
 */
#include "cfg.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_ICMPV6 58
#define TC_ACT_OK 0

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define MB_FWD_PEER 1 /* a pod of this node: ifindex is its veth's node end */
#define MB_FWD_NEIGH 2 /* a pod elsewhere: ifindex is the wire towards it */

struct mb_fwd_key {
	__u32 node;
	__u32 addr[4]; /* IPv6, or IPv4 as ::ffff:a.b.c.d */
};

struct mb_fwd {
	__u32 ifindex;
	__u32 flags;
	__u8 dmac[6]; /* the pod's MAC, for MB_FWD_PEER */
	__u8 smac[6]; /* the node end's MAC */
};

struct mb_tc_counters {
	__u64 peer; /* packets put straight into a pod */
	__u64 neigh; /* packets sent straight onto a wire */
	__u64 pass; /* packets left to the normal path */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct mb_fwd_key);
	__type(value, struct mb_fwd);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mb_fwd_map SEC(".maps");

/* One slot per node. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct mb_tc_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mb_tc_stats SEC(".maps");

const volatile __u32 node_id = 0;

static __always_inline struct mb_tc_counters *tc_ctr(void)
{
	__u32 n = node_id;

	return bpf_map_lookup_elem(&mb_tc_stats, &n);
}

/* Destination lookup key of an IPv4 or IPv6 packet; 0 for anything else,
 * and for ICMPv6, which carries neighbour discovery the bridge must see.
 */
static __always_inline int dst_key(struct __sk_buff *skb, struct mb_fwd_key *k)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return 0;
	k->node = node_id;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end)
			return 0;
		k->addr[2] = bpf_htonl(0x0000ffff);
		k->addr[3] = ip->daddr;
		return 1;
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end || ip6->nexthdr == IPPROTO_ICMPV6)
			return 0;
		__builtin_memcpy(k->addr, &ip6->daddr, sizeof(k->addr));
		return 1;
	}
	return 0;
}

static __always_inline int forward(struct __sk_buff *skb, int from_pod)
{
	struct mb_fwd_key k = {};
	struct mb_config *cfg = get_cfg();
	struct mb_tc_counters *c;
	struct mb_fwd *f;

	if (!cfg || !cfg->enabled)
		return TC_ACT_OK; /* off: not a decision, so not counted */
	c = tc_ctr();
	if (!dst_key(skb, &k))
		goto pass;
	f = bpf_map_lookup_elem(&mb_fwd_map, &k);
	if (!f)
		goto pass;
	if (f->flags & MB_FWD_PEER) {
		if (bpf_skb_store_bytes(skb, 0, f->dmac, 6, 0) ||
		    bpf_skb_store_bytes(skb, 6, f->smac, 6, 0))
			goto pass;
		if (c)
			c->peer++;
		return bpf_redirect_peer(f->ifindex, 0);
	}
	if ((f->flags & MB_FWD_NEIGH) && from_pod) {
		if (c)
			c->neigh++;
		return bpf_redirect_neigh(f->ifindex, 0, 0, 0);
	}
pass:
	if (c)
		c->pass++;
	return TC_ACT_OK;
}

SEC("tc")
int mb_tc_pod(struct __sk_buff *skb)
{
	return forward(skb, 1);
}

SEC("tc")
int mb_tc_wire(struct __sk_buff *skb)
{
	return forward(skb, 0);
}

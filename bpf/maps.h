/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Every map of the socket datapath. All of them are pinned by name under
 * /sys/fs/bpf/meshbench/<instance>/ so that another process can read the
 * counters or take the datapath down. Hashes allocate on demand: an idle
 * datapath costs little memory.
 */
#ifndef MESHBENCH_MAPS_H
#define MESHBENCH_MAPS_H

#include "cfg.h"

/* Established mesh sockets, keyed by their own flow key. sk_msg redirects
 * into the entry of the reversed key.
 */
struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, MB_MAX_FLOWS);
	__type(key, struct mb_flow_key);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mb_pairs SEC(".maps");

/* The same keys in a plain hash (value: socket cookie): sockops cannot
 * release the socket reference a SOCKHASH lookup returns, so it looks for
 * the peer here.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, MB_MAX_FLOWS);
	__type(key, struct mb_flow_key);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mb_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct mb_sock_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mb_socks SEC(".maps");

/* Mesh pod addresses (normalised, see struct mb_addr). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, MB_MAX_ENDPOINTS);
	__type(key, struct mb_addr);
	__type(value, struct mb_endpoint);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mb_endpoints SEC(".maps");

/* Which pod a connecting task belongs to: by cgroup id, then by netns. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MB_MAX_PODS);
	__type(key, __u64);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mb_pod_cgroup SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MB_MAX_PODS);
	__type(key, __u64);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mb_pod_netns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, MB_MAX_RULES);
	__type(key, struct mb_policy_key);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mb_policy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MB_MAX_PODS);
	__type(key, __u32);
	__type(value, struct mb_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mb_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MB_MAX_PODS);
	__type(key, __u32);
	__type(value, struct mb_pod_name);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mb_pod_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mb_events SEC(".maps");

#endif

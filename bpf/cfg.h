/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The datapath's global switches (struct mb_config), one map shared by the
 * socket programs (mesh.c) and the packet fast path (fastpath.c): both
 * objects pin it by name in the same instance directory, so one write from
 * Go turns the whole datapath on or off at once.
 */
#ifndef MESHBENCH_CFG_H
#define MESHBENCH_CFG_H

#include "mesh.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mb_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mb_cfg SEC(".maps");

static __always_inline struct mb_config *get_cfg(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&mb_cfg, &zero);
}

#endif

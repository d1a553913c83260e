//go:build ignore

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The socket short-circuit, one object: sockops records established mesh
 * sockets in a SOCKHASH (sockops.h), sk_msg moves each send straight into the
 * peer socket's receive queue (skmsg.h), and the cgroup connect hooks refuse
 * connections policy denies (connect.h); the splice guard keeps splice(2)
 * from stalling on redirected bytes (guard.h).
 */
#include "lib.h"
#include "sockops.h"
#include "skmsg.h"
#include "connect.h"
#include "guard.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Force BTF for the types Go reads without a map to carry them. */
const struct mb_event *unused_mb_event __attribute__((unused));
const struct mb_pod_name *unused_mb_pod_name __attribute__((unused));

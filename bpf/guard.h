/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The splice guard. splice(2) and sendfile(2) read a TCP socket through
 * tcp_splice_read, which only looks at the TCP receive queue and never at
 * the queue redirected bytes land in: on every kernel so far a splice from
 * a short-circuited socket waits forever while the data sits next to it.
 * This hook makes such a splice fail at once with EINVAL, the
 * answer for "this file cannot be spliced", before anything is consumed;
 * callers fall back to read(2) (Go's io.Copy does), which sees the bytes.
 * Included once, from mesh.c.
 */
#include "lib.h"
#include "bpf_tracing.h"

#define MAY_READ 0x4
#define EINVAL 22
#define PF_KTHREAD 0x00200000
#define PF_IO_WORKER 0x00000010

/* Syscall numbers of splice and sendfile per architecture, picked at load
 * time by which pt_regs field the running kernel has.
 */
struct pt_regs___x86 {
	unsigned long orig_ax;
} __attribute__((preserve_access_index));

struct pt_regs___arm64 {
	__s32 syscallno;
} __attribute__((preserve_access_index));

static __always_inline int is_splice_syscall(struct task_struct *task)
{
	void *regs = (void *)bpf_task_pt_regs(task);
	long nr;

	if (bpf_core_field_exists(struct pt_regs___x86, orig_ax)) {
		nr = BPF_CORE_READ((struct pt_regs___x86 *)regs, orig_ax);
		return nr == 275 || nr == 40;
	}
	if (bpf_core_field_exists(struct pt_regs___arm64, syscallno)) {
		nr = BPF_CORE_READ((struct pt_regs___arm64 *)regs, syscallno);
		return nr == 76 || nr == 71;
	}
	return 0;
}

static __always_inline int splice_guard(struct file *file, int mask)
{
	struct task_struct *task;
	struct mb_sock_state *st;
	struct socket *sock;
	struct sock *sk;

	if (!(mask & MAY_READ))
		return 0;
	task = bpf_get_current_task_btf();
	if (task->flags & (PF_KTHREAD | PF_IO_WORKER))
		return 0;
	if (!is_splice_syscall(task))
		return 0;
	sock = bpf_sock_from_file(file);
	if (!sock)
		return 0;
	sk = sock->sk;
	if (!sk)
		return 0;
	st = bpf_sk_storage_get(&mb_socks, sk, 0, 0);
	if (!st)
		return 0;
	MB_COUNT(st->local_pod, splice_refused, 1);
	return -EINVAL;
}

/* The BPF LSM hook where the bpf LSM is active (lsm= includes "bpf"). */
SEC("lsm/file_permission")
int BPF_PROG(mb_guard_lsm, struct file *file, int mask, int ret)
{
	if (ret)
		return ret;
	return splice_guard(file, mask);
}

/* Elsewhere, fmod_ret on the security hook's entry point. */
SEC("fmod_ret/security_file_permission")
int BPF_PROG(mb_guard_fmod, struct file *file, int mask, int ret)
{
	if (ret)
		return ret;
	return splice_guard(file, mask);
}

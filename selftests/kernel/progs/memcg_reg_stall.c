// SPDX-License-Identifier: GPL-2.0
/*
 * Holds memcg_bpf_ops' reg() back for stall_ns on entry, so that a test
 * can remove the target cgroup after BPF_LINK_CREATE found it and before
 * reg() takes cgroup_mutex: the window attach_removed_refused needs, which
 * rmdir before the attach never reaches (the fd lookup fails first).
 */
#include "policy/bpf-vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

__u64 stall_ns;
__u32 entered;			/* reg() calls that began stalling */
__u32 stalled;			/* ... that stalled for the whole stall_ns */

static long spin(__u64 i, void *ctx)
{
	return bpf_ktime_get_ns() >= *(__u64 *)ctx;
}

SEC("fentry/memcg_bpf_ops_reg")
int BPF_PROG(reg_enter, void *kdata, struct bpf_link *link)
{
	__u64 end;

	if (!stall_ns)
		return 0;
	__sync_fetch_and_add(&entered, 1);
	end = bpf_ktime_get_ns() + stall_ns;
	bpf_loop(1 << 23, spin, &end, 0);
	if (bpf_ktime_get_ns() >= end)
		__sync_fetch_and_add(&stalled, 1);
	return 0;
}

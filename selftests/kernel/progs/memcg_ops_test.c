// SPDX-License-Identifier: GPL-2.0
/*
 * memcg_bpf_ops programs for the kernel-level tests: the pages hook returns
 * nr_pages for the memcg whose cgroup id is target_cgid (or for every memcg
 * when target_cgid is 0), and every hook counts its calls so that a test can
 * tell which attachment served a cgroup.  The test sets the .bss variables
 * at run time; one skeleton instance per attachment.
 */
#include "policy/bpf-vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

__u64 target_cgid;
__u32 nr_pages;
__u64 min_usage;		/* pages: below this usage, return 0 */
__u64 max_returns;		/* if non-zero: return nr_pages that often, then 0 */

__u64 pages_calls;		/* pages hook calls for target_cgid */
__u64 armed_calls;		/* ... of those, at min_usage or more */
__u64 recheck_calls;		/* ... and those asked again during a pass's sleep */
__u64 online_calls;
__u64 last_online_cgid;
__u64 offline_calls;
__u64 last_offline_cgid;

static __u64 memcg_cgroup_id(struct mem_cgroup *memcg)
{
	return memcg->css.cgroup->kn->id;
}

/*
 * The tasks inside __mem_cgroup_handle_over_high(), by thread id: 1 until
 * the pass asked the hook, then 2 (kt_ops_load() attaches the probes).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u32);
} in_pass SEC(".maps");

SEC("fentry/__mem_cgroup_handle_over_high")
int BPF_PROG(test_pass_enter)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), started = 1;

	bpf_map_update_elem(&in_pass, &tid, &started, BPF_ANY);
	return 0;
}

SEC("fexit/__mem_cgroup_handle_over_high")
int BPF_PROG(test_pass_exit)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&in_pass, &tid);
	return 0;
}

/*
 * The pages hook.  A pass asks once for its level; while it sleeps, the
 * kernel asks again to learn whether the policy still presses the memcg.
 * Those asks answer what the pass was told and count apart, so that the
 * tests' limits (min_usage, max_returns) apply to passes as they did
 * before the kernel asked again: a pass's sleep lasts its whole delay.
 */
SEC("struct_ops/memcg_nr_pages_over_high")
unsigned int BPF_PROG(test_pages_over_high, struct mem_cgroup *memcg)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u32 *pass;

	if (target_cgid && memcg_cgroup_id(memcg) != target_cgid)
		return 0;
	pass = bpf_map_lookup_elem(&in_pass, &tid);
	if (pass && *pass == 2) {
		__sync_fetch_and_add(&recheck_calls, 1);
		return nr_pages;
	}
	if (pass)
		*pass = 2;
	__sync_fetch_and_add(&pages_calls, 1);
	if ((__u64)memcg->memory.usage.counter < min_usage)
		return 0;
	__sync_fetch_and_add(&armed_calls, 1);
	if (max_returns && armed_calls > max_returns)
		return 0;
	return nr_pages;
}

SEC("struct_ops/handle_cgroup_online")
void BPF_PROG(test_online, struct mem_cgroup *memcg)
{
	__sync_fetch_and_add(&online_calls, 1);
	last_online_cgid = memcg_cgroup_id(memcg);
}

SEC("struct_ops/handle_cgroup_offline")
void BPF_PROG(test_offline, struct mem_cgroup *memcg)
{
	__sync_fetch_and_add(&offline_calls, 1);
	last_offline_cgid = memcg_cgroup_id(memcg);
}

SEC(".struct_ops.link")
struct memcg_bpf_ops test_ops = {
	.memcg_nr_pages_over_high = (void *)test_pages_over_high,
	.handle_cgroup_online = (void *)test_online,
	.handle_cgroup_offline = (void *)test_offline,
};

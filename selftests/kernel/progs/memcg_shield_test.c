// SPDX-License-Identifier: GPL-2.0
/*
 * memcg_bpf_ops.memcg_below_low for prog_tests/memcg_ops_shield.c: answers
 * ANSWER for the memcg whose cgroup id is shield_cgid, in the reclaim for
 * domain_cgid (for any target if any_domain), and 0 for everything else,
 * counting what it was asked.  The test sets the .bss variables before it
 * attaches.
 */
#include "policy/bpf-vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

__u64 shield_cgid;
__u64 domain_cgid;
__u32 answer;
__u32 any_domain;

__u64 calls;		/* every call */
__u64 domain_calls;	/* for shield_cgid in the reclaim for domain_cgid */
__u64 self_calls;	/* with memcg == target: must never happen */

static __u64 memcg_cgroup_id(struct mem_cgroup *memcg)
{
	return memcg->css.cgroup->kn->id;
}

SEC("struct_ops/memcg_below_low")
int BPF_PROG(shield_below_low, struct mem_cgroup *target,
	     struct mem_cgroup *memcg)
{
	__u64 target_id = memcg_cgroup_id(target);
	__u64 id = memcg_cgroup_id(memcg);

	__sync_fetch_and_add(&calls, 1);
	if (id == target_id)
		__sync_fetch_and_add(&self_calls, 1);
	if (id != shield_cgid)
		return 0;
	if (target_id == domain_cgid)
		__sync_fetch_and_add(&domain_calls, 1);
	else if (!any_domain)
		return 0;
	return answer;
}

SEC(".struct_ops.link")
struct memcg_bpf_ops shield_ops = {
	.memcg_below_low = (void *)shield_below_low,
};

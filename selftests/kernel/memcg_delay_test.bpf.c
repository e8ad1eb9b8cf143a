// SPDX-License-Identifier: GPL-2.0
/*
 * Where and how long memcg_bpf_ops makes a task sleep, recorded rather than
 * timed.  A pages hook returns nr_pages for the cgroup target_cgid once its
 * usage reaches min_usage pages and remembers what it saw; fentry probes on
 * the charge entry, the return-path over-high handler and the sleep itself
 * record, for each sleep of a task in that cgroup, its timeout, whether it
 * happened inside a charge (a syscall still holding its locks) or on the way
 * back to user space, and the values the delay was computed from.
 */
#include "policy/bpf-vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "selftests/kernel/memcg_delay_test.h"

char _license[] SEC("license") = "GPL";

__u64 target_cgid;
__u32 nr_pages;
__u64 min_usage;

__u64 armed_calls;		/* hook calls that returned nr_pages */
__u64 return_passes;		/* entries into the return-path handler */
__u64 nr_sleeps;		/* sleeps of target tasks, all recorded up to KT_MAX_SLEEPS */
struct kt_sleep sleeps[KT_MAX_SLEEPS];

/*
 * The target's state, one task at a time.  Not static: clang would shrink
 * a static flag that only holds 0 and 1 to one byte, which its BTF then
 * misdescribes.
 */
__u32 charge_depth;
__u32 in_return;
__u64 pass_nr_pages;
struct kt_sleep last;		/* what the hook saw last */

static bool is_target(void)
{
	return bpf_get_current_cgroup_id() == target_cgid;
}

static __u64 memcg_cgroup_id(struct mem_cgroup *memcg)
{
	return memcg->css.cgroup->kn->id;
}

SEC("struct_ops/memcg_nr_pages_over_high")
unsigned int BPF_PROG(delay_pages_over_high, struct mem_cgroup *memcg)
{
	__u64 usage = memcg->memory.usage.counter;

	if (memcg_cgroup_id(memcg) != target_cgid || usage < min_usage)
		return 0;
	__sync_fetch_and_add(&armed_calls, 1);
	last.usage = usage;
	last.high = memcg->memory.high;
	last.min = memcg->memory.min;
	last.low = memcg->memory.low;
	last.n = nr_pages;
	return nr_pages;
}

SEC(".struct_ops.link")
struct memcg_bpf_ops delay_ops = {
	.memcg_nr_pages_over_high = (void *)delay_pages_over_high,
};

SEC("fentry/__mem_cgroup_charge")
int BPF_PROG(charge_enter)
{
	if (is_target())
		charge_depth++;
	return 0;
}

SEC("fexit/__mem_cgroup_charge")
int BPF_PROG(charge_exit)
{
	if (is_target() && charge_depth)
		charge_depth--;
	return 0;
}

SEC("fentry/__mem_cgroup_handle_over_high")
int BPF_PROG(return_enter)
{
	struct task_struct *task = bpf_get_current_task_btf();

	if (!is_target())
		return 0;
	__sync_fetch_and_add(&return_passes, 1);
	in_return = 1;
	pass_nr_pages = task->memcg_nr_pages_over_high;
	return 0;
}

SEC("fexit/__mem_cgroup_handle_over_high")
int BPF_PROG(return_exit)
{
	if (is_target())
		in_return = 0;
	return 0;
}

SEC("fentry/schedule_timeout_killable")
int BPF_PROG(sleep_enter, long timeout)
{
	__u64 i;

	if (!is_target())
		return 0;
	i = __sync_fetch_and_add(&nr_sleeps, 1);
	if (i >= KT_MAX_SLEEPS)
		return 0;
	sleeps[i] = last;
	sleeps[i].timeout = timeout;
	sleeps[i].in_charge = charge_depth > 0;
	sleeps[i].in_return = in_return;
	sleeps[i].nr_charged = pass_nr_pages;
	return 0;
}

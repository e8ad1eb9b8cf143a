// SPDX-License-Identifier: GPL-2.0
/*
 * Where and how long memcg_bpf_ops makes a task sleep, recorded rather than
 * timed.  A pages hook returns nr_pages for the cgroup target_cgid once its
 * usage reaches min_usage pages and remembers what it saw; fentry probes on
 * the charge entry, the return-path over-high handler and the sleep itself
 * record, for each pass of a task in that cgroup that sleeps, its timeout
 * (the sum of the slices the kernel sleeps it in, asking the hook again
 * after each), whether it happened inside a charge (a syscall still holding
 * its locks) or on the way back to user space, and the values the delay was
 * computed from.  Until the test sets `released', the hook asked again
 * answers as the pass was answered; from then on it answers 0.  fentry
 * and fexit on try_to_free_mem_cgroup_pages() count the reclaim those tasks
 * do inside a charge and on the way back to user space.
 */
#include "policy/bpf-vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "../memcg_delay_test.h"

char _license[] SEC("license") = "GPL";

__u64 target_cgid;
__u32 nr_pages;
__u64 min_usage;
__u32 killed;			/* set by the test right before it sends SIGKILL */
__u32 released;			/* set by the test: the hook stops asking */

__u64 hook_calls;		/* hook calls for target_cgid */
__u64 armed_calls;		/* hook calls that returned nr_pages */
__u64 return_passes;		/* entries into the return-path handler */
__u64 recheck_calls;		/* hook calls of a pass asking again while it sleeps */
__u64 nr_sleeps;		/* passes that slept, all recorded up to KT_MAX_SLEEPS */
struct kt_sleep sleeps[KT_MAX_SLEEPS];

/* Reclaim of target tasks, by where it ran (see kt_reclaim). */
struct kt_reclaim in_charge_reclaim;
struct kt_reclaim in_return_reclaim;
__u64 reclaimed_after_kill;	/* by calls that ended after `killed' was set */
__u64 min_usage_after_pass;	/* pages, lowest after a return pass's reclaim; 0: none */

/*
 * The target's state, one task at a time.  Not static: clang would shrink
 * a static flag that only holds 0 and 1 to one byte, which its BTF then
 * misdescribes.
 */
__u32 charge_depth;
__u32 in_return;
__u32 pass_asked;		/* the pass in progress asked the hook for its level */
__u32 pass_slept;		/* ... and its sleep has a record, sleeps[nr_sleeps - 1] */
__u64 pass_nr_pages;
struct kt_sleep last;		/* what the hook saw last */
__u64 last_memcg;		/* and for which memcg, to read it again later */

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

	if (memcg_cgroup_id(memcg) != target_cgid)
		return 0;
	/*
	 * Asked again while the pass sleeps: still pressed, as when the pass
	 * started, until the test releases the memcg.
	 */
	if (in_return && pass_asked) {
		__sync_fetch_and_add(&recheck_calls, 1);
		return released ? 0 : nr_pages;
	}
	if (released)
		return 0;
	if (in_return)
		pass_asked = 1;
	__sync_fetch_and_add(&hook_calls, 1);
	if (usage < min_usage)
		return 0;
	__sync_fetch_and_add(&armed_calls, 1);
	last.usage = usage;
	last.high = memcg->memory.high;
	last.n = nr_pages;
	last_memcg = (__u64)memcg;
	return nr_pages;
}

/*
 * The memcg the hook saw last, read again: its usage, and the effective
 * protection the pass computed after asking the hook.
 */
static __u64 last_memcg_read(int what)
{
	struct mem_cgroup *memcg = (struct mem_cgroup *)last_memcg;
	__u64 v = 0;

	if (!memcg)
		return 0;
	if (what == 0)
		bpf_probe_read_kernel(&v, sizeof(v), &memcg->memory.usage.counter);
	else if (what == 1)
		bpf_probe_read_kernel(&v, sizeof(v), &memcg->memory.emin);
	else
		bpf_probe_read_kernel(&v, sizeof(v), &memcg->memory.elow);
	return v;
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
	pass_asked = 0;
	pass_slept = 0;
	pass_nr_pages = task->memcg_bpf_nr_pages;
	return 0;
}

SEC("fexit/__mem_cgroup_handle_over_high")
int BPF_PROG(return_exit)
{
	if (is_target())
		in_return = 0;
	return 0;
}

SEC("fentry/try_to_free_mem_cgroup_pages")
int BPF_PROG(reclaim_enter, struct mem_cgroup *memcg, unsigned long nr_to_reclaim)
{
	struct kt_reclaim *r;

	if (!is_target())
		return 0;
	r = charge_depth ? &in_charge_reclaim : in_return ? &in_return_reclaim : NULL;
	if (!r)
		return 0;
	r->calls++;
	r->asked += nr_to_reclaim;
	if (nr_to_reclaim > r->max_asked)
		r->max_asked = nr_to_reclaim;
	return 0;
}

SEC("fexit/try_to_free_mem_cgroup_pages")
int BPF_PROG(reclaim_exit, struct mem_cgroup *memcg, unsigned long nr_to_reclaim,
	     gfp_t gfp_mask, unsigned int reclaim_options, int *swappiness,
	     unsigned long reclaimed)
{
	struct kt_reclaim *r;

	if (!is_target())
		return 0;
	if (killed)
		reclaimed_after_kill += reclaimed;
	r = charge_depth ? &in_charge_reclaim : in_return ? &in_return_reclaim : NULL;
	if (r)
		r->reclaimed += reclaimed;
	if (r == &in_return_reclaim) {
		__u64 usage = last_memcg_read(0);

		if (usage && (!min_usage_after_pass || usage < min_usage_after_pass))
			min_usage_after_pass = usage;
	}
	return 0;
}

SEC("fentry/schedule_timeout_killable")
int BPF_PROG(sleep_enter, long timeout)
{
	__u64 i;

	if (!is_target())
		return 0;
	/* The pass's later slices add to its record. */
	if (in_return && pass_slept) {
		i = nr_sleeps - 1;
		if (i < KT_MAX_SLEEPS) {
			sleeps[i].timeout += timeout;
			sleeps[i].slices++;
		}
		return 0;
	}
	pass_slept = in_return;
	i = __sync_fetch_and_add(&nr_sleeps, 1);
	if (i >= KT_MAX_SLEEPS)
		return 0;
	sleeps[i] = last;
	sleeps[i].min = last_memcg_read(1);
	sleeps[i].low = last_memcg_read(2);
	sleeps[i].timeout = timeout;
	sleeps[i].slices = 1;
	sleeps[i].in_charge = charge_depth > 0;
	sleeps[i].in_return = in_return;
	sleeps[i].nr_charged = pass_nr_pages;
	return 0;
}

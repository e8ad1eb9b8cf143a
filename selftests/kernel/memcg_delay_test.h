/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by progs/memcg_delay_test.c and prog_tests/memcg_ops_delay.c: one
 * recorded sleep.
 */
#ifndef MEMCG_PRIO_MEMCG_DELAY_TEST_H
#define MEMCG_PRIO_MEMCG_DELAY_TEST_H

#define KT_MAX_SLEEPS 32

/*
 * One pass's sleep: the kernel sleeps it in slices, asking the hook again
 * after each, and the record sums them.
 */
struct kt_sleep {
	__u64 timeout;		/* jiffies passed to schedule_timeout_killable(), summed */
	__u64 slices;		/* its calls */
	__u64 usage;		/* pages, as the hook saw them in that pass */
	__u64 high;		/* memory.high, min and low in pages */
	__u64 min;		/* effective memory.min and memory.low, as the */
	__u64 low;		/* pass computed them */
	__u64 nr_charged;	/* pages charged under the policy's level */
	__u32 n;		/* what the hook returned */
	__u32 in_charge;	/* inside __mem_cgroup_charge(): a syscall's locks held */
	__u32 in_return;	/* inside __mem_cgroup_handle_over_high() */
	__u32 pad;
};

/* try_to_free_mem_cgroup_pages() calls of target tasks in one context. */
struct kt_reclaim {
	__u64 calls;
	__u64 asked;		/* pages asked for, summed */
	__u64 max_asked;	/* the most one call asked for */
	__u64 reclaimed;	/* pages reclaimed, summed */
};

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by memcg_delay_test.bpf.c and test_delay.c: one recorded sleep. */
#ifndef MEMCG_PRIO_MEMCG_DELAY_TEST_H
#define MEMCG_PRIO_MEMCG_DELAY_TEST_H

#define KT_MAX_SLEEPS 32

struct kt_sleep {
	__u64 timeout;		/* jiffies passed to schedule_timeout_killable() */
	__u64 usage;		/* pages, as the hook saw them in that pass */
	__u64 high;		/* memory.high, min and low in pages */
	__u64 min;
	__u64 low;
	__u64 nr_charged;	/* the task's pages over high as the pass began */
	__u32 n;		/* what the hook returned */
	__u32 in_charge;	/* inside __mem_cgroup_charge(): a syscall's locks held */
	__u32 in_return;	/* inside __mem_cgroup_handle_over_high() */
	__u32 pad;
};

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Types shared by the OOM policy (oom.bpf.c) and the loader
 * (loader/kernel/oomhook.c): the layout of its two maps.  Fixed-width
 * integers only, no pointers.
 */
#ifndef MEMCG_PRIO_POLICY_OOM_H
#define MEMCG_PRIO_POLICY_OOM_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#include "prio_limits.h"

/*
 * A group is skipped while its cgroup's memory usage is at or below this:
 * killing a task there frees next to nothing, and the OOM would come back
 * at once for a task of the next group up.  4 MiB: more than a shell and
 * its children hold, less than any workload worth protecting from.
 */
#define PRIO_OOM_MIN_BYTES	(4ull << 20)

/* Cgroup levels a descendant may lie below its group's cgroup and still
 * be told apart from a nested group's (the policy walks up that far). */
#define PRIO_OOM_MAX_DEPTH	16

/* prio_oom_group.flags */
#define PRIO_OOM_F_KILL		(1u << 0)	/* oom_kill = true */

/* One group, as the policy walks them: from the lowest priority up. */
struct prio_oom_entry {
	__u64 cgroup_id;
	__u32 index;			/* in the config: the stats' index */
	__u32 flags;			/* PRIO_OOM_F_* */
	/* For --status only: the policy never reads them. */
	char name[PRIO_NAME_LEN];
	char path[PRIO_CGROUP_PATH_LEN];	/* absolute cgroup directory */
};

/* The one value of the "oom_config" array map, filled by the loader. */
struct prio_oom_config {
	__u64 min_bytes;		/* PRIO_OOM_MIN_BYTES */
	__u32 n_groups;			/* of order[] */
	__u32 pad;
	/* By increasing priority; equal priorities in the config's order. */
	struct prio_oom_entry order[PRIO_MAX_GROUPS];
};

/* Why the victim's group was the one (prio_oom_kill.reason). */
enum prio_oom_reason {
	/* No eligible group below it in the OOM's domain. */
	PRIO_OOM_REASON_LOWEST,
	/* The groups below it in the domain were at or below min_bytes. */
	PRIO_OOM_REASON_LOWER_SMALL,
	/* A group below it held more than min_bytes but had no task to kill
	 * (every one at oom_score_adj -1000, or without memory). */
	PRIO_OOM_REASON_LOWER_UNKILLABLE,
	PRIO_OOM_NR_REASONS,
};

/* Per group: what the policy did with it in the OOMs it was asked. */
enum prio_oom_stat {
	PRIO_OOM_STAT_KILLS,		/* tasks it killed in the group */
	PRIO_OOM_STAT_WAITS,		/* OOMs resolved by waiting for an
					 * earlier victim of the group */
	PRIO_OOM_STAT_SMALL,		/* skipped: usage <= min_bytes */
	PRIO_OOM_STAT_UNKILLABLE,	/* skipped: nothing it may kill */
	PRIO_OOM_STAT_FAILED,		/* the kill was refused: the kernel's
					 * killer decided instead */
	PRIO_OOM_NR_STATS,
};

/* The last kill. */
struct prio_oom_kill {
	__u64 time_ns;			/* bpf_ktime_get_ns() */
	__u64 domain_id;		/* the OOM's memcg's cgroup; 0: global */
	__u64 rss_pages;		/* the victim's, when chosen */
	__s32 pid;
	__u32 index;			/* the group, in the config */
	__u32 reason;			/* enum prio_oom_reason */
	char comm[16];
	__u32 pad;
};

/* The one value of the "oom_state" array map (OOMs are serialised by the
 * kernel's oom_lock: no per-CPU counters needed). */
struct prio_oom_state {
	__u64 calls;			/* OOMs the handler was asked */
	__u64 declined;			/* ... in which it chose nobody */
	__u64 not_in_domain;		/* groups skipped: outside the domain */
	__u64 kills;			/* the sum of the groups' kills */
	struct prio_oom_kill last;	/* valid once kills > 0 */
	__u64 group[PRIO_MAX_GROUPS][PRIO_OOM_NR_STATS];
};

#endif

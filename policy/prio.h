/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Types shared by the prio BPF policy (prio.bpf.c) and the loader: map
 * layouts and statistics.  Fixed-width integers only, no pointers.
 */
#ifndef MEMCG_PRIO_POLICY_PRIO_H
#define MEMCG_PRIO_POLICY_PRIO_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define PRIO_MAX_GROUPS		64
#define PRIO_NAME_LEN		33
#define PRIO_PATH_LEN		256
/* Deepest cgroup level the policy looks at when mapping cgroups to groups. */
#define PRIO_MAX_DEPTH		32
#define PRIO_NO_GROUP		0xffffffffu

enum prio_trigger {
	PRIO_TRIGGER_LEVEL,	/* vmpressure level over window_pages scans */
	PRIO_TRIGGER_SCAN,	/* scan_threshold_pages within window_ms */
};

/* Values of the "groups" array map, filled by the loader before attach. */
struct prio_group_cfg {
	__u64 cgroup_id;
	__u32 priority;			/* 0..100, bigger is more important */
	__u32 trigger;			/* enum prio_trigger */
	__u32 level;			/* enum prio_level: 0 low, 1 medium, 2 critical */
	__u32 window_pages;
	__u32 scan_threshold_pages;
	__u32 window_ms;
	__u32 hold_ms;
	__u32 penalty_pages;
	__u32 penalty_max_pages;
	__u32 penalty_scaling;		/* bool */
	__u32 link_flags;		/* PRIO_LINK_*: loader bookkeeping */
	char name[PRIO_NAME_LEN];
	char path[PRIO_PATH_LEN];	/* absolute cgroup directory */
};

/*
 * prio_group_cfg.link_flags: how the loader attached the group's struct_ops
 * link, kept with the policy for --status and for a later re-attach.
 */
#define PRIO_LINK_ATTACHED	(1u << 0)	/* a link on the group's cgroup */
#define PRIO_LINK_OVERRIDE	(1u << 1)	/* ... with BPF_F_ALLOW_OVERRIDE */

/* Values of the "state" array map: pressure state of each group. */
struct prio_group_state {
	__u64 window_start_ns;		/* scan trigger: start of the window */
	__u64 window_scanned;
	__u64 window_reclaimed;
	__u64 pressured_until_ns;	/* pressure holds until then */
	__u64 pressure_ns;		/* total time under pressure */
	__u64 last_throttled_ns;	/* last penalty reported for this group */
	__u32 last_level;		/* level of the last closed window */
	__u32 severity;			/* scale factor of the last pressured window */
	__u32 throttled_by;		/* group whose pressure throttled us last */
	__u32 pad;
};

/* Per-group counters, per-CPU array indexed by group * PRIO_NR_STATS + stat. */
enum prio_stat {
	PRIO_STAT_SCAN_EVENTS,		/* PGSCAN updates attributed to the group */
	PRIO_STAT_PAGES_SCANNED,
	PRIO_STAT_PAGES_RECLAIMED,
	PRIO_STAT_WINDOWS,		/* evaluation windows closed */
	PRIO_STAT_WINDOWS_PRESSURED,	/* ... of which over the trigger */
	PRIO_STAT_HOOK_CALLS,		/* pages hook calls for the group */
	PRIO_STAT_THROTTLED,		/* ... that returned a penalty */
	PRIO_STAT_DRY_RUN_THROTTLED,	/* ... that would have, in dry-run mode */
	PRIO_STAT_PAGES_REPORTED,	/* sum of the penalties returned */
	PRIO_NR_STATS,
};

/* Global counters: why an event or a hook call did nothing. */
enum prio_gstat {
	PRIO_GSTAT_EVENTS,		/* reclaim items seen by the tracepoint */
	PRIO_GSTAT_NO_GROUP,		/* ... in cgroups outside every group */
	PRIO_GSTAT_CACHE_MISS,		/* cgroup-to-group lookups that walked up */
	PRIO_GSTAT_HOOK_NO_GROUP,	/* hook calls for memcgs outside groups */
	PRIO_GSTAT_HOOK_UNPRESSED,	/* hook calls with nobody above pressed */
	PRIO_GSTAT_ONLINE,
	PRIO_GSTAT_OFFLINE,
	PRIO_NR_GSTATS,
};

#endif

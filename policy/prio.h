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

#include "prio_limits.h"

/* Deepest cgroup level the policy looks at when mapping cgroups to groups. */
#define PRIO_MAX_DEPTH		32
#define PRIO_NO_GROUP		0xffffffffu
/* Reclaim domains a group keeps pressure windows for at once. */
#define PRIO_MAX_DOMAINS	4

/*
 * Where the policy learns how many pages reclaim scanned and reclaimed in
 * each memcg (rodata "prio_source", chosen by the loader from the running
 * kernel's BTF).  The reclaim's target comes from try_to_free_mem_cgroup_pages()
 * with every source.
 */
enum prio_source {
	PRIO_SOURCE_VMPRESSURE,		/* fentry vmpressure(gfp, order, memcg, ...) */
	PRIO_SOURCE_VMPRESSURE_NOORDER,	/* fentry vmpressure(gfp, memcg, ...) */
	/* fentry+fexit shrink_lruvec() and try_to_shrink_lruvec() (MGLRU):
	 * the scan_control's counts before and after.  Only ever the
	 * fallback: it runs inside reclaim only, so its standby costs the
	 * charge path nothing. */
	PRIO_SOURCE_SHRINK,
	PRIO_SOURCE_LRUVEC,		/* tp memcg:mod_memcg_lruvec_state */
	PRIO_SOURCE_EVENTS,		/* tp memcg:count_memcg_events */
	/* TEST ONLY: fentry on vmpressure() that drops every report, as if
	 * vmpressure() never fired; only $MEMCG_PRIO_SOURCE=test-silent picks
	 * it, never the probe.  Keep it last: the fallbacks are searched in
	 * enum order below it. */
	PRIO_SOURCE_TEST_SILENT,
	PRIO_NR_SOURCES,
};

/*
 * A configured source found silent (policy/prio.bpf.c, "Silent source"):
 * at least PRIO_SILENT_RECLAIMS reclaims that each reclaimed pages
 * without one report from it, the first at least PRIO_SILENT_MS before the
 * last, with no report in between.
 */
#define PRIO_SILENT_RECLAIMS	32
#define PRIO_SILENT_MS		2000

/* The one value of the "source_state" array map. */
struct prio_source_state {
	__u32 active;			/* enum prio_source whose reports count */
	__u32 pad;
	__u64 silent_since_ns;		/* first reclaim of the current run
					 * without a report; 0: no such run */
	__u64 unheard_reclaims;		/* reclaims in that run */
	__u64 unheard_pages;		/* ... and the pages they reclaimed */
	__u64 found_silent_ns;		/* the run reached the thresholds; 0: never */
	__u64 switched_ns;		/* the fallback took over; 0: never */
};

/* Why reclaim ran, as far as the policy can tell. */
enum prio_cause {
	PRIO_CAUSE_NONE,
	PRIO_CAUSE_KSWAPD,		/* global: kswapd */
	PRIO_CAUSE_DIRECT,		/* global: direct reclaim of an allocation */
	PRIO_CAUSE_MAX,			/* a cgroup at its memory.max */
	PRIO_CAUSE_HIGH,		/* a cgroup above its memory.high */
	PRIO_NR_CAUSES,
};

/* How lower groups are throttled (rodata "prio_mode", for --status). */
enum prio_backend {
	PRIO_BACKEND_HOOK,		/* memcg_bpf_ops: the kernel asks this policy */
	PRIO_BACKEND_MEMORY_HIGH,	/* memcg-prio lowers memory.high itself */
};

enum prio_trigger {
	PRIO_TRIGGER_LEVEL,	/* vmpressure level over window_pages scans */
	PRIO_TRIGGER_SCAN,	/* scan_threshold_pages within window_ms */
};

/* Values of the "groups" array map, filled by the loader before attach. */
struct prio_group_cfg {
	__u64 cgroup_id;
	__u32 priority;			/* 0..100, bigger is more important */
	__u32 trigger;			/* enum prio_trigger */
	__u32 level;			/* enum prio_level */
	__u32 window_pages;
	__u32 scan_threshold_pages;
	__u32 window_ms;
	__u32 hold_ms;
	__u32 hold_doublings;		/* at most PRIO_HOLD_DOUBLINGS_MAX */
	__u32 penalty_pages;
	__u32 penalty_max_pages;
	__u32 penalty_scaling;		/* bool */
	__u32 throttle_max_ms;		/* starvation bounds, see struct prio_bound */
	__u32 throttle_max_share;	/* percent */
	__u32 throttle_window_ms;
	__u32 relief_ms;
	__u32 link_flags;		/* PRIO_LINK_*: loader bookkeeping */
	char name[PRIO_NAME_LEN];
	char path[PRIO_CGROUP_PATH_LEN];	/* absolute cgroup directory */
};

/*
 * prio_group_cfg.link_flags: how the loader attached the group's struct_ops
 * link, kept with the policy for --status and for a later re-attach.
 */
#define PRIO_LINK_ATTACHED	(1u << 0)	/* a link on the group's cgroup */
#define PRIO_LINK_OVERRIDE	(1u << 1)	/* ... with BPF_F_ALLOW_OVERRIDE */
#define PRIO_LINK_MEMORY_HIGH	(1u << 2)	/* no link: memcg-prio lowers the
						 * cgroup's memory.high itself */

/*
 * Pressure of a group in one reclaim domain: the cgroup whose limit the
 * reclaim works for (the cgroup2 root for global reclaim).  Slot of
 * prio_group_state.domains, free while cgroup_id is 0.
 */
struct prio_domain_state {
	__u64 cgroup_id;		/* the domain's cgroup */
	__u64 window_start_ns;		/* scan trigger: start of the window */
	__u64 window_scanned;
	__u64 window_reclaimed;
	__u64 pressured_until_ns;	/* pressure in this domain holds until then */
	__u64 last_seen_ns;		/* last reclaim of the group in the domain */
	__u32 cgroup_level;		/* depth of the domain's cgroup */
	__u32 cause;			/* enum prio_cause of the last reclaim */
	__u32 last_level;		/* level of the last closed window */
	__u32 severity;			/* scale factor of the last pressured window */
	__u64 need_ns;			/* the group's own need last showed here:
					 * a pressured window, a charge that
					 * reclaimed, thrashing; not the shield */
};

/*
 * No starvation: how long a group has been throttled, continuously and in
 * the current window, and its relief (policy/prio_math.h,
 * prio_bound_check()).  Kept by the hook, or by the loader in mode
 * memory.high.
 */
struct prio_bound {
	__u64 episode_start_ns;		/* 0: not throttled now */
	__u64 last_ns;			/* the last throttle */
	__u64 window_start_ns;
	__u64 window_throttled_ns;
	__u64 relief_until_ns;
	__u32 last_reason;		/* enum prio_bound_verdict of the last hit */
	__u32 pad;
};

enum prio_bound_verdict {
	PRIO_BOUND_OK,			/* throttle */
	PRIO_BOUND_RELIEF,		/* relief holds: do not */
	PRIO_BOUND_HIT_CONTINUOUS,	/* throttle_max_ms reached: relief */
	PRIO_BOUND_HIT_SHARE,		/* throttle_max_share reached: relief */
};

/* Values of the "state" array map: pressure state of each group. */
struct prio_group_state {
	struct prio_domain_state domains[PRIO_MAX_DOMAINS];
	__u64 pressured_until_ns;	/* latest of the domains' */
	__u64 pressure_ns;		/* total time under pressure, any domain */
	__u64 last_throttled_ns;	/* last penalty reported for this group */
	__u64 throttled_domain;		/* cgroup id of the domain of that penalty */
	__u64 pressure_onset_ns;	/* start of the latest pressure, any domain */
	__u64 throttle_onset_ns;	/* first penalty of the latest throttling */
	__u64 throttle_end_ns;		/* ... and the first hook call after it that
					 * found nobody above pressed */
	__u32 throttled_by;		/* group whose pressure throttled us last */
	__u32 throttled_cause;		/* enum prio_cause of that domain */
	struct prio_bound bound;
	/*
	 * Thrashing: refaults of the group's pages (workingset_refault()) in
	 * the current second, and until when the group counts as thrashing
	 * (PRIO_STAT_REFAULTS).
	 */
	__u64 refault_window_ns;
	__u64 refault_window;
	__u64 thrashing_until_ns;
	/*
	 * The hold of the latest pressure is hold_ms << hold_shift: a pressure
	 * that starts again within the hold it had after it ended doubles it,
	 * up to hold_doublings times (prio_hold_shift()).
	 */
	__u32 hold_shift;
	__u32 pad_hold;
	/* Pages its charges reclaimed where it was pressed (the give-back's). */
	__u64 charge_reclaimed;
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
	PRIO_STAT_IGNORED_OWN,		/* pages scanned for a limit inside the group */
	PRIO_STAT_IGNORED_POLICY,	/* ... for the level the policy lowered */
	PRIO_STAT_NOT_IN_DOMAIN,	/* hook calls: pressure above, other domain */
	PRIO_STAT_DOMAIN_EVICTIONS,	/* domain slots taken while still in use */
	PRIO_STAT_BOUND_CONTINUOUS,	/* reliefs: throttle_max_ms reached */
	PRIO_STAT_BOUND_SHARE,		/* reliefs: throttle_max_share reached */
	PRIO_STAT_SPARED,		/* hook calls under relief: no penalty */
	PRIO_STAT_CHARGE_RECLAIMED,	/* pages the group's own charges had to
					 * reclaim in a domain pressing it:
					 * what it lacks (mode memory.high's
					 * give-back is sized by it) */
	PRIO_STAT_SHIELDED,		/* hook: reclaim answered "below low" for
					 * a memcg of the group (memcg_below_low) */
	PRIO_STAT_GIVEBACK_ASKED,	/* hook: pages the policy asked the group
					 * to give back (bpf_memcg_reclaim) */
	PRIO_STAT_GIVEBACK_TAKEN,	/* ... and the pages it gave */
	PRIO_STAT_GIVEBACK_CALLS,	/* ... in so many calls */
	PRIO_STAT_GIVEBACK_DROPPED,	/* pages owed, not asked: the pressure
					 * ended first, the group had relief, or
					 * it had just given less than asked */
	PRIO_STAT_REFAULTS,		/* refaults of the group's pages */
	PRIO_STAT_THRASH_PRESSURES,	/* pressure started in a domain because
					 * the group thrashed while its charges
					 * reclaimed there */
	PRIO_STAT_GIVEBACK_REFILL,	/* hook: pages the group was asked to
					 * give back (part of GIVEBACK_ASKED) for
					 * memory given back before that the
					 * pressed group took */
	PRIO_STAT_SHIELD_RENEWALS,	/* hook: reclaim passes the shield turned
					 * away that renewed the pressure
					 * (prio_shield_renews()) */
	PRIO_STAT_GIVEBACK_KICKED,	/* hook: the group's tasks sent to their
					 * pass before a give-back call
					 * (bpf_memcg_kick()), summed over calls */
	PRIO_STAT_AT_FLOOR,		/* hook calls of a pressed domain that
					 * found the group at the memory.low
					 * (or memory.min) it has there: no
					 * penalty */
	PRIO_NR_STATS,
};

/* Global counters: why an event or a hook call did nothing. */
enum prio_gstat {
	PRIO_GSTAT_EVENTS,		/* per-memcg reclaim reports seen */
	PRIO_GSTAT_NO_GROUP,		/* ... in cgroups outside every group */
	PRIO_GSTAT_CACHE_MISS,		/* cgroup-to-group lookups that walked up */
	PRIO_GSTAT_HOOK_NO_GROUP,	/* hook calls for memcgs outside groups */
	PRIO_GSTAT_HOOK_UNPRESSED,	/* hook calls with nobody above pressed */
	PRIO_GSTAT_ONLINE,
	PRIO_GSTAT_OFFLINE,
	PRIO_GSTAT_MEMCG_RECLAIMS,	/* try_to_free_mem_cgroup_pages() calls */
	PRIO_GSTAT_PROACTIVE,		/* ... for memory.reclaim: ignored */
	PRIO_GSTAT_NO_CONTEXT,		/* reclaim contexts that did not fit the map */
	PRIO_GSTAT_UNHEARD,		/* reclaims that reclaimed pages without a
					 * report of the configured source */
	PRIO_GSTAT_SOURCE_SWITCHES,	/* ... that made the fallback take over */
	PRIO_GSTAT_INACTIVE_REPORTS,	/* reports of the source not in use: dropped */
	PRIO_GSTAT_UNATTRIBUTED,	/* reports in a task neither in a marked
					 * reclaim nor kswapd: dropped */
	PRIO_NR_GSTATS,
};

#endif

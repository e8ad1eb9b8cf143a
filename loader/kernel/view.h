// SPDX-License-Identifier: GPL-2.0-only
/*
 * A read-only view of a running policy, from its pins (--status, --detach,
 * re-attach) or from a session of this process (--foreground), and
 * snapshots of its state for printing.
 */
#ifndef MEMCG_PRIO_LOADER_KERNEL_VIEW_H
#define MEMCG_PRIO_LOADER_KERNEL_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/pins.h"
#include "policy/oom.h"
#include "policy/prio.h"

struct prio_attach_abi;
struct prio_session;

struct prio_view {
	bool own_fds;			/* close them with the view */
	int rodata_fd, state_fd, stats_fd, gstats_fd;
	int source_fd;			/* -1: pins of a version without it */
	int watch_fd[PRIO_NR_WATCH];	/* enum prio_watch, -1 if none */
	int link_fd[PRIO_MAX_GROUPS];	/* by group index, -1 if none */
	uint32_t n_groups;
	bool dry_run;
	uint32_t source;		/* enum prio_source */
	uint32_t fallback;		/* enum prio_source */
	uint32_t backend;		/* enum prio_backend */
	struct prio_group_cfg groups[PRIO_MAX_GROUPS];
};

/*
 * Open the pins under pin_path.  0; -ENOENT if nothing is pinned there;
 * -EPROTO if the pins are not those of this memcg-prio version; another
 * -errno.  A message in err in every case.
 */
int prio_view_open_pins(struct prio_view *v, const char *pin_path, char *err,
			size_t errlen);

/* A view of a session's maps and links (borrowed, not closed). */
int prio_view_from_session(struct prio_view *v, const struct prio_session *s,
			   char *err, size_t errlen);

void prio_view_close(struct prio_view *v);

/*
 * The view's groups into ret (v->n_groups entries), with PRIO_LINK_ATTACHED
 * cleared for links that are gone (their cgroup was removed): the input
 * of prio_plan_diff().
 */
void prio_view_live_groups(const struct prio_view *v,
			   const struct prio_attach_abi *abi,
			   struct prio_group_cfg *ret);

struct prio_link_status {
	bool present;			/* we made a link for the group */
	bool attached;			/* ... and it is still attached */
	uint32_t id;
	uint64_t cgroup_id;
};

struct prio_group_status {
	struct prio_group_cfg cfg;
	struct prio_link_status link;
	struct prio_group_state state;
	uint64_t stats[PRIO_NR_STATS];	/* summed over CPUs */
	bool pressed;			/* pressure holds at now_ns */
	bool throttled;			/* a penalty (or would-be one) lately */
	/* mode memory.high, from the state file of --foreground */
	bool high_lowered;
	uint64_t high_original, high_written;	/* UINT64_MAX: "max" */
	/* ... and from the memory.low state file (lowctl.c) */
	bool low_raised;
	uint64_t low_original, low_written;
	/* OOM (oomctl.c): memory.events oom, oom_kill, oom_group_kill, and
	 * from its state file the band and the processes kept in it */
	bool oom_known, oom_banded;
	uint64_t oom_events[3];
	int oom_band;
	uint32_t oom_adjusted;
	/* The OOM hook's counters of the group (enum prio_oom_stat), if a
	 * hook is pinned (oomhook.c) */
	bool oom_hooked;
	uint64_t oom_policy[PRIO_OOM_NR_STATS];
};

struct prio_status {
	uint64_t now_ns;		/* CLOCK_MONOTONIC, like bpf_ktime_get_ns */
	bool dry_run;
	uint32_t n_groups;
	struct prio_group_status groups[PRIO_MAX_GROUPS];
	uint64_t gstats[PRIO_NR_GSTATS];
	uint32_t source;		/* enum prio_source, configured */
	uint32_t backend;		/* enum prio_backend */
	uint32_t watch_link_id[PRIO_NR_WATCH];	/* 0 if none */
	/*
	 * The silence check of the configured source (policy/prio.bpf.c):
	 * the source that takes over (PRIO_NR_SOURCES: none), and the state:
	 * which source counts, the current run of silent reclaims, when the
	 * source was found silent and when the fallback took over
	 * (CLOCK_MONOTONIC ns, 0: never).  source_known is false for pins
	 * made by a memcg-prio without the check.
	 */
	uint32_t fallback;
	bool source_known;
	struct prio_source_state source_state;
	long owner_pid;			/* mode memory.high: --foreground's pid */
	bool owner_alive;
	/* The OOM hook pinned at PIN_PATH-oom, if any (oomhook.c): its
	 * counters and last kill, whose group is groups[oom_last_group]
	 * (n_groups if unknown, or no kill yet). */
	bool oom_hook;
	uint64_t oom_calls, oom_declined, oom_kills;
	struct prio_oom_kill oom_last;
	uint32_t oom_last_group;
	/* Mode memory.high: the cgroups between a shielded group and its
	 * domain whose memory.low --foreground raised (lowctl.c), each with
	 * the first group whose shield goes through it. */
	uint32_t n_low_above;
	struct prio_low_above {
		char group[PRIO_NAME_LEN];
		char path[PRIO_CGROUP_PATH_LEN];
		uint64_t original, written;
	} low_above[PRIO_MAX_GROUPS];
};

/* "Throttled" means a penalty within this long before the snapshot. */
#define PRIO_THROTTLE_RECENT_NS	1000000000ULL

/* Read the state of the policy now.  0 or -errno. */
int prio_view_read(const struct prio_view *v, const struct prio_attach_abi *abi,
		   struct prio_status *ret_status);

/*
 * A reclaim domain in words, into buf: "global: kswapd", or "limit of
 * PATH: memory.max" with PATH the directory of cgroup domain_id, found
 * among the ancestors of the pressed group's cgroup (presser_path), or
 * "cgroup N" if it is not there.
 */
void prio_view_domain_name(const char *presser_path, uint64_t domain_id,
			   uint32_t cause, char *buf, size_t len);

/* The cause of a reclaim, in words: "kswapd", "memory.max"... */
const char *prio_cause_name(uint32_t cause);

/*
 * The domain of g shown as its summary: the pressed one that holds the
 * longest, else the one seen last.  NULL if it has none.
 */
const struct prio_domain_state *
prio_group_main_domain(const struct prio_group_status *g, uint64_t now_ns);

/* Names of the counters, for text and JSON. */
extern const char *const prio_stat_names[PRIO_NR_STATS];
extern const char *const prio_gstat_names[PRIO_NR_GSTATS];

#endif

// SPDX-License-Identifier: GPL-2.0-only
/*
 * memory.reclaim control, mode memory.high: make the lower groups give
 * their memory back without waiting for them to charge.  While memcg-prio
 * throttles a lower group for a pressed higher group (highctl.c lowered
 * its memory.high, and no starvation bound spares it), --foreground
 * writes to the lower group's memory.reclaim, sized by what the pressed
 * group lacks: the pages its own charges had to reclaim in the domains
 * that press it since the last poll, counted by the policy
 * (PRIO_STAT_CHARGE_RECLAIMED, "charge_reclaimed").  That need, shared
 * among the lower groups the same group presses, is each one's budget;
 * each poll writes at most the budget, at most PRIO_RECLAIM_MAX_WRITE
 * bytes, and never more than the group holds above its own memory.min
 * and memory.low.  What the pressed group took since the last poll of
 * the memory given back (its memory.current grew by more than its
 * charges reclaimed; at most what the last write asked) goes into the
 * budget too, the refill: so the
 * give-back stays ahead of its charges for as long as they take what it
 * frees, where the reclaimed pages alone would leave them to reclaim
 * half of what they need.  The budget is dropped as soon as the group is
 * no longer throttled (the pressure ended, or relief), and it never
 * holds more than PRIO_RECLAIM_MAX_BUDGET.
 *
 * So a lower group gives back at most what the pressed group lost and
 * took in the same episode, plus what the kernel reclaims beyond the
 * amount a write asks for; the slack the tests allow is one write.
 * Reclaim through memory.reclaim is proactive: it presses nobody
 * (prio.bpf.c).
 */
#ifndef MEMCG_PRIO_LOADER_KERNEL_RECLAIMCTL_H
#define MEMCG_PRIO_LOADER_KERNEL_RECLAIMCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "policy/prio.h"

/* At most this much per write of memory.reclaim, one write per poll. */
#define PRIO_RECLAIM_MAX_WRITE	(8ULL << 20)
#define PRIO_RECLAIM_MAX_BUDGET	(4 * PRIO_RECLAIM_MAX_WRITE)
/* Smaller amounts wait for the next poll. */
#define PRIO_RECLAIM_MIN_WRITE	(256ULL << 10)

struct prio_status;

struct prio_reclaimctl_group {
	uint32_t by;			/* the group it gives back to, or
					 * PRIO_NO_GROUP: not giving back */
	uint64_t budget;		/* bytes lost by 'by', not given back */
	uint64_t lost;			/* this episode: bytes 'by' lacked */
	uint64_t refill;		/* ... and took of what was given */
	uint64_t asked, taken;		/* ... written to memory.reclaim, and
					 * how much memory.current fell */
	uint64_t last_asked;		/* ... by the last poll's write */
	uint64_t writes;
	uint64_t total_taken;		/* since the start */
};

struct prio_reclaimctl {
	bool dry_run;
	bool primed;			/* last_reclaimed holds a reading */
	uint64_t page_size;
	uint32_t n_groups;
	struct prio_group_cfg cfg[PRIO_MAX_GROUPS];
	uint64_t last_reclaimed[PRIO_MAX_GROUPS];	/* pages, per group */
	uint64_t seen_usage[PRIO_MAX_GROUPS];	/* a presser's memory.current
						 * at the last poll; 0: none */
	struct prio_reclaimctl_group g[PRIO_MAX_GROUPS];
};

void prio_reclaimctl_init(struct prio_reclaimctl *rc,
			  const struct prio_group_cfg *cfg, uint32_t n,
			  bool dry_run);

/*
 * One poll: by[i] is the group that throttles group i now, PRIO_NO_GROUP
 * if none (not controlled, not pressed, or spared).  Writes memory.reclaim
 * of the throttled groups within their budgets; a line when a group starts
 * and stops giving back, with what it gave.
 */
void prio_reclaimctl_update(struct prio_reclaimctl *rc, const uint32_t *by,
			    const struct prio_status *st, FILE *out);

/* End every episode, with its line (on exit). */
void prio_reclaimctl_stop_all(struct prio_reclaimctl *rc,
			      const struct prio_status *st, FILE *out);

#endif

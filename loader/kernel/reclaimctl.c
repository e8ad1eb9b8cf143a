// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kernel/cgfile.h"
#include "kernel/reclaimctl.h"
#include "print/status.h"
#include "kernel/view.h"

void prio_reclaimctl_init(struct prio_reclaimctl *rc,
			  const struct prio_group_cfg *cfg, uint32_t n,
			  bool dry_run)
{
	memset(rc, 0, sizeof(*rc));
	rc->dry_run = dry_run;
	rc->page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	rc->n_groups = n;
	memcpy(rc->cfg, cfg, n * sizeof(*cfg));
	for (uint32_t i = 0; i < PRIO_MAX_GROUPS; i++)
		rc->g[i].by = PRIO_NO_GROUP;
}

static uint64_t kib(uint64_t bytes)
{
	return bytes >> 10;
}

static void stop(struct prio_reclaimctl *rc, uint32_t i,
		 const struct prio_status *st, FILE *out)
{
	struct prio_reclaimctl_group *g = &rc->g[i];

	if (g->by == PRIO_NO_GROUP)
		return;
	prio_status_stamp(st->now_ns, out);
	fprintf(out, "group '%s' no longer gives back to '%s': %s%" PRIu64
		" KiB in %" PRIu64 " writes of memory.reclaim (asked %" PRIu64
		" KiB; '%s' lost %" PRIu64 " KiB to reclaim and took %" PRIu64
		" KiB given back meanwhile)\n",
		rc->cfg[i].name, rc->cfg[g->by].name,
		rc->dry_run ? "would have taken " : "took ", kib(g->taken),
		g->writes, kib(g->asked), rc->cfg[g->by].name, kib(g->lost),
		kib(g->refill));
	g->by = PRIO_NO_GROUP;
	g->budget = g->lost = g->refill = g->asked = g->taken = g->writes = 0;
	g->last_asked = 0;
}

static void start(struct prio_reclaimctl *rc, uint32_t i, uint32_t by,
		  const struct prio_status *st, FILE *out)
{
	rc->g[i].by = by;
	prio_status_stamp(st->now_ns, out);
	fprintf(out, "group '%s' %sgives back to '%s' through memory.reclaim "
		"(at most what '%s' loses to reclaim and takes of what is "
		"given)\n", rc->cfg[i].name, rc->dry_run ? "would " : "",
		rc->cfg[by].name, rc->cfg[by].name);
}

/* What group i holds above its own memory.min and memory.low, in bytes. */
static uint64_t above_floor(const struct prio_reclaimctl *rc, uint32_t i,
			    uint64_t *ret_usage)
{
	uint64_t usage, min, low, floor;

	if (prio_cg_read_u64(rc->cfg[i].path, "memory.current", &usage) < 0 ||
	    prio_cg_read_u64(rc->cfg[i].path, "memory.min", &min) < 0 ||
	    prio_cg_read_u64(rc->cfg[i].path, "memory.low", &low) < 0)
		return 0;
	*ret_usage = usage;
	floor = min > low ? min : low;
	return usage > floor ? usage - floor : 0;
}

/* One write of group i's memory.reclaim within its budget. */
static void give_back(struct prio_reclaimctl *rc, uint32_t i,
		      const struct prio_status *st, FILE *out)
{
	struct prio_reclaimctl_group *g = &rc->g[i];
	uint64_t usage = 0, after, amount;
	int r;

	amount = g->budget < PRIO_RECLAIM_MAX_WRITE ? g->budget :
						      PRIO_RECLAIM_MAX_WRITE;
	if (amount > above_floor(rc, i, &usage))
		amount = above_floor(rc, i, &usage);
	amount = amount / rc->page_size * rc->page_size;
	g->last_asked = 0;
	if (amount < PRIO_RECLAIM_MIN_WRITE)
		return;
	g->budget -= amount;
	g->asked += amount;
	g->last_asked = amount;
	g->writes++;
	if (rc->dry_run)
		return;
	/* EAGAIN: less than asked could be reclaimed; not an error here. */
	r = prio_cg_write_u64(rc->cfg[i].path, "memory.reclaim", amount, 0);
	if (r < 0 && r != -EAGAIN) {
		prio_status_stamp(st->now_ns, out);
		fprintf(out, "group '%s': cannot write %s/memory.reclaim: %s\n",
			rc->cfg[i].name, rc->cfg[i].path, strerror(-r));
	}
	if (prio_cg_read_u64(rc->cfg[i].path, "memory.current", &after) == 0 &&
	    after < usage) {
		g->taken += usage - after;
		g->total_taken += usage - after;
	}
}

/*
 * What presser j took of free memory since the last poll: its
 * memory.current grew by more than the @lost bytes its charges reclaimed.
 * 0 at its first poll as a presser.  Each lower group owes its share of
 * it only up to what its last write asked (the refill).
 */
static uint64_t refill_of(struct prio_reclaimctl *rc, uint32_t j,
			  uint64_t lost)
{
	uint64_t usage, seen = rc->seen_usage[j];

	if (prio_cg_read_u64(rc->cfg[j].path, "memory.current", &usage) < 0)
		usage = 0;
	rc->seen_usage[j] = usage;
	if (!seen || usage <= seen + lost)
		return 0;
	return usage - seen - lost;
}

void prio_reclaimctl_update(struct prio_reclaimctl *rc, const uint32_t *by,
			    const struct prio_status *st, FILE *out)
{
	uint64_t lost[PRIO_MAX_GROUPS] = { 0 };
	uint64_t refill[PRIO_MAX_GROUPS] = { 0 };
	uint32_t sharers[PRIO_MAX_GROUPS] = { 0 };

	for (uint32_t j = 0; j < rc->n_groups && j < st->n_groups; j++) {
		uint64_t now = st->groups[j].stats[PRIO_STAT_CHARGE_RECLAIMED];

		if (rc->primed && now > rc->last_reclaimed[j])
			lost[j] = (now - rc->last_reclaimed[j]) * rc->page_size;
		rc->last_reclaimed[j] = now;
	}
	rc->primed = true;
	for (uint32_t i = 0; i < rc->n_groups; i++) {
		if (rc->g[i].by != by[i])
			stop(rc, i, st, out);
		if (by[i] < rc->n_groups)
			sharers[by[i]]++;
	}
	for (uint32_t j = 0; j < rc->n_groups; j++) {
		if (sharers[j])
			refill[j] = refill_of(rc, j, lost[j]);
		else
			rc->seen_usage[j] = 0;
	}
	for (uint32_t i = 0; i < rc->n_groups; i++) {
		struct prio_reclaimctl_group *g = &rc->g[i];
		uint64_t share;

		if (by[i] >= rc->n_groups)
			continue;
		if (g->by == PRIO_NO_GROUP)
			start(rc, i, by[i], st, out);
		share = refill[by[i]] / sharers[by[i]];
		/* Only what it was asked: not what it freed by itself. */
		if (share > g->last_asked)
			share = g->last_asked;
		g->lost += lost[by[i]] / sharers[by[i]];
		g->refill += share;
		g->budget += lost[by[i]] / sharers[by[i]] + share;
		if (g->budget > PRIO_RECLAIM_MAX_BUDGET)
			g->budget = PRIO_RECLAIM_MAX_BUDGET;
		give_back(rc, i, st, out);
	}
	fflush(out);
}

void prio_reclaimctl_stop_all(struct prio_reclaimctl *rc,
			      const struct prio_status *st, FILE *out)
{
	for (uint32_t i = 0; i < rc->n_groups; i++)
		stop(rc, i, st, out);
	fflush(out);
}

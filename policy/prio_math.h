/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The policy's arithmetic, as static inline C that both the BPF program and
 * the host unit tests compile: reclaim inefficiency and pressure levels as
 * vmpressure defines them, window evaluation, and the penalty.
 */
#ifndef MEMCG_PRIO_POLICY_PRIO_MATH_H
#define MEMCG_PRIO_POLICY_PRIO_MATH_H

#include "prio.h"

#define PRIO_LEVEL_MEDIUM_PCT	60	/* vmpressure_level_med */
#define PRIO_LEVEL_CRITICAL_PCT	95	/* vmpressure_level_critical */
#define PRIO_SEVERITY_MAX	64
#define PRIO_NS_PER_MS		1000000ULL

/* (scanned - reclaimed) / scanned in percent, 0 when nothing was scanned. */
static inline __u32 prio_inefficiency_pct(__u64 scanned, __u64 reclaimed)
{
	if (!scanned || reclaimed >= scanned)
		return 0;
	return (__u32)((scanned - reclaimed) * 100 / scanned);
}

/* vmpressure level of a window: enum prio_level. */
static inline __u32 prio_level_of(__u64 scanned, __u64 reclaimed)
{
	__u32 pct = prio_inefficiency_pct(scanned, reclaimed);

	if (pct >= PRIO_LEVEL_CRITICAL_PCT)
		return PRIO_LEVEL_CRITICAL;
	if (pct >= PRIO_LEVEL_MEDIUM_PCT)
		return PRIO_LEVEL_MEDIUM;
	return PRIO_LEVEL_LOW;
}

/*
 * Severity of a pressured window, the penalty's scale factor: 1, 2, 4 for
 * the configured level and each level above it (trigger "level"), or the
 * number of thresholds scanned (trigger "scan"), at most PRIO_SEVERITY_MAX.
 * 0 means the window is not pressured.
 */
static inline __u32 prio_window_severity(const struct prio_group_cfg *cfg,
					 __u64 scanned, __u64 reclaimed)
{
	__u64 times;
	__u32 level;

	if (cfg->trigger == PRIO_TRIGGER_SCAN) {
		if (!cfg->scan_threshold_pages || scanned < cfg->scan_threshold_pages)
			return 0;
		times = scanned / cfg->scan_threshold_pages;
		return times > PRIO_SEVERITY_MAX ? PRIO_SEVERITY_MAX : (__u32)times;
	}
	if (scanned < cfg->window_pages)
		return 0;
	level = prio_level_of(scanned, reclaimed);
	if (level < cfg->level)
		return 0;
	return 1u << (level - cfg->level);
}

/* Is a time window of window_ms starting at start_ns over at now_ns? */
/*
 * Thrashing: a group whose tasks refault window_pages folios that reclaim
 * took from them within PRIO_THRASH_WINDOW_NS lacks memory, however well
 * reclaim does on its LRUs (anon reclaimed into swap is reclaimed well,
 * and comes straight back).  Its pressure counts as a window at level
 * critical.
 */
#define PRIO_THRASH_WINDOW_NS	(1000 * PRIO_NS_PER_MS)

static inline int prio_thrashing(const struct prio_group_cfg *cfg,
				 __u64 refaults_in_window)
{
	return refaults_in_window >= cfg->window_pages;
}

static inline __u32 prio_thrash_severity(const struct prio_group_cfg *cfg)
{
	if (cfg->level >= PRIO_LEVEL_CRITICAL)
		return 1;
	return 1u << (PRIO_LEVEL_CRITICAL - cfg->level);
}

static inline int prio_window_expired(const struct prio_group_cfg *cfg,
				      __u64 start_ns, __u64 now_ns)
{
	return now_ns - start_ns >= (__u64)cfg->window_ms * PRIO_NS_PER_MS;
}

/* Pages to report for a throttled group, given the presser's severity. */
static inline __u32 prio_penalty_pages(const struct prio_group_cfg *cfg,
				       __u32 severity)
{
	__u64 pages = cfg->penalty_pages;

	if (cfg->penalty_scaling && severity > 1)
		pages *= severity;
	if (pages > cfg->penalty_max_pages)
		pages = cfg->penalty_max_pages;
	return (__u32)pages;
}

/*
 * Time added to a group's pressure total when its pressure is extended to
 * new_until_ns at now_ns: only what was not already covered.
 */
static inline __u64 prio_pressure_extension(__u64 old_until_ns, __u64 now_ns,
					    __u64 new_until_ns)
{
	__u64 from = old_until_ns > now_ns ? old_until_ns : now_ns;

	return new_until_ns > from ? new_until_ns - from : 0;
}

/*
 * The shift of a hold that may double @max times (a group's
 * hold_doublings, at most PRIO_HOLD_DOUBLINGS_MAX): @shift, no further.
 */
static inline __u32 prio_hold_cap(__u32 shift, __u32 max)
{
	if (max > PRIO_HOLD_DOUBLINGS_MAX)
		max = PRIO_HOLD_DOUBLINGS_MAX;
	return shift < max ? shift : max;
}

/*
 * Hysteresis of a pressure.  It ended @ended_ns (0: never pressed), hold
 * (@hold_ns << @shift) after its last pressured window, and starts again
 * at @now_ns.  Back within that hold: it was let go too early (the lower
 * groups took back at once what the pressed group needs, and it lacks it
 * again), so this one holds twice as long, up to @max doublings
 * (prio_hold_cap()).  Back later: a new need, the configured hold.
 * Returns the shift of the new pressure's hold.
 */
static inline __u32 prio_hold_shift(__u32 shift, __u32 max, __u64 hold_ns,
				    __u64 ended_ns, __u64 now_ns)
{
	shift = prio_hold_cap(shift, max);
	if (!ended_ns || now_ns < ended_ns ||
	    now_ns - ended_ns >= hold_ns << shift)
		return 0;
	return prio_hold_cap(shift + 1, max);
}

/*
 * A backoff that starts at @min_ns and doubles with each @shift, up to
 * @max_ns.
 */
static inline __u64 prio_backoff_ns(__u64 min_ns, __u64 max_ns, __u32 shift)
{
	if (shift >= 64 || min_ns > max_ns >> shift)
		return max_ns;
	return min_ns << shift;
}

/*
 * The hold of a pressure whose hold shift is @shift, in a group that may
 * double it @max times now: a replace that lowered hold_doublings shortens
 * a running pressure's hold at its next window, not only the next one's.
 */
static inline __u64 prio_hold_ns(__u64 hold_ns, __u32 shift, __u32 max)
{
	return hold_ns << prio_hold_cap(shift, max);
}

/*
 * Does a reclaim pass the shield turned away from a group's memcgs
 * (prio_below_low()) renew the group's pressure in that domain?  A charge
 * there wanted the group's memory while a lower group holds memory there:
 * the memory is contested.  It does while the pressure holds (until
 * @until_ns) and for one @hold_ns after it, when a lower group that was
 * let go comes back for the memory; and only for the longest hold after
 * the group's own need last showed (@need_ns: its reclaim windows, its
 * charges that reclaimed, its thrashing), so that a group that stopped
 * using its memory, idle or frozen, keeps it no longer than that.
 */
static inline int prio_shield_renews(__u64 hold_ns, __u32 doublings,
				     __u64 until_ns, __u64 need_ns,
				     __u64 now_ns)
{
	if (!until_ns || now_ns >= until_ns + hold_ns || now_ns < need_ns)
		return 0;
	return now_ns - need_ns < prio_hold_ns(hold_ns, doublings, doublings);
}

/*
 * Throttles closer than this belong to one continuous throttling: longer
 * than the longest sleep a throttled task gets for being over memory.high
 * (MEMCG_MAX_HIGH_DELAY_JIFFIES, 2 s), between which it cannot charge.
 */
#define PRIO_BOUND_GAP_NS	(3000 * PRIO_NS_PER_MS)

/*
 * A group is about to be throttled at now_ns: account it in b and say
 * whether it may be (PRIO_BOUND_OK), is under relief, or hit a bound just
 * now (and gets relief_ms from now on).
 */
static inline __u32 prio_bound_check(const struct prio_group_cfg *cfg,
				     struct prio_bound *b, __u64 now_ns)
{
	__u64 window = (__u64)cfg->throttle_window_ms * PRIO_NS_PER_MS;
	__u32 hit = PRIO_BOUND_OK;

	if (now_ns < b->relief_until_ns)
		return PRIO_BOUND_RELIEF;
	if (now_ns - b->window_start_ns >= window) {
		b->window_start_ns = now_ns;
		b->window_throttled_ns = 0;
	}
	if (b->episode_start_ns && now_ns - b->last_ns <= PRIO_BOUND_GAP_NS)
		b->window_throttled_ns += now_ns - b->last_ns;
	else
		b->episode_start_ns = now_ns;
	b->last_ns = now_ns;
	if (now_ns - b->episode_start_ns >=
	    (__u64)cfg->throttle_max_ms * PRIO_NS_PER_MS)
		hit = PRIO_BOUND_HIT_CONTINUOUS;
	else if (cfg->throttle_max_share < 100 &&
		 b->window_throttled_ns * 100 >= cfg->throttle_max_share * window)
		hit = PRIO_BOUND_HIT_SHARE;
	if (hit == PRIO_BOUND_OK)
		return hit;
	b->relief_until_ns = now_ns + (__u64)cfg->relief_ms * PRIO_NS_PER_MS;
	b->episode_start_ns = 0;
	b->last_reason = hit;
	return hit;
}

#endif

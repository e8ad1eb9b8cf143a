// SPDX-License-Identifier: GPL-2.0
/*
 * prio: memory priority between cgroup groups.
 *
 * The administrator names groups of cgroups and gives each a priority.  A
 * group is throttled while any group of strictly higher priority is under
 * reclaim pressure.  Two programs make that happen:
 *
 * - A BTF tracepoint on memcg:mod_memcg_lruvec_state watches the reclaim
 *   counters.  In Linux 7.2, PGSCAN_* and PGSTEAL_* are node_stat_item
 *   members accounted per lruvec, charged to the memcg whose pages were
 *   scanned; they never reach count_memcg_events.  The tracepoint fires on
 *   every LRU statistic update, so the item is tested first and everything
 *   else returns at once.  Kernels that still count them as vm events get
 *   the count_memcg_events program instead; the loader picks one from the
 *   running kernel's BTF.  Scanned and reclaimed pages of a cgroup count
 *   for the innermost group whose cgroup is it or an ancestor of it, so
 *   reclaim in a child of a group counts for the group.
 *
 * - Pressure of a group, per its trigger: "level" closes a window every
 *   window_pages scanned pages and computes vmpressure's reclaim
 *   inefficiency (scanned - reclaimed) / scanned; a window at or above the
 *   configured level (low 0%, medium 60%, critical 95%) is pressure.
 *   "scan" (the RFC sample's signal) is pressure once scan_threshold_pages
 *   pages are scanned within window_ms; a window that runs out first is
 *   dropped when the next batch comes, which starts a new one.  Pressure
 *   holds for hold_ms after the last pressured window.
 *
 * - A memcg_bpf_ops struct_ops, attached by the loader to every group that
 *   some other group outranks: its memcg_nr_pages_over_high hook finds the
 *   memcg's group and, if a group of higher priority is under pressure,
 *   returns the group's penalty_pages (scaled by the presser's severity if
 *   asked, at most penalty_max_pages); the kernel then reclaims that much
 *   from the memcg and throttles it like a memory.high breach.  It returns
 *   0, stock behaviour, otherwise: nobody is throttled while the high
 *   groups are idle.  With dry_run set it records the throttle it would
 *   have made (state and counters, for --status) and returns 0.
 *
 * Example:
 *
 *	/sys/fs/cgroup
 *	+- web       group "web", priority high  (pressure: medium)
 *	|  +- api    counts for "web"
 *	+- batch     group "batch", priority low (ops attached here)
 *	   +- job1   created later: inherits the ops, throttled with "batch"
 *
 * Reclaim in web/api that is at least 60% inefficient over 512 pages puts
 * "web" under pressure for hold_ms; meanwhile charges in batch/job1 report
 * 1024 pages over memory.high.
 *
 * Invariants: groups are sorted by decreasing priority in prio_groups, so
 * the hook stops at the first group not above its own; group indexes are
 * below prio_nr_groups; cgroup ids are never reused, so the cgroup-to-group
 * cache never goes stale and only needs eviction.
 *
 * Failure modes: a cgroup deeper than PRIO_MAX_DEPTH below its group is
 * not attributed (counted in PRIO_GSTAT_NO_GROUP); window counters are
 * updated without a lock, so concurrent closes may lose a few pages to the
 * next window; the steal of the last scan batch may land in the next
 * window, which slightly overstates inefficiency.
 */
#include "policy/bpf-vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "policy/prio.h"
#include "policy/prio_math.h"

char _license[] SEC("license") = "GPL";

/*
 * The struct_ops type, declared here rather than taken from vmlinux.h so
 * that the object builds against any kernel's BTF: libbpf drops the
 * "___prio" flavour and matches the members by name at load time, and
 * fails there, with a clear message, on a kernel without memcg_bpf_ops.
 */
struct memcg_bpf_ops___prio {
	unsigned int (*memcg_nr_pages_over_high)(struct mem_cgroup *memcg);
	void (*handle_cgroup_online)(struct mem_cgroup *memcg);
	void (*handle_cgroup_offline)(struct mem_cgroup *memcg);
};

/* An enum value of the running kernel, as the int the tracepoints pass. */
#define ENUM_VAL(type, name) ((int)bpf_core_enum_value(type, name))

/* Set by the loader between open and load. */
const volatile struct prio_group_cfg prio_groups[PRIO_MAX_GROUPS];
const volatile __u32 prio_nr_groups;
const volatile bool dry_run;

/* Cgroup id of each group's cgroup -> group index. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PRIO_MAX_GROUPS);
	__type(key, __u64);
	__type(value, __u32);
} group_roots SEC(".maps");

/* Cgroup id -> group index or PRIO_NO_GROUP, filled on first sight. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, __u32);
} group_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PRIO_MAX_GROUPS);
	__type(key, __u32);
	__type(value, struct prio_group_state);
} group_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PRIO_MAX_GROUPS * PRIO_NR_STATS);
	__type(key, __u32);
	__type(value, __u64);
} group_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PRIO_NR_GSTATS);
	__type(key, __u32);
	__type(value, __u64);
} global_stats SEC(".maps");

static void stat_add(__u32 group, enum prio_stat stat, __u64 n)
{
	__u32 key = group * PRIO_NR_STATS + stat;
	__u64 *v = bpf_map_lookup_elem(&group_stats, &key);

	if (v)
		*v += n;
}

static void gstat_inc(enum prio_gstat stat)
{
	__u32 key = stat;
	__u64 *v = bpf_map_lookup_elem(&global_stats, &key);

	if (v)
		*v += 1;
}

static const struct prio_group_cfg *group_cfg(__u32 group)
{
	return (const struct prio_group_cfg *)&prio_groups[group];
}

static __u64 cgroup_id_of(struct cgroup *cgrp)
{
	return BPF_CORE_READ(cgrp, kn, id);
}

/* The innermost group whose cgroup is @memcg's cgroup or an ancestor. */
static __u32 group_of(struct mem_cgroup *memcg)
{
	struct cgroup *cgrp = BPF_CORE_READ(memcg, css.cgroup);
	__u32 group = PRIO_NO_GROUP, *cached;
	__u64 cgid = cgroup_id_of(cgrp);
	int level, i;

	cached = bpf_map_lookup_elem(&group_cache, &cgid);
	if (cached)
		return *cached;

	gstat_inc(PRIO_GSTAT_CACHE_MISS);
	level = BPF_CORE_READ(cgrp, level);
	for (i = 0; i < PRIO_MAX_DEPTH; i++) {
		struct cgroup *ancestor = NULL;
		__u32 *root;
		__u64 id;

		if (level - i < 0)
			break;
		bpf_probe_read_kernel(&ancestor, sizeof(ancestor),
				      &cgrp->ancestors[level - i]);
		id = cgroup_id_of(ancestor);
		root = bpf_map_lookup_elem(&group_roots, &id);
		if (root) {
			group = *root;
			break;
		}
	}
	bpf_map_update_elem(&group_cache, &cgid, &group, BPF_ANY);
	return group;
}

static void pressure_on(struct prio_group_state *st,
			const struct prio_group_cfg *cfg, __u64 now, __u32 severity)
{
	__u64 until = now + (__u64)cfg->hold_ms * PRIO_NS_PER_MS;

	__sync_fetch_and_add(&st->pressure_ns,
			     prio_pressure_extension(st->pressured_until_ns, now, until));
	st->pressured_until_ns = until;
	st->severity = severity;
}

/*
 * Trigger "scan": start a new window, dropping what the last one counted,
 * once window_ms have passed since it started.  Called before the pages of
 * the current batch are added, so that they count for the new window.
 */
static void roll_scan_window(__u32 group, struct prio_group_state *st,
			     const struct prio_group_cfg *cfg, __u64 now)
{
	if (!prio_window_expired(cfg, st->window_start_ns, now))
		return;
	st->window_start_ns = now;
	__sync_lock_test_and_set(&st->window_scanned, 0);
	__sync_lock_test_and_set(&st->window_reclaimed, 0);
	stat_add(group, PRIO_STAT_WINDOWS, 1);
}

/* Trigger "scan": scan_threshold_pages scanned within window_ms. */
static void close_scan_window(__u32 group, struct prio_group_state *st,
			      const struct prio_group_cfg *cfg, __u64 now)
{
	__u64 scanned = st->window_scanned, reclaimed;
	__u32 severity;

	severity = prio_window_severity(cfg, scanned, 0);
	if (!severity)
		return;
	/* Only one CPU closes a window; the others go on accumulating. */
	if (__sync_val_compare_and_swap(&st->window_scanned, scanned, 0) != scanned)
		return;
	reclaimed = __sync_lock_test_and_set(&st->window_reclaimed, 0);
	st->window_start_ns = now;
	st->last_level = prio_level_of(scanned, reclaimed);
	stat_add(group, PRIO_STAT_WINDOWS, 1);
	stat_add(group, PRIO_STAT_WINDOWS_PRESSURED, 1);
	pressure_on(st, cfg, now, severity);
}

/* Trigger "level": a vmpressure window every window_pages scanned pages. */
static void close_level_window(__u32 group, struct prio_group_state *st,
			       const struct prio_group_cfg *cfg, __u64 now)
{
	__u64 scanned = st->window_scanned, reclaimed;
	__u32 severity;

	if (scanned < cfg->window_pages)
		return;
	/* Only one CPU closes a window; the others go on accumulating. */
	if (__sync_val_compare_and_swap(&st->window_scanned, scanned, 0) != scanned)
		return;
	reclaimed = __sync_lock_test_and_set(&st->window_reclaimed, 0);
	st->last_level = prio_level_of(scanned, reclaimed);
	stat_add(group, PRIO_STAT_WINDOWS, 1);
	severity = prio_window_severity(cfg, scanned, reclaimed);
	if (!severity)
		return;
	stat_add(group, PRIO_STAT_WINDOWS_PRESSURED, 1);
	pressure_on(st, cfg, now, severity);
}

static void account_reclaim(struct mem_cgroup *memcg, bool scan, long pages)
{
	const struct prio_group_cfg *cfg;
	struct prio_group_state *st;
	__u32 group;
	__u64 now;

	gstat_inc(PRIO_GSTAT_EVENTS);
	group = group_of(memcg);
	if (group >= PRIO_MAX_GROUPS || group >= prio_nr_groups) {
		gstat_inc(PRIO_GSTAT_NO_GROUP);
		return;
	}
	st = bpf_map_lookup_elem(&group_state, &group);
	if (!st)
		return;
	cfg = group_cfg(group);

	if (!scan) {
		stat_add(group, PRIO_STAT_PAGES_RECLAIMED, pages);
		__sync_fetch_and_add(&st->window_reclaimed, pages);
		return;
	}
	stat_add(group, PRIO_STAT_SCAN_EVENTS, 1);
	stat_add(group, PRIO_STAT_PAGES_SCANNED, pages);

	if (cfg->trigger == PRIO_TRIGGER_SCAN) {
		now = bpf_ktime_get_ns();
		roll_scan_window(group, st, cfg, now);
		__sync_fetch_and_add(&st->window_scanned, pages);
		close_scan_window(group, st, cfg, now);
	} else {
		__sync_fetch_and_add(&st->window_scanned, pages);
		close_level_window(group, st, cfg, bpf_ktime_get_ns());
	}
}

SEC("tp_btf/mod_memcg_lruvec_state")
int BPF_PROG(prio_lruvec_state, struct mem_cgroup *memcg, int item, long val)
{
	/* Hot path: PGSCAN_* and PGSTEAL_* are two runs of four members. */
	if (item >= ENUM_VAL(enum node_stat_item, PGSCAN_KSWAPD) &&
	    item <= ENUM_VAL(enum node_stat_item, PGSCAN_PROACTIVE)) {
		if (val > 0)
			account_reclaim(memcg, true, val);
	} else if (item >= ENUM_VAL(enum node_stat_item, PGSTEAL_KSWAPD) &&
		   item <= ENUM_VAL(enum node_stat_item, PGSTEAL_PROACTIVE)) {
		if (val > 0)
			account_reclaim(memcg, false, val);
	}
	return 0;
}

/* Kernels before 7.2 counted reclaim as vm events of the memcg. */
enum vm_event_item___vm {
	PGSTEAL_KSWAPD___vm, PGSTEAL_DIRECT___vm, PGSTEAL_KHUGEPAGED___vm,
	PGSCAN_KSWAPD___vm, PGSCAN_DIRECT___vm, PGSCAN_KHUGEPAGED___vm,
};

SEC("tp_btf/count_memcg_events")
int BPF_PROG(prio_memcg_events, struct mem_cgroup *memcg, int item,
	     unsigned long val)
{
	if (!bpf_core_enum_value_exists(enum vm_event_item___vm, PGSCAN_KSWAPD___vm))
		return 0;
	if (item >= ENUM_VAL(enum vm_event_item___vm, PGSCAN_KSWAPD___vm) &&
	    item <= ENUM_VAL(enum vm_event_item___vm, PGSCAN_KHUGEPAGED___vm))
		account_reclaim(memcg, true, val);
	else if (item >= ENUM_VAL(enum vm_event_item___vm, PGSTEAL_KSWAPD___vm) &&
		 item <= ENUM_VAL(enum vm_event_item___vm, PGSTEAL_KHUGEPAGED___vm))
		account_reclaim(memcg, false, val);
	return 0;
}

SEC("struct_ops/memcg_nr_pages_over_high")
unsigned int BPF_PROG(prio_pages_over_high, struct mem_cgroup *memcg)
{
	struct prio_group_state *mine, *st;
	__u32 group, pages, i;
	__u64 now;

	group = group_of(memcg);
	if (group >= PRIO_MAX_GROUPS || group >= prio_nr_groups) {
		gstat_inc(PRIO_GSTAT_HOOK_NO_GROUP);
		return 0;
	}
	stat_add(group, PRIO_STAT_HOOK_CALLS, 1);

	now = bpf_ktime_get_ns();
	for (i = 0; i < PRIO_MAX_GROUPS && i < prio_nr_groups; i++) {
		__u32 idx = i;

		if (prio_groups[i].priority <= prio_groups[group].priority)
			break;
		st = bpf_map_lookup_elem(&group_state, &idx);
		if (!st || st->pressured_until_ns <= now)
			continue;

		pages = prio_penalty_pages(group_cfg(group), st->severity);
		mine = bpf_map_lookup_elem(&group_state, &group);
		if (mine) {
			mine->throttled_by = i;
			mine->last_throttled_ns = now;
		}
		if (dry_run) {
			stat_add(group, PRIO_STAT_DRY_RUN_THROTTLED, 1);
			return 0;
		}
		stat_add(group, PRIO_STAT_THROTTLED, 1);
		stat_add(group, PRIO_STAT_PAGES_REPORTED, pages);
		return pages;
	}
	gstat_inc(PRIO_GSTAT_HOOK_UNPRESSED);
	return 0;
}

SEC("struct_ops/handle_cgroup_online")
void BPF_PROG(prio_cgroup_online, struct mem_cgroup *memcg)
{
	gstat_inc(PRIO_GSTAT_ONLINE);
	group_of(memcg);
}

SEC("struct_ops/handle_cgroup_offline")
void BPF_PROG(prio_cgroup_offline, struct mem_cgroup *memcg)
{
	__u64 cgid = cgroup_id_of(BPF_CORE_READ(memcg, css.cgroup));

	gstat_inc(PRIO_GSTAT_OFFLINE);
	bpf_map_delete_elem(&group_cache, &cgid);
}

SEC(".struct_ops.link")
struct memcg_bpf_ops___prio prio_ops = {
	.memcg_nr_pages_over_high = (void *)prio_pages_over_high,
	.handle_cgroup_online = (void *)prio_cgroup_online,
	.handle_cgroup_offline = (void *)prio_cgroup_offline,
};

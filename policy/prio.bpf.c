// SPDX-License-Identifier: GPL-2.0
/*
 * prio: memory priority between cgroup groups.
 *
 * The administrator names groups of cgroups and gives each a priority.  A
 * group is throttled while a group of strictly higher priority is pressed
 * in a reclaim domain that contains it: the higher group needs memory that
 * the lower group's memory competes for.
 *
 * - Domains.  Every reclaim works for one cgroup: the one whose
 *   memory.max or memory.high it enforces (the "target"), or the cgroup2
 *   root for global reclaim (kswapd, or direct reclaim of an allocation).
 *   A group's pages scanned by that reclaim press the group in that domain
 *   only if the domain holds memory of another group: its cgroup lies
 *   strictly above the group's cgroup, or it lies inside the group's
 *   subtree and another group's cgroup is nested below it (the loader
 *   lists those in shared_domains: a pod "web" at lv/web with a sidecar
 *   group "batch" at lv/web/batch shares lv/web's memory.max with it).
 *   Reclaim for a limit whose subtree belongs to the group alone (its own
 *   memory.max), or for the level this policy lowered (so throttling
 *   never cascades), presses nobody, nor does proactive reclaim
 *   (memory.reclaim).  A group pressed in a domain throttles only the
 *   memcgs inside that domain.
 *
 * - Sources.  fentry/fexit on try_to_free_mem_cgroup_pages() records the
 *   target of memcg reclaim per task (reclaim never nests), and
 *   tp_btf mm_vmscan_direct_reclaim_begin/_end marks direct global
 *   reclaim; kswapd reclaims globally.  A report from any other task is
 *   dropped (PRIO_GSTAT_UNATTRIBUTED): its reclaim began before the policy
 *   was attached, or the kernel skipped the program that records it (a
 *   tracing program is skipped on a CPU where it is already running:
 *   bpftool's recursion_misses).  Counted as global it would press the
 *   root's domain, bystanders and all, for a limit's reclaim.  On a kernel
 *   without the tracepoints such a report counts as global, as direct
 *   reclaim then has no mark either.  The pages come
 *   from one program the loader picks from the running kernel's BTF:
 *   fentry on vmpressure(), which vmscan calls once per memcg it shrank
 *   (classic LRU and MGLRU alike, never for proactive reclaim), with that
 *   memcg's scanned and reclaimed pages; or, where the kernel has no such
 *   function, the BTF tracepoint memcg:mod_memcg_lruvec_state (PGSCAN_* and
 *   PGSTEAL_* node statistics), or memcg:count_memcg_events on kernels that
 *   counted reclaim as vm events.  The tracepoints fire on every LRU
 *   statistic update of every cgroup and cost the charge path a few per
 *   cent; vmpressure() runs only inside reclaim.  Pages of a cgroup count
 *   for the innermost group whose cgroup is it or an ancestor of it.
 *
 * - Silent source.  A source can stay in BTF and stop firing: upstream
 *   plans to make vmpressure() cgroup v1 only, and the policy would then
 *   never throttle.  So the loader also attaches a fallback (the first
 *   source the kernel offers after the configured one: the shrink probes,
 *   which run inside reclaim only, else a tracepoint), and
 *   source_state.active says whose reports count: the other program
 *   returns after one array lookup (PRIO_GSTAT_INACTIVE_REPORTS).  Every
 *   reclaim that ends is checked: memcg reclaim (fexit on
 *   try_to_free_mem_cgroup_pages(), its return value; memory.reclaim
 *   excepted, which calls no vmpressure()) and global reclaim
 *   (tp_btf mm_vmscan_direct_reclaim_end and mm_vmscan_balance_pgdat_end,
 *   where the kernel has them).  vmscan calls vmpressure() in the
 *   reclaiming task for each memcg it shrank, so a reclaim that reclaimed
 *   pages without a report of the configured source in that task
 *   (source_heard, set by the report, cleared by the end) is silent.
 *   PRIO_SILENT_RECLAIMS silent reclaims spread over at least
 *   PRIO_SILENT_MS, with no report of the source anywhere in between, find
 *   it silent: the fallback's reports count from then on, for as long as
 *   the policy is attached (no switching back: the two sources would
 *   count the same pages twice during a flap).  Idle time proves nothing
 *   (no reclaim ends), and one report clears a run, so a working source
 *   never gets there.  No program is attached or detached for the switch:
 *   the hook's link stays, and --attach has long exited.  The shrink
 *   fallback's standby costs one lookup per shrink, in reclaim only; a
 *   tracepoint fallback's, one call per LRU statistic update.
 *
 * - Pressure of a group in a domain, per its trigger: "level" closes a
 *   window every window_pages scanned pages and computes vmpressure's
 *   reclaim inefficiency (scanned - reclaimed) / scanned; a window at or
 *   above the configured level (low 0%, medium 60%, critical 95%) is
 *   pressure.  "scan" (the RFC sample's signal) is pressure once
 *   scan_threshold_pages pages are scanned within window_ms.  Pressure
 *   holds for hold_ms after the last pressured window; one that starts
 *   again within the hold it had after it ended holds twice as long, up
 *   to hold_doublings times (prio_hold_shift()): a thrashing group's need is
 *   not met when the lower groups can take its memory back the moment
 *   its pressure ends, and they must stay yielded.  A group keeps
 *   windows for PRIO_MAX_DOMAINS domains at once.
 *
 * - A memcg_bpf_ops struct_ops, attached by the loader to every group that
 *   some other group outranks (and, for the shield below, to those that
 *   outrank another; their pages hook finds nobody above and returns 0):
 *   its memcg_nr_pages_over_high hook finds the
 *   memcg's group and, if a group of higher priority is pressed in a
 *   domain whose cgroup is the memcg's or an ancestor of it, returns the
 *   group's penalty_pages (scaled by the presser's severity if asked, at
 *   most penalty_max_pages); the kernel then lowers the memcg's memory.high
 *   by that much and throttles it.  It returns 0, stock behaviour,
 *   otherwise.  A task sleeping for a penalty is asked about again every
 *   50 ms, and the first 0 wakes it: the throttle ends with the pressure
 *   (kernel patch 0005).  With dry_run set it records the throttle it would have
 *   made and returns 0.  Without the hook (mode memory.high, prio_backend)
 *   the struct_ops is not loaded: the loader reads group_state and lowers
 *   the lower groups' memory.high itself (loader/kernel/highctl.c).
 *
 * - Shield and give-back (mode hook, where the kernel offers them): the
 *   loader attaches the same struct_ops to the groups that outrank others
 *   too.  Its memcg_below_low hook tells reclaim for a domain's limit to
 *   pass over the memcgs of a group pressed in that domain, as long as the
 *   domain holds memory of a group of lower priority (domain_groups, from
 *   the loader): the kernel's memory.low rules then take the lower groups'
 *   pages first, and come back for the pressed group's only when there are
 *   none.  A shielded group is no longer reclaimed, so nothing of its own
 *   would renew its pressure while a lower group still pushes against it:
 *   each pass the shield turns away for a charge in the domain renews it,
 *   also for a hold after it ended, when the lower group, let go, comes
 *   back for the memory; for at most the longest hold after the group's
 *   own need last showed, so an idle group does not keep its memory
 *   (prio_shield_renews(), need_ns).  Mode memory.high has no such pass to
 *   see.  And what the pressed group's own charges had to reclaim there
 *   (charge_reclaimed(): memcg reclaim, and direct global reclaim of its
 *   allocations) is owed by the lower groups of the domain, in equal
 *   shares: each one's bpf_wq work item (giveback_work(), a callback of
 *   the SYSCALL program prio_giveback_setup) asks its cgroup for it
 *   through bpf_memcg_reclaim(), PRIO_GIVEBACK_MAX_PAGES a call, until it
 *   is paid, the presser's pressure ends or the group gets relief, and
 *   before each call sends the group's tasks to their pass through
 *   bpf_memcg_kick(), so that they throttle themselves at once rather
 *   than at their next charge.  The kfunc never takes a cgroup below its
 *   memory.min/memory.low.  Without
 *   the kernel's support the hook only throttles; mode memory.high does
 *   both from user space (loader/kernel/lowctl.c, reclaimctl.c).
 *
 * Example:
 *
 *	/sys/fs/cgroup
 *	+- work            memory.max = 4G
 *	|  +- web          group "web", priority high  (ops attached: shield)
 *	|  |  +- api       counts for "web"
 *	|  +- batch        group "batch", priority low (ops attached here)
 *	|     +- job1      created later: inherits the ops
 *	+- backup          group "backup", priority low
 *
 * work/web/api charging into a full "work" makes reclaim target "work" and
 * scan web's pages; at 60% inefficiency over 512 pages "web" is pressed in
 * domain "work" for hold_ms, and charges in batch/job1 report 1024 pages
 * over memory.high.  "backup" is outside "work" and is left alone.  If
 * api hits a memory.max of its own, "web" is not pressed at all; had
 * "batch" lain at work/web/batch, a memory.max of work/web would be shared
 * with it, and web's reclaim for it would press web there.
 *
 * - No starvation: a group throttled for throttle_max_ms without a break,
 *   or for throttle_max_share of a throttle_window_ms window, gets
 *   relief_ms without throttling (prio_bound_check()).
 *
 * Invariants: groups are sorted by decreasing priority in prio_groups, so
 * the hook stops at the first group not above its own; group indexes are
 * below prio_nr_groups; cgroup ids are never reused, so the cgroup-to-group
 * cache never goes stale and only needs eviction.
 *
 * Failure modes: a cgroup deeper than PRIO_MAX_DEPTH below its group is
 * not attributed (PRIO_GSTAT_NO_GROUP); window counters are updated
 * without a lock, so concurrent closes may lose a few pages to the next
 * window; with more than PRIO_MAX_DOMAINS domains at once the least
 * recently seen slot is taken over (PRIO_STAT_DOMAIN_EVICTIONS); a task
 * whose reclaim context does not fit the context map is not attributed
 * (PRIO_GSTAT_NO_CONTEXT, then PRIO_GSTAT_UNATTRIBUTED), nor is
 * node_reclaim (zone_reclaim_mode), which has no mark here; an exit
 * program the kernel skipped leaves the task's record, and a later reclaim
 * whose entry it also skipped reports against that old target; a source
 * that reports only some of the reclaims (say, v1 hierarchies) is not
 * found silent; a reclaim path with no end watched here (node_reclaim, a
 * kernel without the global tracepoints) only ever delays the switch,
 * because a report marks the task until its next watched end;
 * "policy-caused" versus "own limit" is
 * told by the reclaiming task having just been given a penalty, a
 * heuristic that only affects which counter ignored pages go to.
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
	int (*memcg_below_low)(struct mem_cgroup *target,
			       struct mem_cgroup *memcg);
	void (*handle_cgroup_online)(struct mem_cgroup *memcg);
	void (*handle_cgroup_offline)(struct mem_cgroup *memcg);
};

/* An enum value of the running kernel, as the int the tracepoints pass. */
#define ENUM_VAL(type, name) ((int)bpf_core_enum_value(type, name))

/* Set by the loader between open and load. */
const volatile struct prio_group_cfg prio_groups[PRIO_MAX_GROUPS];
const volatile __u32 prio_nr_groups;
const volatile __u32 prio_source;	/* enum prio_source, configured */
const volatile __u32 prio_fallback;	/* enum prio_source; PRIO_NR_SOURCES: none */
const volatile __u32 prio_backend;	/* enum prio_backend, for --status */
const volatile bool dry_run;
/* Direct global reclaim is marked (prio_direct_begin() attached). */
const volatile bool prio_global_marks;
/* Mode hook: the give-back's work items are set up (prio_giveback_setup()). */
const volatile bool prio_giveback;
const volatile __u32 prio_page_shift = 12;

/* mm/bpf_memcg_reclaim.c; weak: the object also loads where it is missing. */
extern __s64 bpf_memcg_reclaim(struct mem_cgroup *memcg, __u64 nr_bytes,
			       __u64 flags) __weak __ksym;
extern __s32 bpf_memcg_kick(struct mem_cgroup *memcg, __u64 flags) __weak __ksym;
extern int bpf_wq_init(struct bpf_wq *wq, void *p__map,
		       unsigned int flags) __weak __ksym;
extern int bpf_wq_set_callback(struct bpf_wq *wq,
			       int (callback_fn)(void *map, int *key, void *value),
			       unsigned int flags) __weak __ksym;
extern int bpf_wq_start(struct bpf_wq *wq, unsigned int flags) __weak __ksym;
extern struct cgroup *bpf_cgroup_from_id(__u64 cgid) __weak __ksym;
extern void bpf_cgroup_release(struct cgroup *cgrp) __weak __ksym;
extern struct mem_cgroup *bpf_get_mem_cgroup(struct cgroup_subsys_state *css) __weak __ksym;
extern void bpf_put_mem_cgroup(struct mem_cgroup *memcg) __weak __ksym;

/* include/linux/swap.h and include/linux/sched.h: not in BTF. */
#define PRIO_MEMCG_RECLAIM_PROACTIVE	(1u << 2)
#define PRIO_PF_KSWAPD			0x00020000u
/* A penalty makes the task's next memcg reclaim "policy-caused" this long. */
#define PRIO_POLICY_RECLAIM_NS		(50 * PRIO_NS_PER_MS)

/* Cgroup id of each group's cgroup -> group index. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PRIO_MAX_GROUPS);
	__type(key, __u64);
	__type(value, __u32);
} group_roots SEC(".maps");

/*
 * Cgroup ids whose limit a group shares with another group nested below
 * them (filled by the loader, loader/plan/plan.c: find_shared()).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PRIO_MAX_GROUPS * PRIO_MAX_DEPTH);
	__type(key, __u64);
	__type(value, __u8);
} shared_domains SEC(".maps");

/*
 * (cgroup id, group) for every cgroup that is a group's own cgroup or an
 * ancestor of it, up to the cgroup2 root (filled by the loader): a domain
 * holds memory of group g exactly when (its cgroup, g) is here.
 */
struct domain_group {
	__u64 cgroup_id;
	__u32 group;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PRIO_MAX_GROUPS * (PRIO_MAX_DEPTH + 1));
	__type(key, struct domain_group);
	__type(value, __u8);
} domain_groups SEC(".maps");

/*
 * Mode memory.high: cgroup ids of the groups whose memory.high memcg-prio
 * --foreground has lowered now (it keeps this map up to date).  Reclaim
 * for that memory.high is the policy's own, as the hook's penalty is.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PRIO_MAX_GROUPS);
	__type(key, __u64);
	__type(value, __u8);
} policy_lowered SEC(".maps");

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

/* The memcg reclaim a task is in, from entry to exit. */
struct reclaim_ctx {
	__u64 target_id;		/* cgroup id of the target */
	__u32 target_level;
	__u32 target_group;		/* innermost group of the target */
	__u32 cause;			/* PRIO_CAUSE_MAX or PRIO_CAUSE_HIGH */
	bool proactive;
	bool global;			/* direct global reclaim: no target */
	bool policy;			/* right after a penalty for this task */
	bool shared;			/* another group's cgroup is below the target */
};

/* Thread id -> its memcg or direct global reclaim.  Preallocated: no
 * allocation in reclaim. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct reclaim_ctx);
} reclaim_ctx SEC(".maps");

/* Silence of the configured source (struct prio_source_state), one entry. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct prio_source_state);
} source_state SEC(".maps");

/* Thread id -> the configured source reported since its last reclaim ended. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} source_heard SEC(".maps");

/* Thread id -> when the hook last gave it a penalty. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} penalized SEC(".maps");

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

static __u32 current_tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

static __u64 cgroup_id_of(struct cgroup *cgrp)
{
	return BPF_CORE_READ(cgrp, kn, id);
}

/* Id of the ancestor of @cgrp at @level (@cgrp itself at its own level). */
static __u64 ancestor_id(struct cgroup *cgrp, int level)
{
	struct cgroup *ancestor = NULL;

	bpf_probe_read_kernel(&ancestor, sizeof(ancestor),
			      &cgrp->ancestors[level]);
	return ancestor ? cgroup_id_of(ancestor) : 0;
}

/* The innermost group whose cgroup is @cgrp or an ancestor of it. */
static __u32 group_of_cgroup(struct cgroup *cgrp)
{
	__u32 group = PRIO_NO_GROUP, *cached;
	__u64 cgid = cgroup_id_of(cgrp);
	int level, i;

	cached = bpf_map_lookup_elem(&group_cache, &cgid);
	if (cached)
		return *cached;

	gstat_inc(PRIO_GSTAT_CACHE_MISS);
	level = BPF_CORE_READ(cgrp, level);
	/* An open-coded iterator: the verifier checks the body once, not
	 * PRIO_MAX_DEPTH times in every program that looks a group up. */
	bpf_for(i, 0, PRIO_MAX_DEPTH) {
		__u32 *root;
		__u64 id;

		if (level - i < 0)
			break;
		id = ancestor_id(cgrp, level - i);
		root = bpf_map_lookup_elem(&group_roots, &id);
		if (root) {
			group = *root;
			break;
		}
	}
	bpf_map_update_elem(&group_cache, &cgid, &group, BPF_ANY);
	return group;
}

static __u32 group_of(struct mem_cgroup *memcg)
{
	return group_of_cgroup(BPF_CORE_READ(memcg, css.cgroup));
}

/*
 * The slot of @st for domain @id, taken from a free slot or, failing that,
 * from the least recently seen one.  Two CPUs may race for one slot; the
 * loser counts into the winner's domain for that batch.
 */
static struct prio_domain_state *domain_slot(__u32 group,
					     struct prio_group_state *st,
					     __u64 id, __u32 level, __u64 now)
{
	struct prio_domain_state *d, *victim = &st->domains[0];
	__u64 old;
	int i;

	for (i = 0; i < PRIO_MAX_DOMAINS; i++) {
		d = &st->domains[i];
		if (d->cgroup_id == id)
			return d;
		if (d->last_seen_ns < victim->last_seen_ns)
			victim = d;
	}
	old = victim->cgroup_id;
	if (__sync_val_compare_and_swap(&victim->cgroup_id, old, id) != old)
		return victim;
	if (old && victim->pressured_until_ns > now)
		stat_add(group, PRIO_STAT_DOMAIN_EVICTIONS, 1);
	victim->cgroup_level = level;
	victim->window_start_ns = now;
	victim->window_scanned = 0;
	victim->window_reclaimed = 0;
	victim->pressured_until_ns = 0;
	victim->severity = 0;
	victim->need_ns = 0;
	return victim;
}

static void pressure_on(struct prio_group_state *st, struct prio_domain_state *d,
			const struct prio_group_cfg *cfg, __u64 now,
			__u32 severity)
{
	__u64 hold = (__u64)cfg->hold_ms * PRIO_NS_PER_MS, until;

	if (st->pressured_until_ns <= now) {
		st->pressure_onset_ns = now;
		st->hold_shift = prio_hold_shift(st->hold_shift,
						 cfg->hold_doublings, hold,
						 st->pressured_until_ns, now);
	}
	until = now + prio_hold_ns(hold, st->hold_shift, cfg->hold_doublings);
	__sync_fetch_and_add(&st->pressure_ns,
			     prio_pressure_extension(st->pressured_until_ns, now, until));
	d->pressured_until_ns = until;
	d->severity = severity;
	if (st->pressured_until_ns < until)
		st->pressured_until_ns = until;
}

/*
 * Close the domain's window if its trigger says so: "level" every
 * window_pages scanned pages, "scan" once scan_threshold_pages are
 * scanned; a "scan" window older than window_ms was reset before this
 * batch was added.  Only one CPU closes a window; the others go on
 * accumulating.
 */
static void close_window(__u32 group, struct prio_group_state *st,
			 struct prio_domain_state *d,
			 const struct prio_group_cfg *cfg, __u64 now)
{
	bool scan = cfg->trigger == PRIO_TRIGGER_SCAN;
	__u64 scanned = d->window_scanned, reclaimed;
	__u32 severity;

	if (scan ? !prio_window_severity(cfg, scanned, 0) :
		   scanned < cfg->window_pages)
		return;
	if (__sync_val_compare_and_swap(&d->window_scanned, scanned, 0) != scanned)
		return;
	reclaimed = __sync_lock_test_and_set(&d->window_reclaimed, 0);
	d->window_start_ns = now;
	d->last_level = prio_level_of(scanned, reclaimed);
	stat_add(group, PRIO_STAT_WINDOWS, 1);
	severity = prio_window_severity(cfg, scanned, scan ? 0 : reclaimed);
	if (!severity)
		return;
	stat_add(group, PRIO_STAT_WINDOWS_PRESSURED, 1);
	pressure_on(st, d, cfg, now, severity);
	d->need_ns = now;
}

/*
 * @scanned and @reclaimed pages of @memcg, reported by the current task's
 * reclaim.  Find the domain, drop reclaim that presses nobody, count the
 * rest into the window of (group, domain).
 */
static void account_reclaim(struct mem_cgroup *memcg, __u64 scanned,
			    __u64 reclaimed)
{
	__u32 tid = current_tid(), group, level, cause;
	const struct prio_group_cfg *cfg;
	struct prio_domain_state *d;
	struct prio_group_state *st;
	struct reclaim_ctx *ctx;
	__u64 now, id;

	gstat_inc(PRIO_GSTAT_EVENTS);
	group = group_of(memcg);
	if (group >= PRIO_MAX_GROUPS || group >= prio_nr_groups) {
		gstat_inc(PRIO_GSTAT_NO_GROUP);
		return;
	}
	cfg = group_cfg(group);

	ctx = bpf_map_lookup_elem(&reclaim_ctx, &tid);
	if (ctx && !ctx->global) {
		if (ctx->proactive)
			return;		/* counted once, on exit */
		/*
		 * The target is an ancestor of memcg (or memcg): in the
		 * group's subtree exactly when it is in the same group.  Its
		 * limit is the group's own unless another group's cgroup
		 * lies below it; reclaim the policy forced is never shared.
		 */
		if (ctx->target_group == group && (ctx->policy || !ctx->shared)) {
			stat_add(group, ctx->policy ? PRIO_STAT_IGNORED_POLICY :
						      PRIO_STAT_IGNORED_OWN,
				 scanned);
			return;
		}
		id = ctx->target_id;
		level = ctx->target_level;
		cause = ctx->cause;
	} else {
		struct task_struct *task = bpf_get_current_task_btf();
		bool kswapd = task->flags & PRIO_PF_KSWAPD;

		if (!ctx && !kswapd && prio_global_marks) {
			gstat_inc(PRIO_GSTAT_UNATTRIBUTED);
			return;
		}
		id = ancestor_id(BPF_CORE_READ(memcg, css.cgroup), 0);
		level = 0;
		cause = kswapd ? PRIO_CAUSE_KSWAPD : PRIO_CAUSE_DIRECT;
	}

	st = bpf_map_lookup_elem(&group_state, &group);
	if (!st)
		return;
	now = bpf_ktime_get_ns();
	d = domain_slot(group, st, id, level, now);
	d->last_seen_ns = now;
	d->cause = cause;

	if (reclaimed) {
		stat_add(group, PRIO_STAT_PAGES_RECLAIMED, reclaimed);
		__sync_fetch_and_add(&d->window_reclaimed, reclaimed);
	}
	if (!scanned)
		return;
	stat_add(group, PRIO_STAT_SCAN_EVENTS, 1);
	stat_add(group, PRIO_STAT_PAGES_SCANNED, scanned);
	if (cfg->trigger == PRIO_TRIGGER_SCAN &&
	    prio_window_expired(cfg, d->window_start_ns, now)) {
		d->window_start_ns = now;
		__sync_lock_test_and_set(&d->window_scanned, 0);
		__sync_lock_test_and_set(&d->window_reclaimed, 0);
		stat_add(group, PRIO_STAT_WINDOWS, 1);
	}
	__sync_fetch_and_add(&d->window_scanned, scanned);
	close_window(group, st, d, cfg, now);
}

/* --- Silent source ------------------------------------------------------- */

static struct prio_source_state *source_state_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&source_state, &zero);
}

/*
 * A report of source @src in the current task: does it count?  Only the
 * active source's do.  A report of the configured source marks the task
 * heard and ends a run of silent reclaims that has not switched yet.
 */
static bool source_report(__u32 src)
{
	struct prio_source_state *ss = source_state_get();
	__u32 tid;
	__u8 one = 1;

	if (!ss)
		return false;
	if (src == prio_source && !ss->switched_ns) {
		tid = current_tid();
		if (!bpf_map_lookup_elem(&source_heard, &tid))
			bpf_map_update_elem(&source_heard, &tid, &one, BPF_ANY);
		if (ss->silent_since_ns) {
			ss->silent_since_ns = 0;
			ss->unheard_reclaims = 0;
			ss->unheard_pages = 0;
		}
	}
	if (ss->active == src)
		return true;
	gstat_inc(PRIO_GSTAT_INACTIVE_REPORTS);
	return false;
}

/*
 * The current task ended a reclaim (memcg, direct or kswapd's) that
 * reclaimed @pages.  Every such reclaim calls vmpressure() for each memcg
 * it shrank, in this task, before it ends; one without a report of the
 * configured source since the task's last reclaim ended is silent.  A run
 * of PRIO_SILENT_RECLAIMS silent reclaims over PRIO_SILENT_MS, with no
 * report anywhere in between, finds the source silent, and the fallback
 * takes over, for good.
 */
static void reclaim_done(__u64 pages)
{
	struct prio_source_state *ss;
	__u32 tid = current_tid();
	__u64 now, since;

	if (bpf_map_lookup_elem(&source_heard, &tid)) {
		bpf_map_delete_elem(&source_heard, &tid);
		return;
	}
	ss = source_state_get();
	if (!pages || !ss || ss->switched_ns)
		return;
	gstat_inc(PRIO_GSTAT_UNHEARD);
	now = bpf_ktime_get_ns();
	if (!ss->silent_since_ns)
		ss->silent_since_ns = now;
	__sync_fetch_and_add(&ss->unheard_reclaims, 1);
	__sync_fetch_and_add(&ss->unheard_pages, pages);
	/* A report on another CPU may clear the run meanwhile: 0 is no run. */
	since = ss->silent_since_ns;
	if (ss->unheard_reclaims < PRIO_SILENT_RECLAIMS || !since ||
	    now < since + PRIO_SILENT_MS * PRIO_NS_PER_MS)
		return;
	if (!ss->found_silent_ns)
		ss->found_silent_ns = now;
	if (prio_fallback >= PRIO_NR_SOURCES ||
	    __sync_val_compare_and_swap(&ss->active, prio_source,
					prio_fallback) != prio_source)
		return;
	ss->switched_ns = now;
	gstat_inc(PRIO_GSTAT_SOURCE_SWITCHES);
}

static void charge_reclaimed(__u64 domain, __u32 level, __u32 cause,
			     __u64 reclaimed);

/* Direct global reclaim of an allocation starts: mark the task. */
SEC("tp_btf/mm_vmscan_direct_reclaim_begin")
int BPF_PROG(prio_direct_begin, gfp_t gfp_flags, int order,
	     struct mem_cgroup *memcg)
{
	struct reclaim_ctx rc = { .global = true };
	__u32 tid = current_tid();

	if (bpf_map_update_elem(&reclaim_ctx, &tid, &rc, BPF_ANY))
		gstat_inc(PRIO_GSTAT_NO_CONTEXT);
	return 0;
}

/* Global reclaim ends: direct reclaim of an allocation, and kswapd's. */
SEC("tp_btf/mm_vmscan_direct_reclaim_end")
int BPF_PROG(prio_direct_end, unsigned long nr_reclaimed)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tid = current_tid();
	struct reclaim_ctx *rc;

	/* An allocation had to reclaim globally: its group lacked that much. */
	rc = bpf_map_lookup_elem(&reclaim_ctx, &tid);
	if (rc && rc->global && nr_reclaimed)
		charge_reclaimed(ancestor_id(BPF_CORE_READ(task, cgroups,
							   dfl_cgrp), 0),
				 0, PRIO_CAUSE_DIRECT, nr_reclaimed);
	bpf_map_delete_elem(&reclaim_ctx, &tid);
	reclaim_done(nr_reclaimed);
	return 0;
}

SEC("tp_btf/mm_vmscan_balance_pgdat_end")
int BPF_PROG(prio_kswapd_end, int nid, int order, int highest_zoneidx,
	     unsigned long nr_reclaimed)
{
	reclaim_done(nr_reclaimed);
	return 0;
}

/* --- Shield and give-back (mode hook) ------------------------------------ */

/* Does domain @domain hold memory of group @g? */
static bool domain_holds(__u64 domain, __u32 g)
{
	struct domain_group key = { .cgroup_id = domain, .group = g };

	return bpf_map_lookup_elem(&domain_groups, &key) != NULL;
}

/* Is @group pressed in the domain whose cgroup is @domain, at @now? */
static bool pressed_in(__u32 group, __u64 domain, __u64 now)
{
	struct prio_group_state *st = bpf_map_lookup_elem(&group_state, &group);
	int i;

	if (!st)
		return false;
	for (i = 0; i < PRIO_MAX_DOMAINS; i++)
		if (st->domains[i].cgroup_id == domain &&
		    st->domains[i].pressured_until_ns > now)
			return true;
	return false;
}

/*
 * What a pressed group lacked, owed by the lower groups of the domain:
 * each one's give-back work item reclaims its share, at most
 * PRIO_GIVEBACK_MAX_PAGES a call, for as long as the presser stays pressed
 * there.
 */
struct giveback {
	struct bpf_wq wq;
	__u64 owed;			/* pages still to ask for */
	__u64 idle_until_ns;		/* gave less than half: ask nothing till then */
	__u64 domain;			/* cgroup id of the presser's domain */
	__u64 seen_usage;		/* the presser's usage at the last call, */
	__u64 seen_reclaimed;		/* and its charge_reclaimed; 0: none */
	__u64 given;			/* pages the last call gave */
	__u32 presser;			/* group whose need it is */
	__u32 idle_shift;		/* calls in a row that gave less than half */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PRIO_MAX_GROUPS);
	__type(key, __u32);
	__type(value, struct giveback);
} giveback SEC(".maps");

/* 8 MiB of 4 KiB pages: what one write of mode memory.high asks at most. */
#define PRIO_GIVEBACK_MAX_PAGES	2048
/*
 * A group that gave less than half of what it was asked may have little
 * left that reclaim can take (anon without swap, its floor): a call costs
 * up to MAX_RECLAIM_RETRIES passes for nothing, so it is asked again only
 * after PRIO_GIVEBACK_IDLE_MIN_NS, twice as long after each such call in
 * a row, up to PRIO_GIVEBACK_IDLE_NS, and what it owes meanwhile is
 * dropped.  Or its pages were just in use: reclaim found them referenced
 * and moved them to the active list, and the next pass, after they were
 * deactivated, takes them (a running group's first call often gets so
 * little; a fixed idle second then held back the pressed group's ramp).
 */
#define PRIO_GIVEBACK_IDLE_MIN_NS	(100 * PRIO_NS_PER_MS)
#define PRIO_GIVEBACK_IDLE_NS		(1000 * PRIO_NS_PER_MS)

/*
 * The loops over the groups of the give-back run as bpf_loop() callbacks:
 * the verifier checks a callback's body until it converges, not once per
 * group at each call site with the caller's state (a config of 64 groups
 * cost the programs that inline them 289,000 instructions each as global
 * functions, and failed with E2BIG when inlined).
 */
struct lower_walk {
	__u64 domain;		/* cgroup id of the domain */
	__u64 share;		/* pages each lower group owes */
	__u32 prio;		/* groups below this priority */
	__u32 presser;		/* group whose need it is */
	__u32 n;		/* lower groups that hold memory in domain */
	__u32 pad;
};

static long count_lower(__u64 i, void *data)
{
	struct lower_walk *w = data;

	if (i >= PRIO_MAX_GROUPS)
		return 1;
	if (prio_groups[i].priority < w->prio && domain_holds(w->domain, i))
		w->n++;
	return 0;
}

/* How many groups of lower priority than @prio hold memory in @domain. */
static __u32 lower_groups_in(__u64 domain, __u32 prio)
{
	struct lower_walk w = { .domain = domain, .prio = prio };

	bpf_loop(prio_nr_groups, count_lower, &w, 0);
	return w.n;
}

static long owe_share(__u64 i, void *data)
{
	struct lower_walk *w = data;
	struct giveback *gb;
	__u32 idx = i;

	if (i >= PRIO_MAX_GROUPS)
		return 1;
	if (prio_groups[i].priority >= w->prio || !domain_holds(w->domain, i))
		return 0;
	gb = bpf_map_lookup_elem(&giveback, &idx);
	if (!gb)
		return 0;
	if (gb->presser != w->presser || gb->domain != w->domain)
		gb->seen_usage = 0;
	gb->presser = w->presser;
	gb->domain = w->domain;
	__sync_fetch_and_add(&gb->owed, w->share);
	bpf_wq_start(&gb->wq, 0);
	return 0;
}

/*
 * @presser, of priority @prio, had to reclaim @pages in @domain, where it
 * is pressed: the groups of lower priority that hold memory there owe
 * them, in equal shares.
 */
static void giveback_owe(__u32 presser, __u32 prio, __u64 domain,
			 __u64 pages)
{
	struct lower_walk w = {
		.domain = domain, .prio = prio, .presser = presser,
	};
	__u32 n = lower_groups_in(domain, prio);

	if (!n || !pages)
		return;
	w.share = (pages + n - 1) / n;
	bpf_loop(prio_nr_groups, owe_share, &w, 0);
}

/*
 * The refill of @gb's group: what @presser took, since that group's last
 * call, of the memory that call gave back, in shares over the @n lower
 * groups of the domain.  Its usage grew by more than its own charges
 * reclaimed (what they reclaimed is owed already): the rest came from
 * free memory, and while it keeps taking what is given, it still lacks
 * memory.  Owing it keeps the give-back ahead of the presser's charges
 * for as long as they take what it frees, where owing only what they
 * reclaimed would leave them to reclaim half of what they need.  Never
 * more than the last call gave: memory the group freed by itself, or
 * that was free anyway, is not owed again.  0 at the first call of a
 * pressure.
 */
static __u64 refill_of(struct giveback *gb, __u32 presser, __u32 n)
{
	struct prio_group_state *st;
	struct mem_cgroup *memcg;
	struct cgroup *cgrp;
	__u64 usage = 0, rec, grown, took, refill = 0;

	if (presser >= PRIO_MAX_GROUPS || presser >= prio_nr_groups || !n)
		return 0;
	cgrp = bpf_cgroup_from_id(prio_groups[presser].cgroup_id);
	if (!cgrp)
		return 0;
	memcg = bpf_get_mem_cgroup(&cgrp->self);
	if (memcg) {
		usage = BPF_CORE_READ(memcg, memory.usage.counter);
		bpf_put_mem_cgroup(memcg);
	}
	bpf_cgroup_release(cgrp);
	st = bpf_map_lookup_elem(&group_state, &presser);
	if (!st || !usage)
		return 0;
	rec = st->charge_reclaimed;
	if (gb->seen_usage) {
		grown = usage > gb->seen_usage ? usage - gb->seen_usage : 0;
		took = rec - gb->seen_reclaimed;
		if (grown > took)
			refill = (grown - took + n - 1) / n;
		if (refill > gb->given)
			refill = gb->given;
	}
	gb->given = 0;
	gb->seen_usage = usage;
	gb->seen_reclaimed = rec;
	return refill;
}

/*
 * The work item of the group at *key: ask its cgroup for what it owes
 * (what the presser's charges reclaimed, and its refill_of()), at most
 * PRIO_GIVEBACK_MAX_PAGES, and come back for the rest, and after each
 * call that gave, to see whether the presser took it: a call with nothing
 * to ask ends the round.  Nothing is asked once the presser is no longer
 * pressed in that domain, while the group has relief from the starvation
 * bound, or for a while after a call that got less than half of what it
 * asked (PRIO_GIVEBACK_IDLE_MIN_NS, doubling up to PRIO_GIVEBACK_IDLE_NS
 * while such calls follow each other); bpf_memcg_reclaim() never takes
 * the cgroup below its memory.min/memory.low.  Runs in a kworker,
 * sleepable.
 */
static int giveback_work(void *map, int *key, void *value)
{
	struct giveback *gb = value;
	struct prio_group_state *mine;
	struct mem_cgroup *memcg;
	struct cgroup *cgrp;
	__u32 low = *key, presser = gb->presser;
	__u64 now = bpf_ktime_get_ns(), owed, ask, cgid, refill;
	__s32 kicked = 0;
	__s64 got = 0;

	if (low >= PRIO_MAX_GROUPS || low >= prio_nr_groups ||
	    presser >= PRIO_MAX_GROUPS)
		return 0;
	/* Before the lookup spills low (see prio_pages_over_high()). */
	cgid = prio_groups[low].cgroup_id;
	mine = bpf_map_lookup_elem(&group_state, &low);
	if (!pressed_in(presser, gb->domain, now) ||
	    (mine && mine->bound.relief_until_ns > now) ||
	    gb->idle_until_ns > now) {
		gb->seen_usage = 0;
		stat_add(low, PRIO_STAT_GIVEBACK_DROPPED,
			 __sync_lock_test_and_set(&gb->owed, 0));
		return 0;
	}
	refill = refill_of(gb, presser,
			   lower_groups_in(gb->domain,
					   prio_groups[presser].priority));
	if (refill) {
		stat_add(low, PRIO_STAT_GIVEBACK_REFILL, refill);
		__sync_fetch_and_add(&gb->owed, refill);
	}
	owed = __sync_lock_test_and_set(&gb->owed, 0);
	ask = owed < PRIO_GIVEBACK_MAX_PAGES ? owed : PRIO_GIVEBACK_MAX_PAGES;
	if (!ask)
		return 0;
	if (owed > ask)
		__sync_fetch_and_add(&gb->owed, owed - ask);

	cgrp = bpf_cgroup_from_id(cgid);
	if (!cgrp)
		return 0;
	memcg = bpf_get_mem_cgroup(&cgrp->self);
	if (memcg) {
		/*
		 * Its tasks throttle themselves now, not at their next
		 * charge: a group that holds its memory charges only once
		 * the give-back took some, and goes on running, its pages
		 * referenced, until then.
		 */
		if (bpf_ksym_exists(bpf_memcg_kick))
			kicked = bpf_memcg_kick(memcg, 0);
		got = bpf_memcg_reclaim(memcg, ask << prio_page_shift, 0);
		bpf_put_mem_cgroup(memcg);
	}
	bpf_cgroup_release(cgrp);

	stat_add(low, PRIO_STAT_GIVEBACK_CALLS, 1);
	if (kicked > 0)
		stat_add(low, PRIO_STAT_GIVEBACK_KICKED, kicked);
	stat_add(low, PRIO_STAT_GIVEBACK_ASKED, ask);
	if (got > 0) {
		stat_add(low, PRIO_STAT_GIVEBACK_TAKEN, got >> prio_page_shift);
		gb->given = got >> prio_page_shift;
	}
	if (got < (__s64)((ask << prio_page_shift) / 2)) {
		gb->idle_until_ns = now + prio_backoff_ns(PRIO_GIVEBACK_IDLE_MIN_NS,
							  PRIO_GIVEBACK_IDLE_NS,
							  gb->idle_shift);
		if (gb->idle_shift < 8)
			gb->idle_shift++;
		gb->seen_usage = 0;
		return 0;
	}
	gb->idle_shift = 0;
	bpf_wq_start(&gb->wq, 0);
	return 0;
}

/* Run once by the loader (BPF_PROG_RUN) before it attaches anything. */
SEC("syscall")
int prio_giveback_setup(void *ctx)
{
	int i;

	/* An open-coded iterator: verified once, not 64 rounds. */
	bpf_for(i, 0, PRIO_MAX_GROUPS) {
		struct giveback *gb;
		__u32 idx = i;

		gb = bpf_map_lookup_elem(&giveback, &idx);
		if (!gb)
			return 1;
		if (bpf_wq_init(&gb->wq, &giveback, 0) ||
		    bpf_wq_set_callback(&gb->wq, giveback_work, 0))
			return 2;
	}
	return 0;
}

/* --- The reclaim's target ------------------------------------------------ */

SEC("fentry/try_to_free_mem_cgroup_pages")
int BPF_PROG(prio_reclaim_enter, struct mem_cgroup *memcg,
	     unsigned long nr_pages, gfp_t gfp_mask,
	     unsigned int reclaim_options)
{
	struct cgroup *cgrp = BPF_CORE_READ(memcg, css.cgroup);
	struct reclaim_ctx rc = {
		.target_id = cgroup_id_of(cgrp),
		.target_level = BPF_CORE_READ(cgrp, level),
		.proactive = reclaim_options & PRIO_MEMCG_RECLAIM_PROACTIVE,
	};
	__u32 tid = current_tid();
	long usage, high;
	__u64 *when;

	gstat_inc(PRIO_GSTAT_MEMCG_RECLAIMS);
	rc.target_group = group_of(memcg);
	rc.shared = bpf_map_lookup_elem(&shared_domains, &rc.target_id) != NULL;
	usage = BPF_CORE_READ(memcg, memory.usage.counter);
	high = BPF_CORE_READ(memcg, memory.high);
	rc.cause = usage > high ? PRIO_CAUSE_HIGH : PRIO_CAUSE_MAX;
	when = bpf_map_lookup_elem(&penalized, &tid);
	if (when) {
		rc.policy = bpf_ktime_get_ns() - *when < PRIO_POLICY_RECLAIM_NS;
		bpf_map_delete_elem(&penalized, &tid);
	}
	if (rc.cause == PRIO_CAUSE_HIGH &&
	    bpf_map_lookup_elem(&policy_lowered, &rc.target_id))
		rc.policy = true;
	if (bpf_map_update_elem(&reclaim_ctx, &tid, &rc, BPF_ANY))
		gstat_inc(PRIO_GSTAT_NO_CONTEXT);
	return 0;
}

/*
 * A charge of the current task had to reclaim @reclaimed pages for the
 * limit of @domain (the cgroup id of the reclaim's target, at @level;
 * the cgroup2 root for direct global reclaim).  If the task's group is
 * pressed in that domain, the pressure holds on: a group whose pages are
 * shielded (memory.low) is no longer scanned, yet still lacks memory
 * while its charges reclaim; and what they reclaimed is what it lacks
 * (PRIO_STAT_CHARGE_RECLAIMED).  If it is not, but it thrashes (its
 * working set keeps coming back) and a group of lower priority holds
 * memory there, the pressure starts: vmpressure's levels do not see a
 * working set that reclaim takes well and the group refaults at once.
 */
static void charge_reclaimed(__u64 domain, __u32 level, __u32 cause,
			     __u64 reclaimed)
{
	struct task_struct *task = bpf_get_current_task_btf();
	const struct prio_group_cfg *cfg;
	struct prio_domain_state *d;
	struct prio_group_state *st;
	__u32 group, prio;
	__u64 now;
	int i;

	group = group_of_cgroup(BPF_CORE_READ(task, cgroups, dfl_cgrp));
	if (group >= PRIO_MAX_GROUPS || group >= prio_nr_groups)
		return;
	/* Before the lookup spills group (see prio_pages_over_high()). */
	cfg = group_cfg(group);
	prio = cfg->priority;
	st = bpf_map_lookup_elem(&group_state, &group);
	if (!st)
		return;
	now = bpf_ktime_get_ns();
	for (i = 0; i < PRIO_MAX_DOMAINS; i++) {
		d = &st->domains[i];
		if (d->cgroup_id != domain || d->pressured_until_ns <= now)
			continue;
		pressure_on(st, d, cfg, now, d->severity);
		d->need_ns = now;
		stat_add(group, PRIO_STAT_CHARGE_RECLAIMED, reclaimed);
		__sync_fetch_and_add(&st->charge_reclaimed, reclaimed);
		if (prio_giveback)
			giveback_owe(group, prio, domain, reclaimed);
		return;
	}
	if (st->thrashing_until_ns <= now || !reclaimed ||
	    !lower_groups_in(domain, prio))
		return;
	d = domain_slot(group, st, domain, level, now);
	d->last_seen_ns = now;
	d->cause = cause;
	pressure_on(st, d, cfg, now, prio_thrash_severity(cfg));
	d->need_ns = now;
	stat_add(group, PRIO_STAT_THRASH_PRESSURES, 1);
	stat_add(group, PRIO_STAT_CHARGE_RECLAIMED, reclaimed);
	__sync_fetch_and_add(&st->charge_reclaimed, reclaimed);
	if (prio_giveback)
		giveback_owe(group, prio, domain, reclaimed);
}

/*
 * A refault: @folio, charged to the faulting task's group, comes back
 * from swap or the page cache's shadow (memory.stat's workingset_refault_*).
 * Every one counts towards thrashing (prio_thrashing()), not only those
 * the kernel activates: it activates a refault only if the page would
 * have stayed with the memory of the refaulting memcg's own LRUs, and a
 * group whose working set needs what a lower group holds refaults from
 * further back than that (CI, 2026-12-07: high refaulted its 96M sweep
 * without an activation, 1 refault counted).  Refaults happen only after
 * reclaim took the pages: the watch costs nothing while memory is plenty.
 */
SEC("fexit/workingset_refault")
int BPF_PROG(prio_refault, struct folio *folio, void *shadow)
{
	struct task_struct *task = bpf_get_current_task_btf();
	const struct prio_group_cfg *cfg;
	struct prio_group_state *st;
	__u64 now, n;
	__u32 group;

	group = group_of_cgroup(BPF_CORE_READ(task, cgroups, dfl_cgrp));
	if (group >= PRIO_MAX_GROUPS || group >= prio_nr_groups)
		return 0;
	cfg = group_cfg(group);
	st = bpf_map_lookup_elem(&group_state, &group);
	if (!st)
		return 0;
	stat_add(group, PRIO_STAT_REFAULTS, 1);
	now = bpf_ktime_get_ns();
	if (now - st->refault_window_ns >= PRIO_THRASH_WINDOW_NS) {
		st->refault_window_ns = now;
		st->refault_window = 0;
	}
	n = __sync_add_and_fetch(&st->refault_window, 1);
	if (prio_thrashing(cfg, n))
		st->thrashing_until_ns = now + (__u64)cfg->hold_ms * PRIO_NS_PER_MS;
	return 0;
}

SEC("fexit/try_to_free_mem_cgroup_pages")
int BPF_PROG(prio_reclaim_exit, struct mem_cgroup *memcg,
	     unsigned long nr_pages, gfp_t gfp_mask,
	     unsigned int reclaim_options)
{
	__u32 tid = current_tid();
	struct reclaim_ctx *rc;
	__u64 reclaimed = 0;

	/* Not a parameter: 7.2 has a fifth argument (swappiness). */
	bpf_get_func_ret(ctx, &reclaimed);
	rc = bpf_map_lookup_elem(&reclaim_ctx, &tid);
	if (rc && !rc->proactive && !rc->policy)
		charge_reclaimed(rc->target_id, rc->target_level, rc->cause,
				 reclaimed);
	bpf_map_delete_elem(&reclaim_ctx, &tid);
	if (reclaim_options & PRIO_MEMCG_RECLAIM_PROACTIVE) {
		/* No vmpressure() for memory.reclaim: proves nothing. */
		gstat_inc(PRIO_GSTAT_PROACTIVE);
		bpf_map_delete_elem(&source_heard, &tid);
		return 0;
	}
	reclaim_done(reclaimed);
	return 0;
}

/* --- The pages: one of these, picked by the loader ------------------------ */

SEC("fentry/vmpressure")
int BPF_PROG(prio_vmpressure, gfp_t gfp, int order, struct mem_cgroup *memcg,
	     bool tree, unsigned long scanned, unsigned long reclaimed)
{
	/* tree: the target's whole subtree again, after its memcgs. */
	if (source_report(PRIO_SOURCE_VMPRESSURE) && !tree && memcg && scanned)
		account_reclaim(memcg, scanned, reclaimed);
	return 0;
}

/* vmpressure() before it took the allocation order. */
SEC("fentry/vmpressure")
int BPF_PROG(prio_vmpressure_noorder, gfp_t gfp, struct mem_cgroup *memcg,
	     bool tree, unsigned long scanned, unsigned long reclaimed)
{
	if (source_report(PRIO_SOURCE_VMPRESSURE_NOORDER) && !tree && memcg &&
	    scanned)
		account_reclaim(memcg, scanned, reclaimed);
	return 0;
}

/*
 * TEST ONLY (MEMCG_PRIO_SOURCE=test-silent): vmpressure() as if it never
 * fired on cgroup v2, for the tests of the silent-source fallback.
 */
SEC("fentry/vmpressure")
int BPF_PROG(prio_test_silent)
{
	return 0;
}

SEC("tp_btf/mod_memcg_lruvec_state")
int BPF_PROG(prio_lruvec_state, struct mem_cgroup *memcg, int item, long val)
{
	/* Hot path: PGSCAN_* and PGSTEAL_* are two runs of members. */
	if (item >= ENUM_VAL(enum node_stat_item, PGSCAN_KSWAPD) &&
	    item <= ENUM_VAL(enum node_stat_item, PGSCAN_PROACTIVE)) {
		if (val > 0 &&
		    item != ENUM_VAL(enum node_stat_item, PGSCAN_PROACTIVE) &&
		    source_report(PRIO_SOURCE_LRUVEC))
			account_reclaim(memcg, val, 0);
	} else if (item >= ENUM_VAL(enum node_stat_item, PGSTEAL_KSWAPD) &&
		   item <= ENUM_VAL(enum node_stat_item, PGSTEAL_PROACTIVE)) {
		if (val > 0 &&
		    item != ENUM_VAL(enum node_stat_item, PGSTEAL_PROACTIVE) &&
		    source_report(PRIO_SOURCE_LRUVEC))
			account_reclaim(memcg, 0, val);
	}
	return 0;
}

/*
 * The shrink fallback: what one shrink of one memcg's LRUs scanned and
 * reclaimed, from the scan_control before and after, as vmscan computes
 * vmpressure()'s arguments (without the slab shrinking that follows it).
 * shrink_lruvec() covers the classic LRU and MGLRU's memcg reclaim, which
 * it hands to try_to_shrink_lruvec(); that one alone sees MGLRU's global
 * reclaim.  The outermost of the two counts (depth).  Standby costs one
 * array lookup per shrink, inside reclaim only.
 */
struct shrink_start {
	__u64 scanned, reclaimed;
	__u32 depth;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct shrink_start);
} shrink_start SEC(".maps");

static void shrink_enter(struct scan_control *sc)
{
	struct prio_source_state *ss = source_state_get();
	struct shrink_start st = { .depth = 1 }, *cur;
	__u32 tid;

	if (!ss)
		return;
	if (ss->active != PRIO_SOURCE_SHRINK) {
		/* Standby: counted, so that the tests see it attached. */
		gstat_inc(PRIO_GSTAT_INACTIVE_REPORTS);
		return;
	}
	tid = current_tid();
	cur = bpf_map_lookup_elem(&shrink_start, &tid);
	if (cur) {
		cur->depth++;
		return;
	}
	st.scanned = BPF_CORE_READ(sc, nr_scanned);
	st.reclaimed = BPF_CORE_READ(sc, nr_reclaimed);
	if (bpf_map_update_elem(&shrink_start, &tid, &st, BPF_NOEXIST))
		gstat_inc(PRIO_GSTAT_NO_CONTEXT);
}

static void shrink_exit(struct lruvec *lruvec, struct scan_control *sc)
{
	struct mem_cgroup_per_node *pn;
	struct shrink_start *st;
	__u64 scanned, reclaimed;
	__u32 tid = current_tid();

	st = bpf_map_lookup_elem(&shrink_start, &tid);
	if (!st)
		return;		/* entered before the switch */
	if (st->depth > 1) {
		st->depth--;
		return;
	}
	scanned = BPF_CORE_READ(sc, nr_scanned) - st->scanned;
	reclaimed = BPF_CORE_READ(sc, nr_reclaimed) - st->reclaimed;
	bpf_map_delete_elem(&shrink_start, &tid);
	/* No vmpressure() for proactive reclaim either; a new priority
	 * round zeroes nr_scanned only between shrinks. */
	if (BPF_CORE_READ_BITFIELD_PROBED(sc, proactive) ||
	    !source_report(PRIO_SOURCE_SHRINK) || !scanned ||
	    (long)scanned < 0)
		return;
	pn = (void *)lruvec - bpf_core_field_offset(struct mem_cgroup_per_node,
						    lruvec);
	account_reclaim(BPF_CORE_READ(pn, memcg), scanned, reclaimed);
}

SEC("fentry/shrink_lruvec")
int BPF_PROG(prio_shrink_enter, struct lruvec *lruvec, struct scan_control *sc)
{
	shrink_enter(sc);
	return 0;
}

SEC("fexit/shrink_lruvec")
int BPF_PROG(prio_shrink_exit, struct lruvec *lruvec, struct scan_control *sc)
{
	shrink_exit(lruvec, sc);
	return 0;
}

SEC("fentry/try_to_shrink_lruvec")
int BPF_PROG(prio_shrink_gen_enter, struct lruvec *lruvec,
	     struct scan_control *sc)
{
	shrink_enter(sc);
	return 0;
}

SEC("fexit/try_to_shrink_lruvec")
int BPF_PROG(prio_shrink_gen_exit, struct lruvec *lruvec,
	     struct scan_control *sc)
{
	shrink_exit(lruvec, sc);
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
	    item <= ENUM_VAL(enum vm_event_item___vm, PGSCAN_KHUGEPAGED___vm)) {
		if (source_report(PRIO_SOURCE_EVENTS))
			account_reclaim(memcg, val, 0);
	} else if (item >= ENUM_VAL(enum vm_event_item___vm, PGSTEAL_KSWAPD___vm) &&
		   item <= ENUM_VAL(enum vm_event_item___vm, PGSTEAL_KHUGEPAGED___vm)) {
		if (source_report(PRIO_SOURCE_EVENTS))
			account_reclaim(memcg, 0, val);
	}
	return 0;
}

/* --- Throttling ----------------------------------------------------------- */

/* Is @cgrp the cgroup of domain @d or below it? */
static bool in_domain(struct cgroup *cgrp, const struct prio_domain_state *d)
{
	__u32 level = BPF_CORE_READ(cgrp, level);

	if (d->cgroup_level > level)
		return false;
	return ancestor_id(cgrp, d->cgroup_level) == d->cgroup_id;
}

/* A domain of @st pressed at @now that contains @cgrp, or NULL. */
static struct prio_domain_state *pressing_domain(struct prio_group_state *st,
						 struct cgroup *cgrp, __u64 now)
{
	int i;

	for (i = 0; i < PRIO_MAX_DOMAINS; i++) {
		struct prio_domain_state *d = &st->domains[i];

		if (d->cgroup_id && d->pressured_until_ns > now &&
		    in_domain(cgrp, d))
			return d;
	}
	return NULL;
}

/*
 * No starvation: is @group, about to be throttled, under relief, or did it
 * just reach a bound (throttle_max_ms, throttle_max_share)?  Then its
 * throttling ends here.
 */
static bool spared(const struct prio_group_cfg *cfg, __u32 group,
		   struct prio_group_state *mine, __u64 now)
{
	__u32 v = prio_bound_check(cfg, &mine->bound, now);

	if (v == PRIO_BOUND_OK)
		return false;
	stat_add(group, v == PRIO_BOUND_RELIEF ? PRIO_STAT_SPARED :
			v == PRIO_BOUND_HIT_SHARE ? PRIO_STAT_BOUND_SHARE :
			PRIO_STAT_BOUND_CONTINUOUS, 1);
	if (mine->throttle_onset_ns > mine->throttle_end_ns)
		mine->throttle_end_ns = now;
	return true;
}

/*
 * The search of prio_pages_over_high() for a group that presses @group,
 * a bpf_loop() callback (see struct lower_walk): the groups of higher
 * priority come first in the config.
 */
struct presser_walk {
	__u64 cgrp;		/* the charged memcg's cgroup, read with CO-RE */
	__u64 now;
	__u64 domain;		/* cgroup id of the domain it presses in */
	__u32 prio;		/* priority of the charged group */
	__u32 presser;		/* PRIO_MAX_GROUPS: none found */
	__u32 severity;		/* of that domain's last pressured window */
	__u32 cause;		/* enum prio_cause of that domain */
	__u32 elsewhere;	/* a higher group is pressed, in another domain */
	__u32 pad;
};

/*
 * How much of @memcg's memory, in pages, its protection keeps from the
 * reclaim of the domain whose cgroup is @domain: memory.low (or
 * memory.min, the larger) protects there only as far as every cgroup from
 * @memcg up to the domain's child has it too, so the smallest on the way
 * bounds it (memory.low's effective protection, before any sharing out).
 * The kernel's over-high pass keeps only the protection worked out from
 * the root (patch 0004), none where the domain's own memory.low is 0.
 */
static __u64 protection_in(struct mem_cgroup *memcg, __u64 domain)
{
	__u64 floor = ~0ULL, low, min;
	int i;

	for (i = 0; i < PRIO_MAX_DEPTH && memcg; i++) {
		if (cgroup_id_of(BPF_CORE_READ(memcg, css.cgroup)) == domain)
			break;
		low = BPF_CORE_READ(memcg, memory.low);
		min = BPF_CORE_READ(memcg, memory.min);
		if (min > low)
			low = min;
		if (low < floor)
			floor = low;
		/* css is the first member of struct mem_cgroup. */
		memcg = (struct mem_cgroup *)BPF_CORE_READ(memcg, css.parent);
	}
	return floor == ~0ULL ? 0 : floor;
}

static long find_presser(__u64 i, void *data)
{
	struct presser_walk *w = data;
	struct prio_group_state *st;
	struct prio_domain_state *d;
	__u32 idx = i;

	if (i >= PRIO_MAX_GROUPS || prio_groups[i].priority <= w->prio)
		return 1;
	st = bpf_map_lookup_elem(&group_state, &idx);
	if (!st || st->pressured_until_ns <= w->now)
		return 0;
	d = pressing_domain(st, (struct cgroup *)w->cgrp, w->now);
	if (!d) {
		w->elsewhere = 1;
		return 0;
	}
	w->presser = idx;
	w->domain = d->cgroup_id;
	w->severity = d->severity;
	w->cause = d->cause;
	return 1;
}

SEC("struct_ops/memcg_nr_pages_over_high")
unsigned int BPF_PROG(prio_pages_over_high, struct mem_cgroup *memcg)
{
	struct presser_walk w = { .presser = PRIO_MAX_GROUPS };
	const struct prio_group_cfg *cfg;
	struct prio_group_state *mine;
	__u32 group, pages, tid;
	__u64 now, usage, floor;

	group = group_of(memcg);
	if (group >= PRIO_MAX_GROUPS || group >= prio_nr_groups) {
		gstat_inc(PRIO_GSTAT_HOOK_NO_GROUP);
		return 0;
	}
	/* The cfg pointer before anything spills group: the verifier would
	 * no longer know its bound. */
	cfg = group_cfg(group);
	stat_add(group, PRIO_STAT_HOOK_CALLS, 1);

	now = bpf_ktime_get_ns();
	w.now = now;
	w.prio = cfg->priority;
	w.cgrp = (__u64)BPF_CORE_READ(memcg, css.cgroup);
	bpf_loop(prio_nr_groups, find_presser, &w, 0);
	mine = bpf_map_lookup_elem(&group_state, &group);
	if (w.presser < PRIO_MAX_GROUPS) {
		pages = prio_penalty_pages(cfg, w.severity);
		if (mine && spared(cfg, group, mine, now))
			return 0;
		/* Never below what its memory.low keeps in that domain. */
		usage = BPF_CORE_READ(memcg, memory.usage.counter);
		floor = protection_in(memcg, w.domain);
		if (usage <= floor) {
			stat_add(group, PRIO_STAT_AT_FLOOR, 1);
			return 0;
		}
		if (pages > usage - floor)
			pages = usage - floor;
		if (mine) {
			mine->throttled_by = w.presser;
			mine->throttled_domain = w.domain;
			mine->throttled_cause = w.cause;
			mine->last_throttled_ns = now;
			if (mine->throttle_onset_ns <= mine->throttle_end_ns)
				mine->throttle_onset_ns = now;
		}
		if (dry_run) {
			stat_add(group, PRIO_STAT_DRY_RUN_THROTTLED, 1);
			return 0;
		}
		stat_add(group, PRIO_STAT_THROTTLED, 1);
		stat_add(group, PRIO_STAT_PAGES_REPORTED, pages);
		tid = current_tid();
		bpf_map_update_elem(&penalized, &tid, &now, BPF_ANY);
		return pages;
	}
	if (w.elsewhere)
		stat_add(group, PRIO_STAT_NOT_IN_DOMAIN, 1);
	else
		gstat_inc(PRIO_GSTAT_HOOK_UNPRESSED);
	if (mine && mine->throttle_onset_ns > mine->throttle_end_ns)
		mine->throttle_end_ns = now;
	return 0;
}

/*
 * Reclaim for @target's limit would take the pages of @memcg.  Shield
 * them while their group is pressed in that domain and a group of lower
 * priority holds memory there.  The pass itself shows that a charge in the
 * domain wants the group's memory: unless it is memory.reclaim's or the
 * policy's own, it renews the pressure, also for a hold after it ended,
 * when a lower group that was let go comes back for the memory
 * (prio_shield_renews()).  Without it the pressure of a shielded group,
 * no longer reclaimed, would end while the lower group still pushes.
 */
SEC("struct_ops/memcg_below_low")
int BPF_PROG(prio_below_low, struct mem_cgroup *target, struct mem_cgroup *memcg)
{
	const struct prio_group_cfg *cfg;
	struct prio_domain_state *d;
	struct prio_group_state *st;
	struct reclaim_ctx *rc;
	__u64 domain, now, hold;
	__u32 group, prio, tid;
	int i;

	group = group_of(memcg);
	if (group >= PRIO_MAX_GROUPS || group >= prio_nr_groups || dry_run)
		return 0;
	/* Before the lookup spills group (see prio_pages_over_high()). */
	cfg = group_cfg(group);
	prio = cfg->priority;
	hold = (__u64)cfg->hold_ms * PRIO_NS_PER_MS;
	st = bpf_map_lookup_elem(&group_state, &group);
	if (!st)
		return 0;
	now = bpf_ktime_get_ns();
	domain = cgroup_id_of(BPF_CORE_READ(target, css.cgroup));
	for (i = 0; i < PRIO_MAX_DOMAINS; i++) {
		d = &st->domains[i];
		if (d->cgroup_id == domain)
			break;
	}
	if (i == PRIO_MAX_DOMAINS || !lower_groups_in(domain, prio))
		return 0;
	tid = current_tid();
	rc = bpf_map_lookup_elem(&reclaim_ctx, &tid);
	if ((!rc || (!rc->proactive && !rc->policy)) &&
	    prio_shield_renews(hold, cfg->hold_doublings, d->pressured_until_ns,
			       d->need_ns, now)) {
		pressure_on(st, d, cfg, now, d->severity);
		stat_add(group, PRIO_STAT_SHIELD_RENEWALS, 1);
	}
	if (d->pressured_until_ns <= now)
		return 0;
	stat_add(group, PRIO_STAT_SHIELDED, 1);
	return 1;
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
	.memcg_below_low = (void *)prio_below_low,
	.handle_cgroup_online = (void *)prio_cgroup_online,
	.handle_cgroup_offline = (void *)prio_cgroup_offline,
};

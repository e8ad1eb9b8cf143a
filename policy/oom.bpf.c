// SPDX-License-Identifier: GPL-2.0
/*
 * oom: the victim of an OOM comes from the lowest-priority group that can
 * give memory back to the OOM's domain.
 *
 * A bpf_oom_ops program (kernel/patches/0007), attached by the loader to
 * the root cgroup, so that the kernel asks it for every OOM: a memcg OOM
 * (a memory.max hit; oc->memcg is that memcg, "the domain") and a global
 * one (oc->memcg NULL, the domain is the whole machine).  It walks the
 * groups of the config from the lowest priority up (oom_config.order,
 * filled by the loader; equal priorities in the config's order) and skips
 * a group
 *
 * - with oom_kill = false (the last resort is the kernel's: see below);
 * - whose cgroup is not the domain's or below it: none of its memory
 *   counts against the limit that was hit;
 * - whose memory (its cgroup's usage, nested cgroups included) is at or
 *   below min_bytes (PRIO_OOM_MIN_BYTES): a kill there frees next to
 *   nothing and the OOM comes straight back;
 * - that has no task it may kill: every one at oom_score_adj -1000, a
 *   kernel thread, init, or without memory.
 *
 * In the first group left it kills the process with the largest RSS
 * (file, anon and shmem pages of its mm, the counters the kernel's own
 * badness starts from; swap and page tables are not counted) through
 * bpf_oom_kill_process(): the kernel kills it once the program returns,
 * as its own killer does (memory.oom.group, the OOM reaper,
 * memory.events, the report).  The tasks of a group are those of its
 * cgroup and every cgroup below it, except below the cgroup of another
 * group (oom_roots), which are that group's: one walk over every process
 * (the task iterator) sorts them into oom_picks by their nearest ancestor
 * that is a group's cgroup.  The walk sees a process until its parent
 * reaps it, so also one whose threads have all begun to exit while its mm
 * is still being torn down and charged; the css task iterator hides such
 * a process, and needs a sleepable program besides.  If the group already
 * has a victim that has not been reaped, the program "kills" it again,
 * which the kernel counts as handled without a new kill: its memory is on
 * the way, as the kernel's killer assumes when it finds a pending victim.
 * Without that, an OOM that came before the first victim's memory was
 * uncharged would take a second task, of a higher group if the first was
 * the lowest group's last.
 *
 * When no group is left, or the chosen kill is refused (the task exited
 * or changed meanwhile, or it is outside the allocation's cpuset), the
 * program returns 0 and the kernel's killer runs as if nothing were
 * attached.  So the policy can choose, never prevent, a kill.
 *
 * Example:
 *
 *	/sys/fs/cgroup/t          memory.max = 160M
 *	+- high    group "high", priority 100, 140M
 *	+- low     group "low",  priority 0,    40M
 *	|  +- job  counts for "low"
 *	+- keep    group "keep", priority 0, oom_kill = false
 *
 * An OOM at t's limit: "low" is the lowest group, inside t, over 4 MiB:
 * its largest process dies, although "high" is bigger.  An OOM at a
 * memory.max of t/high itself: only "high" is inside that domain, and its
 * largest process dies, as the kernel would have chosen.  An OOM at a
 * memory.max of t/low/job: no group's cgroup is inside that domain, so
 * the kernel chooses.
 *
 * Invariants: a task of a higher group is never chosen while a lower group
 * in the domain with oom_kill = true holds more than min_bytes and has a
 * task it may kill; the program never sleeps (the kernel refuses a
 * sleepable bpf_oom_ops program: an OOM can come with mmap_lock held, and
 * the kill happens after the program); every early exit leaves a counter
 * in oom_state saying why (declined, not_in_domain, per group small,
 * unkillable, failed).
 *
 * Known failure modes: a chosen task that exits before the kernel kills
 * it is counted in oom_state as killed, while the kernel's killer (or the
 * next OOM) resolves the OOM; RSS is read from the mm's percpu counters without
 * summing the per-CPU deltas (the kernel's badness does the same); usage
 * of a group's cgroup includes groups nested in it, so a lower group
 * holding little of its own above a big nested group is not skipped as
 * small; a process whose leader thread has exited while others run has
 * no mm to read there and is not chosen (the kernel's badness looks at
 * every thread); a process more than PRIO_OOM_MAX_DEPTH cgroup levels below its
 * group's cgroup counts for no group; the walk costs one step per process
 * of the machine (the kernel's own killer walks them all too); a global OOM
 * constrained by a cpuset or mempolicy may find the chosen task outside
 * it (the kill is refused: the kernel decides).
 */
#include "policy/bpf-vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "policy/oom.h"

char _license[] SEC("license") = "GPL";

/* The struct_ops type, as prio.bpf.c declares memcg_bpf_ops: matched by
 * name at load time, so that the object builds against any BTF. */
struct bpf_oom_ops___prio {
	int (*handle_out_of_memory)(struct oom_control *oc, struct cgroup *cgrp);
	char name[64];
};

/* The kfuncs (no prototypes in BTF from pahole < 1.26). */
struct cgroup *bpf_cgroup_from_id(u64 cgid) __ksym;
struct cgroup *bpf_cgroup_ancestor(struct cgroup *cgrp, int level) __ksym;
void bpf_cgroup_release(struct cgroup *cgrp) __ksym;
struct mem_cgroup *bpf_get_mem_cgroup(struct cgroup_subsys_state *css) __ksym;
void bpf_put_mem_cgroup(struct mem_cgroup *memcg) __ksym;
unsigned long bpf_mem_cgroup_usage(struct mem_cgroup *memcg) __ksym;
int bpf_iter_task_new(struct bpf_iter_task *it, struct task_struct *task,
		      unsigned int flags) __ksym;
struct task_struct *bpf_iter_task_next(struct bpf_iter_task *it) __ksym;
void bpf_iter_task_destroy(struct bpf_iter_task *it) __ksym;
struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
void bpf_task_release(struct task_struct *p) __ksym;
int bpf_oom_kill_process(struct oom_control *oc, struct task_struct *task,
			 const char *message__str) __ksym;
int bpf_task_is_oom_victim(struct task_struct *task) __ksym;

/* include/linux/sched.h, include/uapi/linux/oom.h and the anonymous enum
 * of include/linux/mm_types_task.h: not in BTF as names. */
#define PF_KTHREAD		0x00200000u
#define OOM_SCORE_ADJ_MIN	(-1000)
#define MM_FILEPAGES		0
#define MM_ANONPAGES		1
#define MM_SHMEMPAGES		3

#define OOM_MSG_LEN		(PRIO_NAME_LEN + 16)

/*
 * "memcg-prio: NAME" of each group, by config index: the message of
 * bpf_oom_kill_process() must be a constant string of a read-only map.
 * Set by the loader between open and load.
 */
const volatile char oom_msgs[PRIO_MAX_GROUPS][OOM_MSG_LEN];

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct prio_oom_config);
} oom_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct prio_oom_state);
} oom_state SEC(".maps");

/* Cgroup id of each group's cgroup -> config index (filled by the loader):
 * tells a nested group's cgroups from those of the group around it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PRIO_MAX_GROUPS);
	__type(key, __u64);
	__type(value, __u32);
} oom_roots SEC(".maps");

/* The best victim of one group, while its tasks are walked. */
struct pick {
	__s32 pid;		/* largest RSS, not a victim yet; 0: none */
	__s32 pending;		/* a victim not reaped yet; 0: none */
	__u64 rss;
};

/* Config index -> the group's pick in the OOM being handled (oom_lock
 * serialises the handler). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PRIO_MAX_GROUPS);
	__type(key, __u32);
	__type(value, struct pick);
} oom_picks SEC(".maps");

/* The OOM's domain: its memcg's cgroup, or none (id 0) for a global OOM. */
struct domain {
	__u64 id;
	int level;
};

enum verdict {
	V_SKIP,			/* nothing to kill in this group: next one up */
	V_DONE,			/* killed, or waiting for a victim: handled */
	V_FALLBACK,		/* a kill was refused: the kernel decides */
};

static __always_inline __u64 task_rss_pages(struct task_struct *t,
					    struct mm_struct *mm)
{
	__s64 f = BPF_CORE_READ(mm, rss_stat[MM_FILEPAGES].count);
	__s64 a = BPF_CORE_READ(mm, rss_stat[MM_ANONPAGES].count);
	__s64 s = BPF_CORE_READ(mm, rss_stat[MM_SHMEMPAGES].count);

	/* Per-CPU deltas not folded in can make a counter negative. */
	return (f > 0 ? f : 0) + (a > 0 ? a : 0) + (s > 0 ? s : 0);
}

/* A process of the group: a candidate if the kernel would let it die. */
static __always_inline void consider(struct task_struct *t, struct pick *pk)
{
	struct mm_struct *mm = t->mm;
	__u64 rss;

	if ((t->flags & PF_KTHREAD) || t->tgid == 1 ||
	    BPF_CORE_READ(t, signal, oom_score_adj) == OOM_SCORE_ADJ_MIN)
		return;
	/* Before the mm test: a victim may have dropped its mm while its
	 * memory is still charged (the kernel still counts it pending). */
	if (bpf_task_is_oom_victim(t)) {
		pk->pending = t->tgid;
		return;
	}
	if (!mm)
		return;
	rss = task_rss_pages(t, mm);
	if (!pk->pid || rss > pk->rss) {
		pk->pid = t->tgid;
		pk->rss = rss;
	}
}

/* The config index of task t's group: its nearest cgroup, going up, that
 * is a group's; -1 if none within PRIO_OOM_MAX_DEPTH levels. */
static __always_inline int group_of(struct task_struct *t)
{
	struct cgroup *c = BPF_CORE_READ(t, cgroups, dfl_cgrp);
	__u32 *idx;
	__u64 id;
	int d;

	bpf_for(d, 0, PRIO_OOM_MAX_DEPTH) {
		if (!c)
			return -1;
		id = BPF_CORE_READ(c, kn, id);
		idx = bpf_map_lookup_elem(&oom_roots, &id);
		if (idx)
			return *idx;
		c = BPF_CORE_READ(c, self.parent, cgroup);
	}
	return -1;
}

/* One walk over every process: the pick of each group in oom_picks. */
static __always_inline void collect_picks(void)
{
	struct task_struct *t;
	struct pick *pk;
	__u32 i;
	int idx;

	bpf_for(i, 0, PRIO_MAX_GROUPS) {
		pk = bpf_map_lookup_elem(&oom_picks, &i);
		if (pk)
			__builtin_memset(pk, 0, sizeof(*pk));
	}
	bpf_for_each(task, t, NULL, BPF_TASK_ITER_ALL_PROCS) {
		idx = group_of(t);
		if (idx < 0)
			continue;
		i = idx;
		pk = bpf_map_lookup_elem(&oom_picks, &i);
		if (pk)
			consider(t, pk);
	}
}

/* Is cgroup cg the domain's cgroup or below it? */
static __always_inline bool in_domain(struct cgroup *cg, const struct domain *d)
{
	struct cgroup *a;
	bool in;

	if (!d->id)
		return true;
	a = bpf_cgroup_ancestor(cg, d->level);
	if (!a)
		return false;
	in = a->kn->id == d->id;
	bpf_cgroup_release(a);
	return in;
}

static __always_inline __u64 usage_of(struct cgroup *cg)
{
	struct mem_cgroup *m = bpf_get_mem_cgroup(&cg->self);
	__u64 u;

	if (!m)
		return 0;
	u = bpf_mem_cgroup_usage(m);
	bpf_put_mem_cgroup(m);
	return u;
}

#define MSG_CASE(k)							\
	case k:								\
		m = (const char *)oom_msgs[k];				\
		barrier_var(m);	/* a constant per path, never a table */ \
		break;
#define MSG_CASES8(b)							\
	MSG_CASE(b) MSG_CASE(b + 1) MSG_CASE(b + 2) MSG_CASE(b + 3)	\
	MSG_CASE(b + 4) MSG_CASE(b + 5) MSG_CASE(b + 6) MSG_CASE(b + 7)

_Static_assert(PRIO_MAX_GROUPS == 64, "one MSG_CASE per group");

/* Kill task with the message of group idx: the verifier wants a constant
 * address in .rodata, not an index. */
static __always_inline int kill(struct oom_control *oc, struct task_struct *task,
				__u32 idx)
{
	const char *m;

	switch (idx) {
	MSG_CASES8(0) MSG_CASES8(8) MSG_CASES8(16) MSG_CASES8(24)
	MSG_CASES8(32) MSG_CASES8(40) MSG_CASES8(48) MSG_CASES8(56)
	default:
		return -22;	/* -EINVAL */
	}
	return bpf_oom_kill_process(oc, task, m);
}

static __always_inline void record(struct prio_oom_state *st,
				   struct task_struct *task,
				   const struct domain *d, __u32 idx,
				   __u32 reason, __u64 rss)
{
	st->kills++;
	st->last.time_ns = bpf_ktime_get_ns();
	st->last.domain_id = d->id;
	st->last.rss_pages = rss;
	st->last.pid = task->tgid;
	st->last.index = idx;
	st->last.reason = reason;
	bpf_probe_read_kernel_str(st->last.comm, sizeof(st->last.comm),
				  task->comm);
}

/* Kill pid of group idx.  0, or the kfunc's error. */
static __always_inline int kill_pid(struct oom_control *oc, __s32 pid,
				    __u32 idx, struct prio_oom_state *st,
				    const struct domain *d, __u32 reason,
				    __u64 rss, bool pending)
{
	struct task_struct *task = bpf_task_from_pid(pid);
	int ret;

	if (!task)
		return -3;	/* -ESRCH: gone meanwhile */
	ret = kill(oc, task, idx);
	if (!ret && !pending)
		record(st, task, d, idx, reason, rss);
	bpf_task_release(task);
	return ret;
}

/* Group g of the walk: kill in it, or say why not. */
static __always_inline enum verdict try_group(struct oom_control *oc,
					      const struct prio_oom_entry *g,
					      const struct domain *d,
					      __u64 min_bytes,
					      struct prio_oom_state *st,
					      __u32 *reason)
{
	struct pick pk, *found;
	__u32 idx = g->index;
	__u64 *gs, usage;
	struct cgroup *cg;

	if (idx >= PRIO_MAX_GROUPS)
		return V_SKIP;
	gs = st->group[idx];
	cg = bpf_cgroup_from_id(g->cgroup_id);
	if (!cg) {
		st->not_in_domain++;	/* removed: nothing of it can be */
		return V_SKIP;
	}
	if (!in_domain(cg, d)) {
		bpf_cgroup_release(cg);
		st->not_in_domain++;
		return V_SKIP;
	}
	usage = usage_of(cg);
	if (usage <= min_bytes) {
		bpf_cgroup_release(cg);
		gs[PRIO_OOM_STAT_SMALL]++;
		if (*reason < PRIO_OOM_REASON_LOWER_SMALL)
			*reason = PRIO_OOM_REASON_LOWER_SMALL;
		return V_SKIP;
	}
	bpf_cgroup_release(cg);
	found = bpf_map_lookup_elem(&oom_picks, &idx);
	if (!found)
		return V_SKIP;
	pk = *found;

	/* Its earlier victim first: its memory is on the way. */
	if (pk.pending &&
	    kill_pid(oc, pk.pending, idx, st, d, *reason, 0, true) == 0) {
		gs[PRIO_OOM_STAT_WAITS]++;
		return V_DONE;
	}
	if (pk.pid) {
		if (kill_pid(oc, pk.pid, idx, st, d, *reason, pk.rss,
			     false) == 0) {
			gs[PRIO_OOM_STAT_KILLS]++;
			return V_DONE;
		}
		gs[PRIO_OOM_STAT_FAILED]++;
		return V_FALLBACK;
	}
	gs[PRIO_OOM_STAT_UNKILLABLE]++;
	*reason = PRIO_OOM_REASON_LOWER_UNKILLABLE;
	return V_SKIP;
}

SEC("struct_ops/handle_out_of_memory")
int BPF_PROG(prio_oom_handle, struct oom_control *oc, struct cgroup *cgrp)
{
	__u32 zero = 0, reason = PRIO_OOM_REASON_LOWEST, n;
	struct mem_cgroup *memcg = oc->memcg;
	struct prio_oom_config *cfg;
	struct prio_oom_state *st;
	struct domain d = { 0 };
	enum verdict v = V_SKIP;
	int i;

	cfg = bpf_map_lookup_elem(&oom_config, &zero);
	st = bpf_map_lookup_elem(&oom_state, &zero);
	if (!cfg || !st)
		return 0;
	st->calls++;
	if (memcg) {
		d.id = BPF_CORE_READ(memcg, css.cgroup, kn, id);
		d.level = BPF_CORE_READ(memcg, css.cgroup, level);
	}
	n = cfg->n_groups;
	if (n)
		collect_picks();
	bpf_for(i, 0, PRIO_MAX_GROUPS) {
		const struct prio_oom_entry *g = &cfg->order[i];

		if ((__u32)i >= n)
			break;
		if (!(g->flags & PRIO_OOM_F_KILL))
			continue;
		v = try_group(oc, g, &d, cfg->min_bytes, st, &reason);
		if (v != V_SKIP)
			break;
	}
	if (v != V_DONE)
		st->declined++;
	return v == V_DONE;
}

SEC(".struct_ops.link")
struct bpf_oom_ops___prio prio_oom_ops = {
	.handle_out_of_memory = (void *)prio_oom_handle,
	.name = "memcg_prio",
};

// SPDX-License-Identifier: GPL-2.0
/*
 * Callers of bpf_memcg_reclaim() for prog_tests/memcg_reclaim_kfunc.c.  The
 * test sets cgid, nr_bytes and flags, runs a program with BPF_PROG_RUN (or
 * starts the work item and waits for wq_done) and reads result.  The
 * programs whose section starts with '?' load only when the test asks:
 * those that must be refused (a non-sleepable SYSCALL program, a SYSCALL
 * program's timer callback, an fentry program), one that names a memcg
 * without reclaiming, and the one that starts a work item.
 */
#include "policy/bpf-vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

/* vmlinux.h has no kfunc prototypes (BTF from pahole < 1.26). */
extern __s64 bpf_memcg_reclaim(struct mem_cgroup *memcg, __u64 nr_bytes,
			       __u64 flags) __ksym;
extern struct cgroup *bpf_cgroup_from_id(__u64 cgid) __ksym;
extern void bpf_cgroup_release(struct cgroup *cgrp) __ksym;
extern struct mem_cgroup *bpf_get_mem_cgroup(struct cgroup_subsys_state *css) __ksym;
extern struct mem_cgroup *bpf_get_root_mem_cgroup(void) __ksym;
extern void bpf_put_mem_cgroup(struct mem_cgroup *memcg) __ksym;
extern int bpf_wq_init(struct bpf_wq *wq, void *p__map,
		       unsigned int flags) __ksym;
extern int bpf_wq_start(struct bpf_wq *wq, unsigned int flags) __ksym;
/*
 * Weak, so that the object loads where the verifier could not take it:
 * BTF from pahole < 1.26 has no kfunc decl tags, and a resolve_btfids
 * without the series' fix then leaves this KF_IMPLICIT_ARGS kfunc with its
 * hidden argument and no _impl twin; libbpf finds the prototype
 * incompatible and leaves it unresolved.  start_reclaim_wq says so in
 * no_wq_callback.
 */
extern int bpf_wq_set_callback(struct bpf_wq *wq,
			       int (callback_fn)(void *map, int *key, void *value),
			       unsigned int flags) __weak __ksym;

/* include/uapi/linux/time.h: not in BTF. */
#define KT_CLOCK_MONOTONIC 1
/* The result for a cgroup id that names no cgroup. */
#define KT_NO_CGROUP (-2)	/* -ENOENT */

__u64 cgid;
__u64 nr_bytes;
__u64 flags;
__s64 result;
__u32 wq_done;			/* the work item ran */
__u32 no_wq_callback;		/* bpf_wq_set_callback is not there */

static __s64 reclaim_cgroup(__u64 id, __u64 bytes, __u64 fl)
{
	struct mem_cgroup *memcg;
	struct cgroup *cgrp;
	__s64 ret = KT_NO_CGROUP;

	cgrp = bpf_cgroup_from_id(id);
	if (!cgrp)
		return KT_NO_CGROUP;
	memcg = bpf_get_mem_cgroup(&cgrp->self);
	if (memcg) {
		ret = bpf_memcg_reclaim(memcg, bytes, fl);
		bpf_put_mem_cgroup(memcg);
	}
	bpf_cgroup_release(cgrp);
	return ret;
}

SEC("syscall")
int reclaim(void *ctx)
{
	result = reclaim_cgroup(cgid, nr_bytes, flags);
	return 0;
}

SEC("syscall")
int reclaim_root(void *ctx)
{
	struct mem_cgroup *root = bpf_get_root_mem_cgroup();

	if (!root)
		return 1;
	result = bpf_memcg_reclaim(root, nr_bytes, flags);
	bpf_put_mem_cgroup(root);
	return 0;
}

/* reclaim's twin without the kfunc: what a task without CAP_SYS_ADMIN may load. */
SEC("?syscall")
int lookup_only(void *ctx)
{
	struct mem_cgroup *memcg;
	struct cgroup *cgrp;

	cgrp = bpf_cgroup_from_id(cgid);
	if (!cgrp)
		return 1;
	memcg = bpf_get_mem_cgroup(&cgrp->self);
	if (memcg)
		bpf_put_mem_cgroup(memcg);
	bpf_cgroup_release(cgrp);
	return 0;
}

/*
 * reclaim again, in a section libbpf does not know: the test makes it a
 * SYSCALL program, without the sleepable flag that SEC("syscall") sets.
 * The kernel refuses such a program whatever it calls.
 */
SEC("?kt_syscall_not_sleepable")
int reclaim_not_sleepable(void *ctx)
{
	result = reclaim_cgroup(cgid, nr_bytes, flags);
	return 0;
}

/* A SYSCALL program's bpf_timer callback: softirq, not sleepable. */
struct reclaim_timer {
	struct bpf_timer timer;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, struct reclaim_timer);
} timers SEC(".maps");

static int reclaim_timer_fn(void *map, int *key, void *value)
{
	result = reclaim_cgroup(cgid, nr_bytes, flags);
	return 0;
}

SEC("?syscall")
int reclaim_from_timer(void *ctx)
{
	struct reclaim_timer *t;
	int key = 0;

	t = bpf_map_lookup_elem(&timers, &key);
	if (!t)
		return 1;
	if (bpf_timer_init(&t->timer, &timers, KT_CLOCK_MONOTONIC) ||
	    bpf_timer_set_callback(&t->timer, reclaim_timer_fn) ||
	    bpf_timer_start(&t->timer, 0, 0))
		return 2;
	return 0;
}

SEC("?fentry/try_to_free_mem_cgroup_pages")
int BPF_PROG(reclaim_fentry, struct mem_cgroup *memcg, unsigned long nr_pages)
{
	result = reclaim_cgroup(cgid, nr_bytes, flags);
	return 0;
}

struct reclaim_work {
	struct bpf_wq wq;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, struct reclaim_work);
} works SEC(".maps");

/* The work item: a kworker, sleepable. */
static int reclaim_work_fn(void *map, int *key, void *value)
{
	result = reclaim_cgroup(cgid, nr_bytes, flags);
	__sync_fetch_and_add(&wq_done, 1);
	return 0;
}

SEC("?syscall")
int start_reclaim_wq(void *ctx)
{
	struct reclaim_work *work;
	int key = 0;

	if (!bpf_ksym_exists(bpf_wq_set_callback)) {
		no_wq_callback = 1;
		return 0;
	}
	work = bpf_map_lookup_elem(&works, &key);
	if (!work)
		return 1;
	if (bpf_wq_init(&work->wq, &works, 0))
		return 2;
	if (bpf_wq_set_callback(&work->wq, reclaim_work_fn, 0))
		return 3;
	if (bpf_wq_start(&work->wq, 0))
		return 4;
	return 0;
}

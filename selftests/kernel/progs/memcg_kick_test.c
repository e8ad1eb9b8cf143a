// SPDX-License-Identifier: GPL-2.0
/*
 * Callers of bpf_memcg_kick() for prog_tests/memcg_kick_kfunc.c.  The test
 * sets cgid and flags, runs kick (or kick_root) with BPF_PROG_RUN and reads
 * result.  The programs whose section starts with '?' load only when the
 * test asks: a tracing program, which must be refused the kfunc.
 */
#include "policy/bpf-vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

/* vmlinux.h has no kfunc prototypes (BTF from pahole < 1.26). */
extern __s32 bpf_memcg_kick(struct mem_cgroup *memcg, __u64 flags) __ksym;
extern struct cgroup *bpf_cgroup_from_id(__u64 cgid) __ksym;
extern void bpf_cgroup_release(struct cgroup *cgrp) __ksym;
extern struct mem_cgroup *bpf_get_mem_cgroup(struct cgroup_subsys_state *css) __ksym;
extern struct mem_cgroup *bpf_get_root_mem_cgroup(void) __ksym;
extern void bpf_put_mem_cgroup(struct mem_cgroup *memcg) __ksym;

/* The result for a cgroup id that names no cgroup. */
#define KT_NO_CGROUP (-2)	/* -ENOENT */

__u64 cgid;
__u64 flags;
__s32 result;

static __s32 kick_cgroup(__u64 id, __u64 fl)
{
	struct mem_cgroup *memcg;
	struct cgroup *cgrp;
	__s32 ret = KT_NO_CGROUP;

	cgrp = bpf_cgroup_from_id(id);
	if (!cgrp)
		return KT_NO_CGROUP;
	memcg = bpf_get_mem_cgroup(&cgrp->self);
	if (memcg) {
		ret = bpf_memcg_kick(memcg, fl);
		bpf_put_mem_cgroup(memcg);
	}
	bpf_cgroup_release(cgrp);
	return ret;
}

SEC("syscall")
int kick(void *ctx)
{
	result = kick_cgroup(cgid, flags);
	return 0;
}

SEC("syscall")
int kick_root(void *ctx)
{
	struct mem_cgroup *root = bpf_get_root_mem_cgroup();

	if (!root)
		return 1;
	result = bpf_memcg_kick(root, flags);
	bpf_put_mem_cgroup(root);
	return 0;
}

SEC("?fentry/try_to_free_mem_cgroup_pages")
int BPF_PROG(kick_fentry, struct mem_cgroup *memcg, unsigned long nr_pages)
{
	result = kick_cgroup(cgid, flags);
	return 0;
}

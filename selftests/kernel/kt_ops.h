/* SPDX-License-Identifier: GPL-2.0 */
/* Loading and attaching the test memcg_bpf_ops (progs/memcg_ops_test.c). */
#ifndef MEMCG_PRIO_KT_OPS_H
#define MEMCG_PRIO_KT_OPS_H

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "memcg_ops_test.skel.h"

#ifndef BPF_F_CGROUP_FD
#error "needs the UAPI headers of the patched tree (BPF_F_CGROUP_FD)"
#endif

/*
 * N for tests that want the policy's reclaim and "bpf_high" events but
 * hardly any delay: the least one reclaim call takes (SWAP_CLUSTER_MAX; a
 * pass stops short of the lowered level by less than that), and the delay
 * grows with N against the usage: 32 pages over a usage of 8M is 16 ms a
 * batch.
 */
#define KT_PENALTY_PAGES 32
/*
 * ... from this usage on (2M), for this many armed hook calls (a charge's
 * and a return pass's each): a pass or two, a fraction of a second asleep.
 */
#define KT_PENALTY_FROM_PAGES 512
#define KT_PENALTY_RETURNS 4

/* A loaded skeleton whose pages hook returns nr_pages for target_cgid. */
struct memcg_ops_test *kt_ops_load(__u64 target_cgid, __u32 nr_pages);
/* kt_ops_load() for KT_PENALTY_PAGES from KT_PENALTY_FROM_PAGES on. */
struct memcg_ops_test *kt_ops_load_penalty(__u64 target_cgid);
/* Attach to the cgroup directory PATH; NULL with errno set on failure. */
struct bpf_link *kt_ops_attach(struct memcg_ops_test *skel, const char *path,
			       __u32 flags);
/* Attach with any flags and target fd; NULL with errno set on failure. */
struct bpf_link *kt_ops_attach_fd(struct memcg_ops_test *skel, int target_fd,
				  __u32 flags);

#endif

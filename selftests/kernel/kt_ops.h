/* SPDX-License-Identifier: GPL-2.0 */
/* Loading and attaching the test memcg_bpf_ops (memcg_ops_test.bpf.c). */
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
 * N for tests that want reclaim and "high" events but no delay: the
 * delay grows with N against the usage, and one page stays below its floor.
 */
#define KT_PENALTY_PAGES 1

/* A loaded skeleton whose pages hook returns nr_pages for target_cgid. */
struct memcg_ops_test *kt_ops_load(__u64 target_cgid, __u32 nr_pages);
/* Attach to the cgroup directory PATH; NULL with errno set on failure. */
struct bpf_link *kt_ops_attach(struct memcg_ops_test *skel, const char *path,
			       __u32 flags);
/* Attach with any flags and target fd; NULL with errno set on failure. */
struct bpf_link *kt_ops_attach_fd(struct memcg_ops_test *skel, int target_fd,
				  __u32 flags);

#endif

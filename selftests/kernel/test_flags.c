// SPDX-License-Identifier: GPL-2.0
/*
 * BPF_LINK_CREATE flags of struct_ops types that do not support cgroups
 * (patch 0001): BPF_F_CGROUP_FD is refused with EOPNOTSUPP, and any other
 * flags and target_fd are ignored, as they were before the series, so that
 * existing loaders of those types keep working.
 */
#include <linux/io_uring.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kt.h"
#include "kt_cgroup.h"
#include "other_ops_test.skel.h"

#ifndef IORING_SETUP_DEFER_TASKRUN
#define IORING_SETUP_SINGLE_ISSUER	(1U << 12)
#define IORING_SETUP_DEFER_TASKRUN	(1U << 13)
#endif

/* A ring that io_uring_bpf_ops accepts; -1 with errno set. */
static int ring_open(void)
{
	struct io_uring_params p = {
		.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
	};

	return syscall(__NR_io_uring_setup, 4, &p);
}

static struct bpf_link *attach(struct other_ops_test *skel, __u32 flags,
			       int target_fd)
{
	LIBBPF_OPTS(bpf_struct_ops_opts, opts, .flags = flags,
		    .target_fd = target_fd);

	return bpf_map__attach_struct_ops_opts(skel->maps.kt_io_ops, &opts);
}

KT_TEST(flags_other_types_unchanged, "a struct_ops type without cgroup support refuses BPF_F_CGROUP_FD (EOPNOTSUPP) and ignores other flags and target_fd")
{
	struct other_ops_test *skel;
	struct bpf_link *link;
	char cg[PATH_MAX];
	int ring, cg_fd;

	ring = ring_open();
	if (ring < 0) {
		kt_log("io_uring_setup: %s\n", strerror(errno));
		return KT_FAIL;
	}
	skel = other_ops_test__open();
	KT_ASSERT(skel);
	skel->struct_ops.kt_io_ops->ring_fd = ring;
	KT_ASSERT(!other_ops_test__load(skel));
	KT_ASSERT(!kt_cg_create("other", cg));
	cg_fd = kt_cg_open(cg);
	KT_ASSERT(cg_fd >= 0);

	errno = 0;
	link = attach(skel, BPF_F_CGROUP_FD, cg_fd);
	KT_ASSERT(!link);
	KT_ASSERT_CMP(errno, ==, EOPNOTSUPP);
	errno = 0;
	link = attach(skel, BPF_F_CGROUP_FD | BPF_F_ALLOW_OVERRIDE, cg_fd);
	KT_ASSERT(!link);
	KT_ASSERT_CMP(errno, ==, EOPNOTSUPP);

	/* As before the series: flags and target are not looked at. */
	link = attach(skel, BPF_F_ALLOW_OVERRIDE, 12345);
	KT_ASSERT(link);
	bpf_link__destroy(link);
	link = attach(skel, 0, cg_fd);
	KT_ASSERT(link);
	bpf_link__destroy(link);
	link = attach(skel, 0, 0);
	KT_ASSERT(link);
	bpf_link__destroy(link);

	close(cg_fd);
	other_ops_test__destroy(skel);
	close(ring);
	return KT_PASS;
}

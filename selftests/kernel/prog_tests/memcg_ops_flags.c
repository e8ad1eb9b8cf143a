// SPDX-License-Identifier: GPL-2.0
/*
 * BPF_LINK_CREATE flags of struct_ops types that do not support cgroups
 * (patch 0001): BPF_F_CGROUP_FD is refused with EOPNOTSUPP, and any other
 * flags and target_fd are ignored, as they were before the series, so that
 * existing loaders of those types keep working.
 */
/* Before io_uring.h: tools/include/uapi's copy (test_progs' include path)
 * uses __DECLARE_FLEX_ARRAY without including it. */
#include <linux/stddef.h>
#include <linux/io_uring.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <test_progs.h>

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

static void flags_other_types_unchanged(void)
{
	struct other_ops_test *skel;
	struct bpf_link *link;
	char cg[PATH_MAX];
	int ring, cg_fd;

	ring = ring_open();
	if (!ASSERT_OK_FD(ring, "io_uring_setup"))
		return;
	skel = other_ops_test__open();
	if (!ASSERT_OK_PTR(skel, "skel"))
		return;
	skel->struct_ops.kt_io_ops->ring_fd = ring;
	if (!ASSERT_OK(other_ops_test__load(skel), "other_ops_test__load"))
		return;
	if (!ASSERT_OK(kt_cg_create("other", cg), "kt_cg_create"))
		return;
	cg_fd = kt_cg_open(cg);
	if (!ASSERT_OK_FD(cg_fd, "cg_fd"))
		return;

	errno = 0;
	link = attach(skel, BPF_F_CGROUP_FD, cg_fd);
	if (!ASSERT_NULL(link, "link"))
		return;
	if (!ASSERT_EQ(errno, EOPNOTSUPP, "errno"))
		return;
	errno = 0;
	link = attach(skel, BPF_F_CGROUP_FD | BPF_F_ALLOW_OVERRIDE, cg_fd);
	if (!ASSERT_NULL(link, "link"))
		return;
	if (!ASSERT_EQ(errno, EOPNOTSUPP, "errno"))
		return;

	/* As before the series: flags and target are not looked at. */
	link = attach(skel, BPF_F_ALLOW_OVERRIDE, 12345);
	if (!ASSERT_OK_PTR(link, "link"))
		return;
	bpf_link__destroy(link);
	link = attach(skel, 0, cg_fd);
	if (!ASSERT_OK_PTR(link, "link"))
		return;
	bpf_link__destroy(link);
	link = attach(skel, 0, 0);
	if (!ASSERT_OK_PTR(link, "link"))
		return;
	bpf_link__destroy(link);

	close(cg_fd);
	other_ops_test__destroy(skel);
	close(ring);
}

void test_memcg_ops_flags(void)
{
	kt_subtest("flags_other_types_unchanged",
		   "a struct_ops type without cgroup support refuses BPF_F_CGROUP_FD (EOPNOTSUPP) and ignores other flags and target_fd",
		   flags_other_types_unchanged);
}

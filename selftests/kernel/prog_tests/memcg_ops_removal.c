// SPDX-License-Identifier: GPL-2.0
/*
 * Removing cgroups: an attached cgroup's removal detaches its link (poll
 * reports EPOLLHUP, link info goes empty); removing a child of an attached
 * cgroup leaves the attachment alone.  The link lives as long as the
 * cgroup, not its memcg: disabling the memory controller above it leaves
 * the link attached, without effect, until the cgroup goes.  The VM harness fails the run on any
 * KASAN, lockdep or WARN report these paths might trigger.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <test_progs.h>

#include "kt_cgroup.h"
#include "kt_ops.h"

/* css_offline runs from a work item after rmdir or "-memory": wait for it. */
static int wait_offline(struct memcg_ops_test *skel, __u64 cgid)
{
	for (int i = 0; i < 200; i++) {
		if (skel->bss->last_offline_cgid == cgid)
			return 0;
		usleep(50 * 1000);
	}
	return -1;
}

static int link_hup(struct bpf_link *link, int timeout_ms)
{
	struct pollfd pfd = { .fd = bpf_link__fd(link), .events = POLLIN };

	if (poll(&pfd, 1, timeout_ms) < 0)
		return -1;
	return !!(pfd.revents & POLLHUP);
}

static void removal_auto_detaches(void)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	struct memcg_ops_test *a;
	struct bpf_link *link;
	char cg[PATH_MAX];
	__u64 id;

	if (!ASSERT_OK(kt_cg_create("r", cg), "kt_cg_create"))
		return;
	id = kt_cg_id(cg);
	a = kt_ops_load_penalty(id);
	if (!ASSERT_OK_PTR(a, "a"))
		return;
	link = kt_ops_attach(a, cg, BPF_F_CGROUP_FD);
	if (!ASSERT_OK_PTR(link, "link"))
		return;
	if (!ASSERT_OK(kt_cg_run_alloc(cg, 8, 1), "kt_cg_run_alloc"))
		return;
	if (!ASSERT_EQ(link_hup(link, 0), 0, "link_hup"))
		return;

	if (!ASSERT_OK(kt_cg_remove(cg), "kt_cg_remove"))
		return;
	if (!ASSERT_EQ(link_hup(link, 10000), 1, "link_hup"))
		return;
	/*
	 * No check of the offline hook for id: the release of the cgroup may
	 * detach the link before the memcg goes offline (kernel/README.md).
	 */
	if (!ASSERT_OK(bpf_link_get_info_by_fd(bpf_link__fd(link), &info, &len),
		       "bpf_link_get_info_by_fd"))
		return;
	if (!ASSERT_EQ(info.struct_ops.map_id, 0, "info.struct_ops.map_id"))
		return;
	if (!ASSERT_EQ(info.struct_ops.cgroup_id, 0, "info.struct_ops.cgroup_id"))
		return;

	/* Detaching an auto-detached link is harmless. */
	bpf_link__destroy(link);

	/* The same name can be attached again. */
	if (!ASSERT_OK(kt_cg_create("r", cg), "kt_cg_create"))
		return;
	link = kt_ops_attach(a, cg, BPF_F_CGROUP_FD);
	if (!ASSERT_OK_PTR(link, "link"))
		return;
	bpf_link__destroy(link);
	memcg_ops_test__destroy(a);
}

static void removal_of_child_keeps_parent(void)
{
	struct memcg_ops_test *a;
	struct bpf_link *link;
	char p[PATH_MAX], c[PATH_MAX];
	__u64 id;

	if (!ASSERT_OK(kt_cg_create("p", p), "kt_cg_create"))
		return;
	a = kt_ops_load(0, 0);
	if (!ASSERT_OK_PTR(a, "a"))
		return;
	link = kt_ops_attach(a, p, BPF_F_CGROUP_FD);
	if (!ASSERT_OK_PTR(link, "link"))
		return;
	if (!ASSERT_OK(kt_cg_create("p/c", c), "kt_cg_create"))
		return;
	id = kt_cg_id(c);
	if (!ASSERT_OK(kt_cg_run_alloc(c, 8, 1), "kt_cg_run_alloc"))
		return;
	if (!ASSERT_OK(kt_cg_remove(c), "kt_cg_remove"))
		return;
	if (!ASSERT_OK(wait_offline(a, id), "wait_offline"))
		return;
	if (!ASSERT_GE(a->bss->offline_calls, 1, "a->bss->offline_calls"))
		return;
	if (!ASSERT_EQ(link_hup(link, 500), 0, "link_hup"))
		return;

	bpf_link__destroy(link);
	memcg_ops_test__destroy(a);
}

static void removal_with_link_closed_early(void)
{
	struct memcg_ops_test *a;
	struct bpf_link *link;
	char cg[PATH_MAX];

	if (!ASSERT_OK(kt_cg_create("e", cg), "kt_cg_create"))
		return;
	a = kt_ops_load_penalty(0);
	if (!ASSERT_OK_PTR(a, "a"))
		return;
	link = kt_ops_attach(a, cg, BPF_F_CGROUP_FD);
	if (!ASSERT_OK_PTR(link, "link"))
		return;
	if (!ASSERT_OK(kt_cg_run_alloc(cg, 8, 1), "kt_cg_run_alloc"))
		return;
	bpf_link__destroy(link);
	memcg_ops_test__destroy(a);
	if (!ASSERT_OK(kt_cg_remove(cg), "kt_cg_remove"))
		return;
}

static void removal_link_outlives_memcg(void)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	struct memcg_ops_test *a;
	struct bpf_link *link, *again;
	char m[PATH_MAX], x[PATH_MAX];
	__u64 id, calls;

	if (!ASSERT_OK(kt_cg_create("m", m), "kt_cg_create"))
		return;
	if (!ASSERT_OK(kt_cg_create("m/x", x), "kt_cg_create"))
		return;
	id = kt_cg_id(x);
	a = kt_ops_load(id, 0);
	if (!ASSERT_OK_PTR(a, "a"))
		return;
	link = kt_ops_attach(a, x, BPF_F_CGROUP_FD);
	if (!ASSERT_OK_PTR(link, "link"))
		return;
	if (!ASSERT_OK(kt_cg_run_alloc(x, 8, 1), "kt_cg_run_alloc"))
		return;
	if (!ASSERT_GT(a->bss->pages_calls, 0, "a->bss->pages_calls"))
		return;

	/* x's memcg goes offline; the cgroup and its link stay. */
	if (!ASSERT_OK(kt_cg_write(m, "cgroup.subtree_control", "-memory"), "kt_cg_write"))
		return;
	if (!ASSERT_OK(wait_offline(a, id), "wait_offline"))
		return;
	if (!ASSERT_EQ(link_hup(link, 1000), 0, "link_hup"))
		return;
	if (!ASSERT_OK(bpf_link_get_info_by_fd(bpf_link__fd(link), &info, &len),
		       "bpf_link_get_info_by_fd"))
		return;
	if (!ASSERT_NEQ(info.struct_ops.map_id, 0, "info.struct_ops.map_id"))
		return;
	if (!ASSERT_EQ(info.struct_ops.cgroup_id, id, "info.struct_ops.cgroup_id"))
		return;

	/* x charges its parent's memcg now, which has no ops. */
	calls = a->bss->pages_calls;
	if (!ASSERT_OK(kt_cg_run_alloc(x, 8, 1), "kt_cg_run_alloc"))
		return;
	if (!ASSERT_EQ(a->bss->pages_calls, calls, "a->bss->pages_calls"))
		return;
	errno = 0;
	again = kt_ops_attach(a, x, BPF_F_CGROUP_FD);
	if (!ASSERT_NULL(again, "again"))
		return;
	if (!ASSERT_EQ(errno, EINVAL, "errno"))
		return;

	/* A new memcg of x inherits from its parent, not from the old link. */
	if (!ASSERT_OK(kt_cg_write(m, "cgroup.subtree_control", "+memory"), "kt_cg_write"))
		return;
	if (!ASSERT_OK(kt_cg_run_alloc(x, 8, 1), "kt_cg_run_alloc"))
		return;
	if (!ASSERT_EQ(a->bss->pages_calls, calls, "a->bss->pages_calls"))
		return;

	/* Removing the cgroup detaches the link. */
	if (!ASSERT_OK(kt_cg_remove(x), "kt_cg_remove"))
		return;
	if (!ASSERT_EQ(link_hup(link, 10000), 1, "link_hup"))
		return;
	len = sizeof(info);
	memset(&info, 0, sizeof(info));
	if (!ASSERT_OK(bpf_link_get_info_by_fd(bpf_link__fd(link), &info, &len),
		       "bpf_link_get_info_by_fd"))
		return;
	if (!ASSERT_EQ(info.struct_ops.map_id, 0, "info.struct_ops.map_id"))
		return;
	if (!ASSERT_EQ(info.struct_ops.cgroup_id, 0, "info.struct_ops.cgroup_id"))
		return;

	bpf_link__destroy(link);
	memcg_ops_test__destroy(a);
}

void test_memcg_ops_removal(void)
{
	kt_subtest("removal_auto_detaches",
		   "rmdir of an attached cgroup detaches the link with EPOLLHUP",
		   removal_auto_detaches);
	kt_subtest("removal_of_child_keeps_parent",
		   "rmdir of an inheriting child keeps the parent's attachment",
		   removal_of_child_keeps_parent);
	kt_subtest("removal_with_link_closed_early",
		   "closing the link before rmdir leaves nothing behind",
		   removal_with_link_closed_early);
	kt_subtest("removal_link_outlives_memcg",
		   "disabling memory above an attached cgroup keeps its link, without effect, until rmdir",
		   removal_link_outlives_memcg);
}

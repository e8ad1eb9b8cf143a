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

#include "kt.h"
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

KT_TEST(removal_auto_detaches, "rmdir of an attached cgroup detaches the link with EPOLLHUP")
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	struct memcg_ops_test *a;
	struct bpf_link *link;
	char cg[PATH_MAX];
	__u64 id;

	KT_ASSERT(!kt_cg_create("r", cg));
	id = kt_cg_id(cg);
	a = kt_ops_load_penalty(id);
	KT_ASSERT(a);
	link = kt_ops_attach(a, cg, BPF_F_CGROUP_FD);
	KT_ASSERT(link);
	KT_ASSERT(!kt_cg_run_alloc(cg, 8, 1));
	KT_ASSERT_CMP(link_hup(link, 0), ==, 0);

	KT_ASSERT(!kt_cg_remove(cg));
	KT_ASSERT_CMP(link_hup(link, 10000), ==, 1);
	/*
	 * No check of the offline hook for id: the release of the cgroup may
	 * detach the link before the memcg goes offline (kernel/README.md).
	 */
	KT_ASSERT(!bpf_link_get_info_by_fd(bpf_link__fd(link), &info, &len));
	KT_ASSERT_CMP(info.struct_ops.map_id, ==, 0);
	KT_ASSERT_CMP(info.struct_ops.cgroup_id, ==, 0);

	/* Detaching an auto-detached link is harmless. */
	bpf_link__destroy(link);

	/* The same name can be attached again. */
	KT_ASSERT(!kt_cg_create("r", cg));
	link = kt_ops_attach(a, cg, BPF_F_CGROUP_FD);
	KT_ASSERT(link);
	bpf_link__destroy(link);
	memcg_ops_test__destroy(a);
	return KT_PASS;
}

KT_TEST(removal_of_child_keeps_parent, "rmdir of an inheriting child keeps the parent's attachment")
{
	struct memcg_ops_test *a;
	struct bpf_link *link;
	char p[PATH_MAX], c[PATH_MAX];
	__u64 id;

	KT_ASSERT(!kt_cg_create("p", p));
	a = kt_ops_load(0, 0);
	KT_ASSERT(a);
	link = kt_ops_attach(a, p, BPF_F_CGROUP_FD);
	KT_ASSERT(link);
	KT_ASSERT(!kt_cg_create("p/c", c));
	id = kt_cg_id(c);
	KT_ASSERT(!kt_cg_run_alloc(c, 8, 1));
	KT_ASSERT(!kt_cg_remove(c));
	KT_ASSERT(!wait_offline(a, id));
	KT_ASSERT_CMP(a->bss->offline_calls, >=, 1);
	KT_ASSERT_CMP(link_hup(link, 500), ==, 0);

	bpf_link__destroy(link);
	memcg_ops_test__destroy(a);
	return KT_PASS;
}

KT_TEST(removal_with_link_closed_early, "closing the link before rmdir leaves nothing behind")
{
	struct memcg_ops_test *a;
	struct bpf_link *link;
	char cg[PATH_MAX];

	KT_ASSERT(!kt_cg_create("e", cg));
	a = kt_ops_load_penalty(0);
	KT_ASSERT(a);
	link = kt_ops_attach(a, cg, BPF_F_CGROUP_FD);
	KT_ASSERT(link);
	KT_ASSERT(!kt_cg_run_alloc(cg, 8, 1));
	bpf_link__destroy(link);
	memcg_ops_test__destroy(a);
	KT_ASSERT(!kt_cg_remove(cg));
	return KT_PASS;
}

KT_TEST(removal_link_outlives_memcg, "disabling memory above an attached cgroup keeps its link, without effect, until rmdir")
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	struct memcg_ops_test *a;
	struct bpf_link *link, *again;
	char m[PATH_MAX], x[PATH_MAX];
	__u64 id, calls;

	KT_ASSERT(!kt_cg_create("m", m));
	KT_ASSERT(!kt_cg_create("m/x", x));
	id = kt_cg_id(x);
	a = kt_ops_load(id, 0);
	KT_ASSERT(a);
	link = kt_ops_attach(a, x, BPF_F_CGROUP_FD);
	KT_ASSERT(link);
	KT_ASSERT(!kt_cg_run_alloc(x, 8, 1));
	KT_ASSERT_CMP(a->bss->pages_calls, >, 0);

	/* x's memcg goes offline; the cgroup and its link stay. */
	KT_ASSERT(!kt_cg_write(m, "cgroup.subtree_control", "-memory"));
	KT_ASSERT(!wait_offline(a, id));
	KT_ASSERT_CMP(link_hup(link, 1000), ==, 0);
	KT_ASSERT(!bpf_link_get_info_by_fd(bpf_link__fd(link), &info, &len));
	KT_ASSERT_CMP(info.struct_ops.map_id, !=, 0);
	KT_ASSERT_CMP(info.struct_ops.cgroup_id, ==, id);

	/* x charges its parent's memcg now, which has no ops. */
	calls = a->bss->pages_calls;
	KT_ASSERT(!kt_cg_run_alloc(x, 8, 1));
	KT_ASSERT_CMP(a->bss->pages_calls, ==, calls);
	errno = 0;
	again = kt_ops_attach(a, x, BPF_F_CGROUP_FD);
	KT_ASSERT(!again);
	KT_ASSERT_CMP(errno, ==, EINVAL);

	/* A new memcg of x inherits from its parent, not from the old link. */
	KT_ASSERT(!kt_cg_write(m, "cgroup.subtree_control", "+memory"));
	KT_ASSERT(!kt_cg_run_alloc(x, 8, 1));
	KT_ASSERT_CMP(a->bss->pages_calls, ==, calls);

	/* Removing the cgroup detaches the link. */
	KT_ASSERT(!kt_cg_remove(x));
	KT_ASSERT_CMP(link_hup(link, 10000), ==, 1);
	len = sizeof(info);
	memset(&info, 0, sizeof(info));
	KT_ASSERT(!bpf_link_get_info_by_fd(bpf_link__fd(link), &info, &len));
	KT_ASSERT_CMP(info.struct_ops.map_id, ==, 0);
	KT_ASSERT_CMP(info.struct_ops.cgroup_id, ==, 0);

	bpf_link__destroy(link);
	memcg_ops_test__destroy(a);
	return KT_PASS;
}

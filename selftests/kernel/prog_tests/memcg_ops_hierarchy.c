// SPDX-License-Identifier: GPL-2.0
/*
 * Hierarchy rules: ops apply to the subtree and to children created later;
 * one ops per memcg; BPF_F_ALLOW_OVERRIDE lets a subtree override inherited
 * ops, nothing else does (-EBUSY); detaching restores the parent's ops.
 * Which ops served a cgroup is read from each instance's hook call count.
 */
#include <test_progs.h>

#include "kt_cgroup.h"
#include "kt_ops.h"

/* Only the call counts matter here, except where high events are checked. */
#define PENALTY_PAGES 0

/* Run an allocation in CG and report whether SKEL's pages hook served it. */
static int served_by(struct memcg_ops_test *skel, const char *cg)
{
	__u64 before = skel->bss->pages_calls;

	if (kt_cg_run_alloc(cg, 4, 1))
		return -1;
	return skel->bss->pages_calls > before;
}

static void hier_child_created_later_inherits(void)
{
	struct memcg_ops_test *a;
	struct bpf_link *link;
	char p[PATH_MAX], c[PATH_MAX], g[PATH_MAX];

	if (!ASSERT_OK(kt_cg_create("p", p), "kt_cg_create"))
		return;
	a = kt_ops_load(0, PENALTY_PAGES);
	if (!ASSERT_OK_PTR(a, "a"))
		return;
	link = kt_ops_attach(a, p, BPF_F_CGROUP_FD);
	if (!ASSERT_OK_PTR(link, "link"))
		return;

	if (!ASSERT_OK(kt_cg_create("p/c", c), "kt_cg_create"))
		return;
	if (!ASSERT_GE(a->bss->online_calls, 1, "a->bss->online_calls"))
		return;
	if (!ASSERT_EQ(a->bss->last_online_cgid, kt_cg_id(c), "a->bss->last_online_cgid"))
		return;
	if (!ASSERT_OK(kt_cg_create("p/c/g", g), "kt_cg_create"))
		return;
	if (!ASSERT_EQ(a->bss->last_online_cgid, kt_cg_id(g), "a->bss->last_online_cgid"))
		return;

	a->bss->target_cgid = kt_cg_id(g);
	a->bss->nr_pages = 16;
	if (!ASSERT_EQ(served_by(a, g), 1, "served_by"))
		return;
	if (!ASSERT_GT(kt_cg_read_key(g, "memory.events", "bpf_high"), 0, "kt_cg_read_key"))
		return;

	bpf_link__destroy(link);
	memcg_ops_test__destroy(a);
}

static void hier_existing_children_covered(void)
{
	struct memcg_ops_test *a;
	struct bpf_link *link;
	char p[PATH_MAX], c[PATH_MAX];

	if (!ASSERT_OK(kt_cg_create("p", p), "kt_cg_create"))
		return;
	if (!ASSERT_OK(kt_cg_create("p/c", c), "kt_cg_create"))
		return;
	a = kt_ops_load(kt_cg_id(c), PENALTY_PAGES);
	if (!ASSERT_OK_PTR(a, "a"))
		return;
	link = kt_ops_attach(a, p, BPF_F_CGROUP_FD);
	if (!ASSERT_OK_PTR(link, "link"))
		return;
	if (!ASSERT_EQ(served_by(a, c), 1, "served_by"))
		return;

	bpf_link__destroy(link);
	if (!ASSERT_EQ(served_by(a, c), 0, "served_by"))
		return;
	memcg_ops_test__destroy(a);
}

static void hier_override_and_restore(void)
{
	struct memcg_ops_test *a, *b, *x;
	struct bpf_link *la, *lb, *lx;
	char base[PATH_MAX], p[PATH_MAX], c[PATH_MAX], d[PATH_MAX], q[PATH_MAX];

	if (!ASSERT_OK(kt_cg_create("p", p), "kt_cg_create"))
		return;
	if (!ASSERT_OK(kt_cg_create("p/c", c), "kt_cg_create"))
		return;
	if (!ASSERT_OK(kt_cg_create("p/d", d), "kt_cg_create"))
		return;
	if (!ASSERT_OK(kt_cg_create("q", q), "kt_cg_create"))
		return;
	snprintf(base, sizeof(base), "%s", p);
	*strrchr(base, '/') = '\0';

	a = kt_ops_load(kt_cg_id(c), PENALTY_PAGES);
	b = kt_ops_load(kt_cg_id(c), PENALTY_PAGES);
	x = kt_ops_load(0, 0);
	if (!ASSERT_TRUE(a && b && x, "a && b && x"))
		return;

	la = kt_ops_attach(a, p, BPF_F_CGROUP_FD | BPF_F_ALLOW_OVERRIDE);
	if (!ASSERT_OK_PTR(la, "la"))
		return;
	if (!ASSERT_EQ(served_by(a, c), 1, "served_by"))
		return;

	lb = kt_ops_attach(b, c, BPF_F_CGROUP_FD);
	if (!ASSERT_OK_PTR(lb, "lb"))
		return;
	if (!ASSERT_EQ(served_by(b, c), 1, "served_by"))
		return;
	if (!ASSERT_EQ(served_by(a, c), 0, "served_by"))
		return;

	/* One ops per memcg. */
	errno = 0;
	if (!ASSERT_NULL(kt_ops_attach(x, p, BPF_F_CGROUP_FD), "kt_ops_attach") ||
	    !ASSERT_EQ(errno, EBUSY, "kt_ops_attach errno"))
		return;
	errno = 0;
	if (!ASSERT_NULL(kt_ops_attach(x, c, BPF_F_CGROUP_FD), "kt_ops_attach") ||
	    !ASSERT_EQ(errno, EBUSY, "kt_ops_attach errno"))
		return;

	/*
	 * Above the attachments, as with cgroup-bpf: the tests' parent takes
	 * X, which covers its other child q but not p's subtree, whose own
	 * ops stay.
	 */
	lx = kt_ops_attach(x, base, BPF_F_CGROUP_FD);
	if (!ASSERT_OK_PTR(lx, "lx"))
		return;
	if (!ASSERT_EQ(served_by(x, q), 1, "served_by"))
		return;
	if (!ASSERT_EQ(served_by(x, d), 0, "served_by"))
		return;
	if (!ASSERT_EQ(served_by(x, c), 0, "served_by"))
		return;

	/* A sibling still runs A's ops. */
	a->bss->target_cgid = kt_cg_id(d);
	if (!ASSERT_EQ(served_by(a, d), 1, "served_by"))
		return;

	/* Detaching B gives c A's ops back. */
	a->bss->target_cgid = kt_cg_id(c);
	bpf_link__destroy(lb);
	if (!ASSERT_EQ(served_by(b, c), 0, "served_by"))
		return;
	if (!ASSERT_EQ(served_by(a, c), 1, "served_by"))
		return;

	/* Detaching A gives p's subtree X's ops, from the tests' parent. */
	bpf_link__destroy(la);
	if (!ASSERT_EQ(served_by(a, c), 0, "served_by"))
		return;
	if (!ASSERT_EQ(served_by(x, c), 1, "served_by"))
		return;
	bpf_link__destroy(lx);
	if (!ASSERT_EQ(served_by(x, q), 0, "served_by"))
		return;
	memcg_ops_test__destroy(a);
	memcg_ops_test__destroy(b);
	memcg_ops_test__destroy(x);
}

static void hier_no_override_busy(void)
{
	struct memcg_ops_test *a, *b;
	struct bpf_link *la;
	char p[PATH_MAX], c[PATH_MAX];

	if (!ASSERT_OK(kt_cg_create("p", p), "kt_cg_create"))
		return;
	if (!ASSERT_OK(kt_cg_create("p/c", c), "kt_cg_create"))
		return;
	a = kt_ops_load(0, 0);
	b = kt_ops_load(0, 0);
	if (!ASSERT_TRUE(a && b, "a && b"))
		return;
	la = kt_ops_attach(a, p, BPF_F_CGROUP_FD);
	if (!ASSERT_OK_PTR(la, "la"))
		return;
	errno = 0;
	if (!ASSERT_NULL(kt_ops_attach(b, c, BPF_F_CGROUP_FD), "kt_ops_attach") ||
	    !ASSERT_EQ(errno, EBUSY, "kt_ops_attach errno"))
		return;
	errno = 0;
	if (!ASSERT_NULL(kt_ops_attach(b, c, BPF_F_CGROUP_FD | BPF_F_ALLOW_OVERRIDE),
			 "kt_ops_attach") ||
	    !ASSERT_EQ(errno, EBUSY, "kt_ops_attach errno"))
		return;

	/* Once A is gone, the child is free. */
	bpf_link__destroy(la);
	la = kt_ops_attach(b, c, BPF_F_CGROUP_FD);
	if (!ASSERT_OK_PTR(la, "la"))
		return;
	bpf_link__destroy(la);
	memcg_ops_test__destroy(a);
	memcg_ops_test__destroy(b);
}

void test_memcg_ops_hierarchy(void)
{
	kt_subtest("hier_child_created_later_inherits",
		   "a child created after the attach inherits the ops",
		   hier_child_created_later_inherits);
	kt_subtest("hier_existing_children_covered",
		   "children existing at attach time get the ops too",
		   hier_existing_children_covered);
	kt_subtest("hier_override_and_restore",
		   "ALLOW_OVERRIDE lets a child attach; -EBUSY cases; an ancestor may attach above; detach restores",
		   hier_override_and_restore);
	kt_subtest("hier_no_override_busy",
		   "without ALLOW_OVERRIDE a descendant cannot attach (-EBUSY)",
		   hier_no_override_busy);
}

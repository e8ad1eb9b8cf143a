// SPDX-License-Identifier: GPL-2.0
/*
 * Hierarchy rules: ops apply to the subtree and to children created later;
 * one ops per memcg; BPF_F_ALLOW_OVERRIDE lets a subtree override inherited
 * ops, nothing else does (-EBUSY); detaching restores the parent's ops.
 * Which ops served a cgroup is read from each instance's hook call count.
 */
#include "kt.h"
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

KT_TEST(hier_child_created_later_inherits, "a child created after the attach inherits the ops")
{
	struct memcg_ops_test *a;
	struct bpf_link *link;
	char p[PATH_MAX], c[PATH_MAX], g[PATH_MAX];

	KT_ASSERT(!kt_cg_create("p", p));
	a = kt_ops_load(0, PENALTY_PAGES);
	KT_ASSERT(a);
	link = kt_ops_attach(a, p, BPF_F_CGROUP_FD);
	KT_ASSERT(link);

	KT_ASSERT(!kt_cg_create("p/c", c));
	KT_ASSERT_CMP(a->bss->online_calls, >=, 1);
	KT_ASSERT_CMP(a->bss->last_online_cgid, ==, kt_cg_id(c));
	KT_ASSERT(!kt_cg_create("p/c/g", g));
	KT_ASSERT_CMP(a->bss->last_online_cgid, ==, kt_cg_id(g));

	a->bss->target_cgid = kt_cg_id(g);
	a->bss->nr_pages = 16;
	KT_ASSERT_CMP(served_by(a, g), ==, 1);
	KT_ASSERT_CMP(kt_cg_read_key(g, "memory.events", "bpf_high"), >, 0);

	bpf_link__destroy(link);
	memcg_ops_test__destroy(a);
	return KT_PASS;
}

KT_TEST(hier_existing_children_covered, "children existing at attach time get the ops too")
{
	struct memcg_ops_test *a;
	struct bpf_link *link;
	char p[PATH_MAX], c[PATH_MAX];

	KT_ASSERT(!kt_cg_create("p", p));
	KT_ASSERT(!kt_cg_create("p/c", c));
	a = kt_ops_load(kt_cg_id(c), PENALTY_PAGES);
	KT_ASSERT(a);
	link = kt_ops_attach(a, p, BPF_F_CGROUP_FD);
	KT_ASSERT(link);
	KT_ASSERT_CMP(served_by(a, c), ==, 1);

	bpf_link__destroy(link);
	KT_ASSERT_CMP(served_by(a, c), ==, 0);
	memcg_ops_test__destroy(a);
	return KT_PASS;
}

KT_TEST(hier_override_and_restore, "ALLOW_OVERRIDE lets a child attach; -EBUSY cases; an ancestor may attach above; detach restores")
{
	struct memcg_ops_test *a, *b, *x;
	struct bpf_link *la, *lb, *lx;
	char base[PATH_MAX], p[PATH_MAX], c[PATH_MAX], d[PATH_MAX], q[PATH_MAX];

	KT_ASSERT(!kt_cg_create("p", p));
	KT_ASSERT(!kt_cg_create("p/c", c));
	KT_ASSERT(!kt_cg_create("p/d", d));
	KT_ASSERT(!kt_cg_create("q", q));
	snprintf(base, sizeof(base), "%s", p);
	*strrchr(base, '/') = '\0';

	a = kt_ops_load(kt_cg_id(c), PENALTY_PAGES);
	b = kt_ops_load(kt_cg_id(c), PENALTY_PAGES);
	x = kt_ops_load(0, 0);
	KT_ASSERT(a && b && x);

	la = kt_ops_attach(a, p, BPF_F_CGROUP_FD | BPF_F_ALLOW_OVERRIDE);
	KT_ASSERT(la);
	KT_ASSERT_CMP(served_by(a, c), ==, 1);

	lb = kt_ops_attach(b, c, BPF_F_CGROUP_FD);
	KT_ASSERT(lb);
	KT_ASSERT_CMP(served_by(b, c), ==, 1);
	KT_ASSERT_CMP(served_by(a, c), ==, 0);

	/* One ops per memcg. */
	KT_ASSERT_ERRNO(!kt_ops_attach(x, p, BPF_F_CGROUP_FD), EBUSY);
	KT_ASSERT_ERRNO(!kt_ops_attach(x, c, BPF_F_CGROUP_FD), EBUSY);

	/*
	 * Above the attachments, as with cgroup-bpf: the tests' parent takes
	 * X, which covers its other child q but not p's subtree, whose own
	 * ops stay.
	 */
	lx = kt_ops_attach(x, base, BPF_F_CGROUP_FD);
	KT_ASSERT(lx);
	KT_ASSERT_CMP(served_by(x, q), ==, 1);
	KT_ASSERT_CMP(served_by(x, d), ==, 0);
	KT_ASSERT_CMP(served_by(x, c), ==, 0);

	/* A sibling still runs A's ops. */
	a->bss->target_cgid = kt_cg_id(d);
	KT_ASSERT_CMP(served_by(a, d), ==, 1);

	/* Detaching B gives c A's ops back. */
	a->bss->target_cgid = kt_cg_id(c);
	bpf_link__destroy(lb);
	KT_ASSERT_CMP(served_by(b, c), ==, 0);
	KT_ASSERT_CMP(served_by(a, c), ==, 1);

	/* Detaching A gives p's subtree X's ops, from the tests' parent. */
	bpf_link__destroy(la);
	KT_ASSERT_CMP(served_by(a, c), ==, 0);
	KT_ASSERT_CMP(served_by(x, c), ==, 1);
	bpf_link__destroy(lx);
	KT_ASSERT_CMP(served_by(x, q), ==, 0);
	memcg_ops_test__destroy(a);
	memcg_ops_test__destroy(b);
	memcg_ops_test__destroy(x);
	return KT_PASS;
}

KT_TEST(hier_no_override_busy, "without ALLOW_OVERRIDE a descendant cannot attach (-EBUSY)")
{
	struct memcg_ops_test *a, *b;
	struct bpf_link *la;
	char p[PATH_MAX], c[PATH_MAX];

	KT_ASSERT(!kt_cg_create("p", p));
	KT_ASSERT(!kt_cg_create("p/c", c));
	a = kt_ops_load(0, 0);
	b = kt_ops_load(0, 0);
	KT_ASSERT(a && b);
	la = kt_ops_attach(a, p, BPF_F_CGROUP_FD);
	KT_ASSERT(la);
	KT_ASSERT_ERRNO(!kt_ops_attach(b, c, BPF_F_CGROUP_FD), EBUSY);
	KT_ASSERT_ERRNO(!kt_ops_attach(b, c, BPF_F_CGROUP_FD | BPF_F_ALLOW_OVERRIDE), EBUSY);

	/* Once A is gone, the child is free. */
	bpf_link__destroy(la);
	la = kt_ops_attach(b, c, BPF_F_CGROUP_FD);
	KT_ASSERT(la);
	bpf_link__destroy(la);
	memcg_ops_test__destroy(a);
	memcg_ops_test__destroy(b);
	return KT_PASS;
}

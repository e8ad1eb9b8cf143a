// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_oom_ops: a handler that declines or kills nothing leaves the OOM to
 * the kernel's killer; one that kills a task of its choice spares the one
 * the kernel would have killed, and the kernel log names the policy; the
 * kfunc refuses what the kernel never kills and tasks outside the OOM's
 * domain; a memcg OOM asks the ops on the way from its memcg to the root
 * and no others, a global OOM only the root's; a detach during an OOM
 * waits for the handler.  Limits: 32M for the fallback cases (a 64M hog);
 * 60M where a 24M task and a 40M hog cannot both fit but the hog fits
 * alone (a forked child also charges some 6M of the test's own pages as
 * it writes to them: with 48M and 16M, the hog alone did not fit).
 */
#include <errno.h>
#include <signal.h>
#include <sched.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <test_progs.h>

#include "kt_cgroup.h"
#include "kt_oom.h"
#include "oom_ops_sleepable.skel.h"

/*
 * Run a 64M hog in a 32M cgroup with a MODE program attached: the kernel's
 * killer must kill the hog, and no kill may carry the policy's name.
 */
static void hog_killed_by_kernel(enum kt_oom_mode mode)
{
	int code = -1, mark, mark_bpf;
	struct oom_ops_test *skel;
	struct bpf_link *link;
	char cg[PATH_MAX], line[64];
	pid_t hog;

	if (!ASSERT_OK(kt_oom_cg_create("l", 32, cg), "kt_oom_cg_create"))
		return;
	skel = kt_oom_load(mode);
	if (!ASSERT_OK_PTR(skel, "skel"))
		return;
	link = kt_oom_attach(skel, cg);
	if (!ASSERT_OK_PTR(link, "link"))
		return;
	mark = kt_kmsg_mark();
	mark_bpf = kt_kmsg_mark();
	if (!ASSERT_TRUE(mark >= 0 && mark_bpf >= 0, "mark >= 0 && mark_bpf >= 0"))
		return;

	hog = kt_oom_spawn(cg, 0, 64, false);
	if (!ASSERT_GT(hog, 0, "hog"))
		return;
	if (!ASSERT_EQ(kt_oom_wait(hog, KT_OOM_TIMEOUT_S, &code), 1, "kt_oom_wait"))
		return;

	if (!ASSERT_GE(skel->bss->calls, 1, "skel->bss->calls"))
		return;
	if (!ASSERT_EQ(skel->bss->last_oom_cgid, kt_cg_id(cg), "skel->bss->last_oom_cgid"))
		return;
	if (!ASSERT_EQ(skel->bss->last_attach_cgid, kt_cg_id(cg), "skel->bss->last_attach_cgid"))
		return;
	if (!ASSERT_EQ(skel->bss->kills, 0, "skel->bss->kills"))
		return;
	snprintf(line, sizeof(line), "Killed process %d ", hog);
	if (!ASSERT_TRUE(kt_kmsg_find(mark, "Memory cgroup out of memory: ", line), "kt_kmsg_find"))
		return;
	if (!ASSERT_OK(kt_kmsg_find(mark_bpf, "(bpf_oom_ops ", NULL), "kt_kmsg_find"))
		return;
}

static void oom_declined(void)
{
	hog_killed_by_kernel(KT_OOM_DECLINE);
	kt_oom_cleanup();
}

static void oom_claimed_without_kill(void)
{
	hog_killed_by_kernel(KT_OOM_CLAIM);
	kt_oom_cleanup();
}

static void oom_kill_chosen_body(void)
{
	struct oom_ops_test *skel;
	struct bpf_link *link;
	char cg[PATH_MAX], line[64];
	pid_t victim, hog = -1;
	int code = -1, mark;

	if (!ASSERT_OK(kt_oom_cg_create("l", 60, cg), "kt_oom_cg_create"))
		return;
	skel = kt_oom_load(KT_OOM_KILL);
	if (!ASSERT_OK_PTR(skel, "skel"))
		return;
	link = kt_oom_attach(skel, cg);
	if (!ASSERT_OK_PTR(link, "link"))
		return;
	mark = kt_kmsg_mark();
	if (!ASSERT_GE(mark, 0, "mark"))
		return;

	victim = kt_oom_spawn(cg, 0, 24, true);
	if (!ASSERT_GT(victim, 0, "victim"))
		return;
	skel->bss->victim_pid = victim;
	hog = kt_oom_spawn(cg, 0, 40, false);
	if (!ASSERT_GT(hog, 0, "hog"))
		return;

	if (!ASSERT_EQ(kt_oom_wait(victim, KT_OOM_TIMEOUT_S, &code), 1, "kt_oom_wait"))
		return;
	/* The kernel would have killed the larger hog. */
	if (!ASSERT_EQ(kt_oom_wait(hog, KT_OOM_TIMEOUT_S, &code), 0, "kt_oom_wait"))
		return;
	if (!ASSERT_EQ(code, 0, "code"))
		return;
	if (!ASSERT_GE(skel->bss->kills, 1, "skel->bss->kills"))
		return;
	if (!ASSERT_EQ(skel->bss->last_oom_cgid, kt_cg_id(cg), "skel->bss->last_oom_cgid"))
		return;
	/* No OOM had chosen it before the first call. */
	if (!ASSERT_EQ(skel->data->first_is_victim, 0, "skel->data->first_is_victim"))
		return;
	snprintf(line, sizeof(line), "Killed process %d ", victim);
	if (!ASSERT_TRUE(kt_kmsg_find(mark, KT_OOM_MESSAGE " (bpf_oom_ops "
				      KT_OOM_POLICY_NAME "): ", line),
			 "kt_kmsg_find"))
		return;
}

static void oom_kill_chosen(void)
{
	oom_kill_chosen_body();
	kt_oom_cleanup();
}

/*
 * The program asks to kill a 16M task in cgroup VICTIM_REL with
 * oom_score_adj ADJ during an OOM of the 48M cgroup "l": the kfunc must
 * fail with ERR, the task must live, and the kernel's killer must take
 * the hog.
 */
static void kill_refused(const char *victim_rel, int adj, int err)
{
	char cg[PATH_MAX], vcg[PATH_MAX];
	struct oom_ops_test *skel;
	struct bpf_link *link;
	pid_t victim, hog;
	int code = -1;

	if (!ASSERT_OK(kt_oom_cg_create("l", 48, cg), "kt_oom_cg_create"))
		return;
	if (victim_rel)
		if (!ASSERT_OK(kt_cg_create(victim_rel, vcg), "kt_cg_create"))
			return;
	skel = kt_oom_load(KT_OOM_KILL);
	if (!ASSERT_OK_PTR(skel, "skel"))
		return;
	link = kt_oom_attach(skel, cg);
	if (!ASSERT_OK_PTR(link, "link"))
		return;

	victim = kt_oom_spawn(victim_rel ? vcg : cg, adj, 16, true);
	if (!ASSERT_GT(victim, 0, "victim"))
		return;
	skel->bss->victim_pid = victim;
	hog = kt_oom_spawn(cg, 0, victim_rel ? 64 : 40, false);
	if (!ASSERT_GT(hog, 0, "hog"))
		return;

	if (!ASSERT_EQ(kt_oom_wait(hog, KT_OOM_TIMEOUT_S, &code), 1, "kt_oom_wait"))
		return;
	if (!ASSERT_GE(skel->bss->calls, 1, "skel->bss->calls"))
		return;
	if (!ASSERT_EQ(skel->bss->last_kill_ret, -err, "skel->bss->last_kill_ret"))
		return;
	if (!ASSERT_EQ(skel->bss->kills, 0, "skel->bss->kills"))
		return;
	if (!ASSERT_EQ(waitpid(victim, NULL, WNOHANG), 0, "waitpid"))
		return;
}

static void oom_kill_refuses_score_adj_min(void)
{
	kill_refused(NULL, -1000, EPERM);
	kt_oom_cleanup();
}

static void oom_kill_refuses_outside_domain(void)
{
	kill_refused("other", 0, EINVAL);
	kt_oom_cleanup();
}

static void oom_hierarchy_memcg_body(void)
{
	struct oom_ops_test *root_ops, *a_ops, *c_ops, *second;
	struct bpf_link *root_link, *a_link, *c_link;
	char a[PATH_MAX], b[PATH_MAX], c[PATH_MAX];
	int code = -1;
	pid_t hog;

	if (!ASSERT_OK(kt_cg_create("a", a), "kt_cg_create"))
		return;
	if (!ASSERT_OK(kt_oom_cg_create("a/b", 32, b), "kt_oom_cg_create"))
		return;
	if (!ASSERT_OK(kt_cg_create("c", c), "kt_cg_create"))
		return;
	root_ops = kt_oom_load(KT_OOM_DECLINE);
	a_ops = kt_oom_load(KT_OOM_DECLINE);
	c_ops = kt_oom_load(KT_OOM_DECLINE);
	if (!ASSERT_TRUE(root_ops && a_ops && c_ops, "root_ops && a_ops && c_ops"))
		return;
	root_link = kt_oom_attach(root_ops, kt_cgroup_root);
	if (!ASSERT_OK_PTR(root_link, "root_link"))
		return;
	a_link = kt_oom_attach(a_ops, a);
	if (!ASSERT_OK_PTR(a_link, "a_link"))
		return;
	c_link = kt_oom_attach(c_ops, c);
	if (!ASSERT_OK_PTR(c_link, "c_link"))
		return;
	/* One ops per cgroup. */
	second = kt_oom_load(KT_OOM_DECLINE);
	if (!ASSERT_OK_PTR(second, "second"))
		return;
	errno = 0;
	if (!ASSERT_NULL(kt_oom_attach(second, a), "kt_oom_attach") ||
	    !ASSERT_EQ(errno, EBUSY, "kt_oom_attach errno"))
		return;

	hog = kt_oom_spawn(b, 0, 64, false);
	if (!ASSERT_GT(hog, 0, "hog"))
		return;
	if (!ASSERT_EQ(kt_oom_wait(hog, KT_OOM_TIMEOUT_S, &code), 1, "kt_oom_wait"))
		return;

	if (!ASSERT_GE(a_ops->bss->calls, 1, "a_ops->bss->calls"))
		return;
	if (!ASSERT_EQ(a_ops->bss->last_oom_cgid, kt_cg_id(b), "a_ops->bss->last_oom_cgid"))
		return;
	if (!ASSERT_EQ(a_ops->bss->last_attach_cgid, kt_cg_id(a), "a_ops->bss->last_attach_cgid"))
		return;
	/* Declined below: the root's ops are asked next. */
	if (!ASSERT_EQ(root_ops->bss->calls, a_ops->bss->calls, "root_ops->bss->calls"))
		return;
	if (!ASSERT_EQ(root_ops->bss->last_oom_cgid, kt_cg_id(b), "root_ops->bss->last_oom_cgid"))
		return;
	if (!ASSERT_EQ(root_ops->bss->last_attach_cgid, kt_cg_id(kt_cgroup_root),
		       "last_attach_cgid"))
		return;
	if (!ASSERT_EQ(c_ops->bss->calls, 0, "c_ops->bss->calls"))
		return;
}

static void oom_hierarchy_memcg(void)
{
	oom_hierarchy_memcg_body();
	kt_oom_cleanup();
}

static int sysrq_oom(void)
{
	return kt_cg_write("/proc", "sysrq-trigger", "f");
}

static void oom_hierarchy_global_body(void)
{
	struct oom_ops_test *root_ops, *a_ops;
	struct bpf_link *root_link, *a_link;
	char a[PATH_MAX], s[PATH_MAX], line[64];
	int code = -1, mark;
	pid_t victim;

	if (!ASSERT_OK(kt_cg_create("a", a), "kt_cg_create"))
		return;
	if (!ASSERT_OK(kt_cg_create("s", s), "kt_cg_create"))
		return;
	/* oom_score_adj 1000: the kernel's killer would pick it too. */
	victim = kt_oom_spawn(s, 1000, 16, true);
	if (!ASSERT_GT(victim, 0, "victim"))
		return;
	root_ops = kt_oom_load(KT_OOM_KILL);
	a_ops = kt_oom_load(KT_OOM_KILL);
	if (!ASSERT_TRUE(root_ops && a_ops, "root_ops && a_ops"))
		return;
	root_ops->bss->victim_pid = victim;
	a_ops->bss->victim_pid = victim;
	root_link = kt_oom_attach(root_ops, kt_cgroup_root);
	if (!ASSERT_OK_PTR(root_link, "root_link"))
		return;
	a_link = kt_oom_attach(a_ops, a);
	if (!ASSERT_OK_PTR(a_link, "a_link"))
		return;
	mark = kt_kmsg_mark();
	if (!ASSERT_GE(mark, 0, "mark"))
		return;

	if (!ASSERT_OK(sysrq_oom(), "sysrq_oom"))
		return;
	if (!ASSERT_EQ(kt_oom_wait(victim, KT_OOM_TIMEOUT_S, &code), 1, "kt_oom_wait"))
		return;
	if (!ASSERT_EQ(root_ops->bss->calls, 1, "root_ops->bss->calls"))
		return;
	if (!ASSERT_EQ(root_ops->bss->kills, 1, "root_ops->bss->kills"))
		return;
	if (!ASSERT_EQ(root_ops->bss->last_oom_cgid, 0, "root_ops->bss->last_oom_cgid"))
		return;
	if (!ASSERT_EQ(a_ops->bss->calls, 0, "a_ops->bss->calls"))
		return;
	snprintf(line, sizeof(line), "Killed process %d ", victim);
	if (!ASSERT_TRUE(kt_kmsg_find(mark, "(bpf_oom_ops " KT_OOM_POLICY_NAME "): ", line),
			 "kt_kmsg_find"))
		return;
}

static void oom_hierarchy_global(void)
{
	oom_hierarchy_global_body();
	kt_oom_cleanup();
}

static void oom_sleepable_refused(void)
{
	struct oom_ops_sleepable *bad;
	struct oom_ops_test *ok;

	errno = 0;
	bad = oom_ops_sleepable__open_and_load();
	if (bad) {
		PRINT_FAIL("a sleepable handler was accepted\n");
		oom_ops_sleepable__destroy(bad);
		return;
	}
	if (!ASSERT_EQ(errno, EINVAL, "errno"))
		return;
	ok = oom_ops_test__open_and_load();
	if (!ASSERT_OK_PTR(ok, "ok"))
		return;
	oom_ops_test__destroy(ok);
}

/*
 * An OOM raised with mmap_lock held: a task maps 64M with MAP_POPULATE in
 * a 32M cgroup, so the charge that fails comes from mm_populate(), under
 * mmap_lock.  The handler chooses that task; it must die by the policy's
 * kill, and the kernel log must show no lock report (lockdep found
 * recursive mmap_lock locking there while the handler was sleepable).
 */
static void oom_under_mmap_lock_body(void)
{
	struct oom_ops_test *skel;
	struct bpf_link *link;
	char cg[PATH_MAX], line[64];
	int code = -1, mark, mark_warn, go = -1;
	pid_t victim;

	if (!ASSERT_OK(kt_oom_cg_create("l", 32, cg), "kt_oom_cg_create"))
		return;
	skel = kt_oom_load(KT_OOM_KILL);
	if (!ASSERT_OK_PTR(skel, "skel"))
		return;
	link = kt_oom_attach(skel, cg);
	if (!ASSERT_OK_PTR(link, "link"))
		return;
	victim = kt_oom_spawn_populate(cg, 64, &go);
	if (!ASSERT_GT(victim, 0, "victim"))
		return;
	skel->bss->victim_pid = victim;
	mark = kt_kmsg_mark();
	mark_warn = kt_kmsg_mark();
	if (!ASSERT_TRUE(mark >= 0 && mark_warn >= 0, "mark >= 0 && mark_warn >= 0"))
		return;
	if (!ASSERT_EQ(write(go, "g", 1), 1, "write"))
		return;
	close(go);

	if (!ASSERT_EQ(kt_oom_wait(victim, KT_OOM_TIMEOUT_S, &code), 1, "kt_oom_wait"))
		return;
	if (!ASSERT_GE(skel->bss->kills, 1, "skel->bss->kills"))
		return;
	snprintf(line, sizeof(line), "Killed process %d ", victim);
	if (!ASSERT_TRUE(kt_kmsg_find(mark, KT_OOM_MESSAGE " (bpf_oom_ops "
				      KT_OOM_POLICY_NAME "): ", line),
			 "kt_kmsg_find"))
		return;
	if (!ASSERT_OK(kt_kmsg_find(mark_warn, "WARNING: ", NULL), "kt_kmsg_find"))
		return;
}

static void oom_under_mmap_lock(void)
{
	oom_under_mmap_lock_body();
	kt_oom_cleanup();
}

/* Until the handler runs: 1, or 0 after TIMEOUT_S. */
static int wait_in_handler(struct oom_ops_test *skel, int timeout_s)
{
	for (long i = 0; i < timeout_s * 10000L; i++) {
		if (__atomic_load_n(&skel->bss->in_handler, __ATOMIC_ACQUIRE))
			return 1;
		usleep(100);
	}
	return 0;
}

static void oom_detach_during_oom_body(void)
{
	struct oom_ops_test *skel;
	struct bpf_link *link;
	char cg[PATH_MAX];
	int code = -1;
	pid_t hog;

	if (!ASSERT_OK(kt_oom_cg_create("l", 32, cg), "kt_oom_cg_create"))
		return;
	skel = kt_oom_load(KT_OOM_KILL);
	if (!ASSERT_OK_PTR(skel, "skel"))
		return;
	/* Keep the handler busy for a while: bpf_loop's maximum. */
	skel->bss->spin_loops = 1U << 23;
	link = kt_oom_attach(skel, cg);
	if (!ASSERT_OK_PTR(link, "link"))
		return;

	hog = kt_oom_spawn(cg, 0, 64, false);
	if (!ASSERT_GT(hog, 0, "hog"))
		return;
	skel->bss->victim_pid = hog;
	if (!ASSERT_TRUE(wait_in_handler(skel, KT_OOM_TIMEOUT_S), "wait_in_handler"))
		return;
	if (!ASSERT_OK(bpf_link__detach(link), "bpf_link__detach"))
		return;
	if (!ASSERT_EQ(__atomic_load_n(&skel->bss->in_handler, __ATOMIC_ACQUIRE), 0,
		       "__atomic_load_n"))
		return;
	if (!ASSERT_GE(skel->bss->calls, 1, "skel->bss->calls"))
		return;

	if (!ASSERT_EQ(kt_oom_wait(hog, KT_OOM_TIMEOUT_S, &code), 1, "kt_oom_wait"))
		return;
}

static void oom_detach_during_oom(void)
{
	oom_detach_during_oom_body();
	kt_oom_cleanup();
}

void test_bpf_oom_ops(void)
{
	kt_subtest("oom_declined",
		   "a handler that returns 0 leaves the OOM to the kernel's killer",
		   oom_declined);
	kt_subtest("oom_claimed_without_kill",
		   "a handler that returns 1 but kills nothing: the kernel's killer runs",
		   oom_claimed_without_kill);
	kt_subtest("oom_kill_chosen",
		   "the handler's victim dies, the kernel's choice survives, the log names the policy",
		   oom_kill_chosen);
	kt_subtest("oom_kill_refuses_score_adj_min",
		   "bpf_oom_kill_process() refuses a task with oom_score_adj -1000 (EPERM)",
		   oom_kill_refuses_score_adj_min);
	kt_subtest("oom_kill_refuses_outside_domain",
		   "bpf_oom_kill_process() refuses a task outside the OOM's memcg (EINVAL)",
		   oom_kill_refuses_outside_domain);
	kt_subtest("oom_hierarchy_memcg",
		   "a memcg OOM asks its memcg's ops and the ancestors', not a sibling's",
		   oom_hierarchy_memcg);
	kt_subtest("oom_hierarchy_global",
		   "a global OOM (sysrq f) asks the root's ops only; they kill",
		   oom_hierarchy_global);
	kt_subtest("oom_sleepable_refused",
		   "a sleepable handle_out_of_memory does not load (EINVAL); the same object non-sleepable does",
		   oom_sleepable_refused);
	kt_subtest("oom_under_mmap_lock",
		   "an OOM in mm_populate(), mmap_lock held: the handler's victim dies, no lock report",
		   oom_under_mmap_lock);
	kt_subtest("oom_detach_during_oom",
		   "a detach while the handler runs returns once it is done; the OOM is resolved",
		   oom_detach_during_oom);
}

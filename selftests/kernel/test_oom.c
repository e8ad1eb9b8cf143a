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

#include "kt.h"
#include "kt_cgroup.h"
#include "kt_oom.h"
#include "oom_ops_sleepable.skel.h"

#define KT_OOM_TIMEOUT_S 120

/*
 * Run a 64M hog in a 32M cgroup with a MODE program attached: the kernel's
 * killer must kill the hog, and no kill may carry the policy's name.
 */
static enum kt_result hog_killed_by_kernel(enum kt_oom_mode mode)
{
	int code = -1, mark, mark_bpf;
	struct oom_ops_test *skel;
	struct bpf_link *link;
	char cg[PATH_MAX], line[64];
	pid_t hog;

	KT_ASSERT(!kt_oom_cg_create("l", 32, cg));
	skel = kt_oom_load(mode);
	KT_ASSERT(skel);
	link = kt_oom_attach(skel, cg);
	KT_ASSERT(link);
	mark = kt_kmsg_mark();
	mark_bpf = kt_kmsg_mark();
	KT_ASSERT(mark >= 0 && mark_bpf >= 0);

	hog = kt_oom_spawn(cg, 0, 64, false);
	KT_ASSERT(hog > 0);
	KT_ASSERT_CMP(kt_oom_wait(hog, KT_OOM_TIMEOUT_S, &code), ==, 1);

	KT_ASSERT_CMP(skel->bss->calls, >=, 1);
	KT_ASSERT_CMP(skel->bss->last_oom_cgid, ==, kt_cg_id(cg));
	KT_ASSERT_CMP(skel->bss->last_attach_cgid, ==, kt_cg_id(cg));
	KT_ASSERT_CMP(skel->bss->kills, ==, 0);
	snprintf(line, sizeof(line), "Killed process %d ", hog);
	KT_ASSERT(kt_kmsg_find(mark, "Memory cgroup out of memory: ", line));
	KT_ASSERT(!kt_kmsg_find(mark_bpf, "(bpf_oom_ops ", NULL));

	return KT_PASS;
}

KT_TEST(oom_declined, "a handler that returns 0 leaves the OOM to the kernel's killer")
{
	enum kt_result r = hog_killed_by_kernel(KT_OOM_DECLINE);

	kt_oom_cleanup();
	return r;
}

KT_TEST(oom_claimed_without_kill, "a handler that returns 1 but kills nothing: the kernel's killer runs")
{
	enum kt_result r = hog_killed_by_kernel(KT_OOM_CLAIM);

	kt_oom_cleanup();
	return r;
}

static enum kt_result oom_kill_chosen_body(void)
{
	struct oom_ops_test *skel;
	struct bpf_link *link;
	char cg[PATH_MAX], line[64];
	pid_t victim, hog = -1;
	int code = -1, mark;

	KT_ASSERT(!kt_oom_cg_create("l", 60, cg));
	skel = kt_oom_load(KT_OOM_KILL);
	KT_ASSERT(skel);
	link = kt_oom_attach(skel, cg);
	KT_ASSERT(link);
	mark = kt_kmsg_mark();
	KT_ASSERT(mark >= 0);

	victim = kt_oom_spawn(cg, 0, 24, true);
	KT_ASSERT(victim > 0);
	skel->bss->victim_pid = victim;
	hog = kt_oom_spawn(cg, 0, 40, false);
	KT_ASSERT(hog > 0);

	KT_ASSERT_CMP(kt_oom_wait(victim, KT_OOM_TIMEOUT_S, &code), ==, 1);
	/* The kernel would have killed the larger hog. */
	KT_ASSERT_CMP(kt_oom_wait(hog, KT_OOM_TIMEOUT_S, &code), ==, 0);
	KT_ASSERT_CMP(code, ==, 0);
	KT_ASSERT_CMP(skel->bss->kills, >=, 1);
	KT_ASSERT_CMP(skel->bss->last_oom_cgid, ==, kt_cg_id(cg));
	/* No OOM had chosen it before the first call. */
	KT_ASSERT_CMP(skel->data->first_is_victim, ==, 0);
	snprintf(line, sizeof(line), "Killed process %d ", victim);
	KT_ASSERT(kt_kmsg_find(mark, KT_OOM_MESSAGE " (bpf_oom_ops "
			       KT_OOM_POLICY_NAME "): ", line));

	return KT_PASS;
}

KT_TEST(oom_kill_chosen, "the handler's victim dies, the kernel's choice survives, the log names the policy")
{
	enum kt_result r = oom_kill_chosen_body();

	kt_oom_cleanup();
	return r;
}

/*
 * The program asks to kill a 16M task in cgroup VICTIM_REL with
 * oom_score_adj ADJ during an OOM of the 48M cgroup "l": the kfunc must
 * fail with ERR, the task must live, and the kernel's killer must take
 * the hog.
 */
static enum kt_result kill_refused(const char *victim_rel, int adj, int err)
{
	char cg[PATH_MAX], vcg[PATH_MAX];
	struct oom_ops_test *skel;
	struct bpf_link *link;
	pid_t victim, hog;
	int code = -1;

	KT_ASSERT(!kt_oom_cg_create("l", 48, cg));
	if (victim_rel)
		KT_ASSERT(!kt_cg_create(victim_rel, vcg));
	skel = kt_oom_load(KT_OOM_KILL);
	KT_ASSERT(skel);
	link = kt_oom_attach(skel, cg);
	KT_ASSERT(link);

	victim = kt_oom_spawn(victim_rel ? vcg : cg, adj, 16, true);
	KT_ASSERT(victim > 0);
	skel->bss->victim_pid = victim;
	hog = kt_oom_spawn(cg, 0, victim_rel ? 64 : 40, false);
	KT_ASSERT(hog > 0);

	KT_ASSERT_CMP(kt_oom_wait(hog, KT_OOM_TIMEOUT_S, &code), ==, 1);
	KT_ASSERT_CMP(skel->bss->calls, >=, 1);
	KT_ASSERT_CMP(skel->bss->last_kill_ret, ==, -err);
	KT_ASSERT_CMP(skel->bss->kills, ==, 0);
	KT_ASSERT_CMP(waitpid(victim, NULL, WNOHANG), ==, 0);

	return KT_PASS;
}

KT_TEST(oom_kill_refuses_score_adj_min, "bpf_oom_kill_process() refuses a task with oom_score_adj -1000 (EPERM)")
{
	enum kt_result r = kill_refused(NULL, -1000, EPERM);

	kt_oom_cleanup();
	return r;
}

KT_TEST(oom_kill_refuses_outside_domain, "bpf_oom_kill_process() refuses a task outside the OOM's memcg (EINVAL)")
{
	enum kt_result r = kill_refused("other", 0, EINVAL);

	kt_oom_cleanup();
	return r;
}

static enum kt_result oom_hierarchy_memcg_body(void)
{
	struct oom_ops_test *root_ops, *a_ops, *c_ops, *second;
	struct bpf_link *root_link, *a_link, *c_link;
	char a[PATH_MAX], b[PATH_MAX], c[PATH_MAX];
	int code = -1;
	pid_t hog;

	KT_ASSERT(!kt_cg_create("a", a));
	KT_ASSERT(!kt_oom_cg_create("a/b", 32, b));
	KT_ASSERT(!kt_cg_create("c", c));
	root_ops = kt_oom_load(KT_OOM_DECLINE);
	a_ops = kt_oom_load(KT_OOM_DECLINE);
	c_ops = kt_oom_load(KT_OOM_DECLINE);
	KT_ASSERT(root_ops && a_ops && c_ops);
	root_link = kt_oom_attach(root_ops, kt_cgroup_root);
	KT_ASSERT(root_link);
	a_link = kt_oom_attach(a_ops, a);
	KT_ASSERT(a_link);
	c_link = kt_oom_attach(c_ops, c);
	KT_ASSERT(c_link);
	/* One ops per cgroup. */
	second = kt_oom_load(KT_OOM_DECLINE);
	KT_ASSERT(second);
	KT_ASSERT_ERRNO(!kt_oom_attach(second, a), EBUSY);

	hog = kt_oom_spawn(b, 0, 64, false);
	KT_ASSERT(hog > 0);
	KT_ASSERT_CMP(kt_oom_wait(hog, KT_OOM_TIMEOUT_S, &code), ==, 1);

	KT_ASSERT_CMP(a_ops->bss->calls, >=, 1);
	KT_ASSERT_CMP(a_ops->bss->last_oom_cgid, ==, kt_cg_id(b));
	KT_ASSERT_CMP(a_ops->bss->last_attach_cgid, ==, kt_cg_id(a));
	/* Declined below: the root's ops are asked next. */
	KT_ASSERT_CMP(root_ops->bss->calls, ==, a_ops->bss->calls);
	KT_ASSERT_CMP(root_ops->bss->last_oom_cgid, ==, kt_cg_id(b));
	KT_ASSERT_CMP(root_ops->bss->last_attach_cgid, ==, kt_cg_id(kt_cgroup_root));
	KT_ASSERT_CMP(c_ops->bss->calls, ==, 0);

	return KT_PASS;
}

KT_TEST(oom_hierarchy_memcg, "a memcg OOM asks its memcg's ops and the ancestors', not a sibling's")
{
	enum kt_result r = oom_hierarchy_memcg_body();

	kt_oom_cleanup();
	return r;
}

static int sysrq_oom(void)
{
	return kt_cg_write("/proc", "sysrq-trigger", "f");
}

static enum kt_result oom_hierarchy_global_body(void)
{
	struct oom_ops_test *root_ops, *a_ops;
	struct bpf_link *root_link, *a_link;
	char a[PATH_MAX], s[PATH_MAX], line[64];
	int code = -1, mark;
	pid_t victim;

	KT_ASSERT(!kt_cg_create("a", a));
	KT_ASSERT(!kt_cg_create("s", s));
	/* oom_score_adj 1000: the kernel's killer would pick it too. */
	victim = kt_oom_spawn(s, 1000, 16, true);
	KT_ASSERT(victim > 0);
	root_ops = kt_oom_load(KT_OOM_KILL);
	a_ops = kt_oom_load(KT_OOM_KILL);
	KT_ASSERT(root_ops && a_ops);
	root_ops->bss->victim_pid = victim;
	a_ops->bss->victim_pid = victim;
	root_link = kt_oom_attach(root_ops, kt_cgroup_root);
	KT_ASSERT(root_link);
	a_link = kt_oom_attach(a_ops, a);
	KT_ASSERT(a_link);
	mark = kt_kmsg_mark();
	KT_ASSERT(mark >= 0);

	KT_ASSERT(!sysrq_oom());
	KT_ASSERT_CMP(kt_oom_wait(victim, KT_OOM_TIMEOUT_S, &code), ==, 1);
	KT_ASSERT_CMP(root_ops->bss->calls, ==, 1);
	KT_ASSERT_CMP(root_ops->bss->kills, ==, 1);
	KT_ASSERT_CMP(root_ops->bss->last_oom_cgid, ==, 0);
	KT_ASSERT_CMP(a_ops->bss->calls, ==, 0);
	snprintf(line, sizeof(line), "Killed process %d ", victim);
	KT_ASSERT(kt_kmsg_find(mark, "(bpf_oom_ops " KT_OOM_POLICY_NAME "): ", line));

	return KT_PASS;
}

KT_TEST(oom_hierarchy_global, "a global OOM (sysrq f) asks the root's ops only; they kill")
{
	enum kt_result r = oom_hierarchy_global_body();

	kt_oom_cleanup();
	return r;
}

KT_TEST(oom_sleepable_refused, "a sleepable handle_out_of_memory does not load (EINVAL); the same object non-sleepable does")
{
	struct oom_ops_sleepable *bad;
	struct oom_ops_test *ok;

	errno = 0;
	bad = oom_ops_sleepable__open_and_load();
	if (bad) {
		fprintf(stderr, "a sleepable handler was accepted\n");
		oom_ops_sleepable__destroy(bad);
		return KT_FAIL;
	}
	KT_ASSERT_CMP(errno, ==, EINVAL);
	ok = oom_ops_test__open_and_load();
	KT_ASSERT(ok);
	oom_ops_test__destroy(ok);
	return KT_PASS;
}

/*
 * An OOM raised with mmap_lock held: a task maps 64M with MAP_POPULATE in
 * a 32M cgroup, so the charge that fails comes from mm_populate(), under
 * mmap_lock.  The handler chooses that task; it must die by the policy's
 * kill, and the kernel log must show no lock report (lockdep found
 * recursive mmap_lock locking there while the handler was sleepable).
 */
static enum kt_result oom_under_mmap_lock_body(void)
{
	struct oom_ops_test *skel;
	struct bpf_link *link;
	char cg[PATH_MAX], line[64];
	int code = -1, mark, mark_warn, go = -1;
	pid_t victim;

	KT_ASSERT(!kt_oom_cg_create("l", 32, cg));
	skel = kt_oom_load(KT_OOM_KILL);
	KT_ASSERT(skel);
	link = kt_oom_attach(skel, cg);
	KT_ASSERT(link);
	victim = kt_oom_spawn_populate(cg, 64, &go);
	KT_ASSERT(victim > 0);
	skel->bss->victim_pid = victim;
	mark = kt_kmsg_mark();
	mark_warn = kt_kmsg_mark();
	KT_ASSERT(mark >= 0 && mark_warn >= 0);
	KT_ASSERT_CMP(write(go, "g", 1), ==, 1);
	close(go);

	KT_ASSERT_CMP(kt_oom_wait(victim, KT_OOM_TIMEOUT_S, &code), ==, 1);
	KT_ASSERT_CMP(skel->bss->kills, >=, 1);
	snprintf(line, sizeof(line), "Killed process %d ", victim);
	KT_ASSERT(kt_kmsg_find(mark, KT_OOM_MESSAGE " (bpf_oom_ops "
			       KT_OOM_POLICY_NAME "): ", line));
	KT_ASSERT(!kt_kmsg_find(mark_warn, "WARNING: ", NULL));
	return KT_PASS;
}

KT_TEST(oom_under_mmap_lock, "an OOM in mm_populate(), mmap_lock held: the handler's victim dies, no lock report")
{
	enum kt_result r = oom_under_mmap_lock_body();

	kt_oom_cleanup();
	return r;
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

static enum kt_result oom_detach_during_oom_body(void)
{
	struct oom_ops_test *skel;
	struct bpf_link *link;
	char cg[PATH_MAX];
	int code = -1;
	pid_t hog;

	KT_ASSERT(!kt_oom_cg_create("l", 32, cg));
	skel = kt_oom_load(KT_OOM_KILL);
	KT_ASSERT(skel);
	/* Keep the handler busy for a while: bpf_loop's maximum. */
	skel->bss->spin_loops = 1U << 23;
	link = kt_oom_attach(skel, cg);
	KT_ASSERT(link);

	hog = kt_oom_spawn(cg, 0, 64, false);
	KT_ASSERT(hog > 0);
	skel->bss->victim_pid = hog;
	KT_ASSERT(wait_in_handler(skel, KT_OOM_TIMEOUT_S));
	KT_ASSERT(!bpf_link__detach(link));
	KT_ASSERT_CMP(__atomic_load_n(&skel->bss->in_handler, __ATOMIC_ACQUIRE), ==, 0);
	KT_ASSERT_CMP(skel->bss->calls, >=, 1);

	KT_ASSERT_CMP(kt_oom_wait(hog, KT_OOM_TIMEOUT_S, &code), ==, 1);
	return KT_PASS;
}

KT_TEST(oom_detach_during_oom, "a detach while the handler runs returns once it is done; the OOM is resolved")
{
	enum kt_result r = oom_detach_during_oom_body();

	kt_oom_cleanup();
	return r;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's own memcg OOM killer, no BPF attached: once it has killed a
 * task, a second OOM in the same memcg must wait for that victim's memory
 * while the victim exits, not kill another task (patch 0012).  The victim
 * is the smaller task, put first by its oom_score_adj, as memcg-prio's
 * oom_score_adj bands do where the kernel has no OOM hook; the larger
 * hog, whose charge meets the limit, must finish.  And the wait ends: a
 * victim whose memory cannot make room does not spare the hog.
 *
 * 60M, no swap: a 24M victim and a 40M hog do not fit together (a forked
 * child also charges some 6M of the test's pages, see bpf_oom_ops.c), the
 * hog fits alone.
 */
#include <limits.h>
#include <stdio.h>

#include <test_progs.h>

#include "kt_cgroup.h"
#include "kt_oom.h"

/* Each round is one chance for the race: under TCG most rounds hit it. */
#define KT_VICTIM_ROUNDS 4

/*
 * A VICTIM_MB task at oom_score_adj 1000 and a HOG_MB hog in CG: the
 * victim must be killed first.  Whether the hog finished (0), was killed
 * (1), or neither (-1); its exit status in *ret_code.
 */
static int victim_then_hog(const char *cg, size_t victim_mb, size_t hog_mb,
			   int *ret_code)
{
	char line[64];
	pid_t victim, hog;
	int mark, code = -1, hog_killed;

	mark = kt_kmsg_mark();
	if (!ASSERT_GE(mark, 0, "mark"))
		return -1;
	victim = kt_oom_spawn(cg, 1000, victim_mb, true);
	if (!ASSERT_GT(victim, 0, "victim"))
		return -1;
	hog = kt_oom_spawn(cg, 0, hog_mb, false);
	if (!ASSERT_GT(hog, 0, "hog"))
		return -1;
	if (!ASSERT_EQ(kt_oom_wait(victim, KT_OOM_TIMEOUT_S, &code), 1,
		       "victim killed"))
		return -1;
	hog_killed = kt_oom_wait(hog, KT_OOM_TIMEOUT_S, ret_code);
	if (!ASSERT_GE(hog_killed, 0, "hog ended"))
		return -1;
	snprintf(line, sizeof(line), "Killed process %d ", victim);
	if (!ASSERT_TRUE(kt_kmsg_find(mark, "Memory cgroup out of memory: ", line),
			 "the victim's kill in the kernel log"))
		return -1;
	return hog_killed;
}

static void oom_waits_for_victim_body(void)
{
	long long kills0, kills;
	char cg[PATH_MAX];
	int round, code;

	if (!ASSERT_OK(kt_oom_cg_create("l", 60, cg), "kt_oom_cg_create"))
		return;
	for (round = 1; round <= KT_VICTIM_ROUNDS; round++) {
		kills0 = kt_cg_read_key(cg, "memory.events", "oom_kill");
		code = -1;
		if (!ASSERT_EQ(victim_then_hog(cg, 24, 40, &code), 0,
			       "the hog finished (not killed after the victim)")) {
			fprintf(stderr, "round %d of %d\n", round, KT_VICTIM_ROUNDS);
			return;
		}
		if (!ASSERT_EQ(code, 0, "the hog's exit status"))
			return;
		kills = kt_cg_read_key(cg, "memory.events", "oom_kill");
		if (!ASSERT_EQ(kills - kills0, 1, "oom_kill events in the round"))
			return;
	}
}

static void oom_waits_for_victim(void)
{
	oom_waits_for_victim_body();
	kt_oom_cleanup();
}

/* A 4M victim cannot make room for an 80M hog in 60M: both die. */
static void oom_wait_ends_body(void)
{
	long long kills0, kills;
	char cg[PATH_MAX];
	int code = -1;

	if (!ASSERT_OK(kt_oom_cg_create("l", 60, cg), "kt_oom_cg_create"))
		return;
	kills0 = kt_cg_read_key(cg, "memory.events", "oom_kill");
	if (!ASSERT_EQ(victim_then_hog(cg, 4, 80, &code), 1, "the hog killed too"))
		return;
	kills = kt_cg_read_key(cg, "memory.events", "oom_kill");
	ASSERT_EQ(kills - kills0, 2, "oom_kill events");
}

static void oom_wait_ends(void)
{
	oom_wait_ends_body();
	kt_oom_cleanup();
}

void test_oom_victim_wait(void)
{
	kt_subtest("oom_waits_for_victim",
		   "the kernel's memcg OOM killer waits for its exiting victim: the bigger hog finishes",
		   oom_waits_for_victim);
	kt_subtest("oom_wait_ends",
		   "a victim too small to make room: the kernel's killer takes the hog next",
		   oom_wait_ends);
}

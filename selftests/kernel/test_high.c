// SPDX-License-Identifier: GPL-2.0
/*
 * memcg_nr_pages_over_high: N > 0 puts a cgroup below its memory.high under
 * memory.high handling (the "high" event and reclaim); 0 changes nothing;
 * detaching stops it.  Deterministic: memory.events and memory.stat
 * counters, no timing.
 */
#include "kt.h"
#include "kt_cgroup.h"
#include "kt_ops.h"

/* Small: every charge batch reclaims PENALTY_PAGES, slow under TCG+KASAN. */
#define ALLOC_MB 8
#define PENALTY_PAGES 64

struct high_sample {
	long long high, pgscan;
};

static int sample(const char *cg, struct high_sample *s)
{
	s->high = kt_cg_read_key(cg, "memory.events", "high");
	s->pgscan = kt_cg_read_key(cg, "memory.stat", "pgscan");
	return s->high < 0 || s->pgscan < 0 ? -1 : 0;
}

static enum kt_result pages_over_high(const char *high_value)
{
	struct high_sample s;
	struct memcg_ops_test *skel;
	struct bpf_link *link;
	char cg[PATH_MAX];

	KT_ASSERT(!kt_cg_create("h", cg));
	KT_ASSERT(!kt_cg_write(cg, "memory.high", high_value));
	skel = kt_ops_load(kt_cg_id(cg), PENALTY_PAGES);
	KT_ASSERT(skel);
	link = kt_ops_attach(skel, cg, BPF_F_CGROUP_FD);
	KT_ASSERT(link);

	KT_ASSERT(!kt_cg_run_alloc(cg, ALLOC_MB, 1));
	KT_ASSERT(!sample(cg, &s));
	kt_log("memory.high %s: high events %lld, pgscan %lld, hook calls %llu\n",
	       high_value, s.high, s.pgscan, (unsigned long long)skel->bss->pages_calls);
	KT_ASSERT_CMP(skel->bss->pages_calls, >, 0);
	KT_ASSERT_CMP(s.high, >, 0);
	KT_ASSERT_CMP(s.pgscan, >, 0);

	bpf_link__destroy(link);
	memcg_ops_test__destroy(skel);
	return KT_PASS;
}

KT_TEST(high_events_with_high_max, "N > 0 with memory.high=max raises high events and reclaims")
{
	return pages_over_high("max");
}

KT_TEST(high_events_below_finite_high, "N > 0 below a finite memory.high raises high events and reclaims")
{
	return pages_over_high("1G");
}

KT_TEST(high_zero_changes_nothing, "a hook returning 0 leaves memory.high handling alone")
{
	struct high_sample s;
	struct memcg_ops_test *skel;
	struct bpf_link *link;
	char cg[PATH_MAX];

	KT_ASSERT(!kt_cg_create("z", cg));
	skel = kt_ops_load(kt_cg_id(cg), 0);
	KT_ASSERT(skel);
	link = kt_ops_attach(skel, cg, BPF_F_CGROUP_FD);
	KT_ASSERT(link);

	KT_ASSERT(!kt_cg_run_alloc(cg, ALLOC_MB, 1));
	KT_ASSERT(!sample(cg, &s));
	KT_ASSERT_CMP(skel->bss->pages_calls, >, 0);
	KT_ASSERT_CMP(s.high, ==, 0);
	KT_ASSERT_CMP(s.pgscan, ==, 0);

	bpf_link__destroy(link);
	memcg_ops_test__destroy(skel);
	return KT_PASS;
}

KT_TEST(high_detach_stops, "after detach the hook is no longer called and high events stop")
{
	struct high_sample before, after;
	struct memcg_ops_test *skel;
	struct bpf_link *link;
	__u64 calls;
	char cg[PATH_MAX];

	KT_ASSERT(!kt_cg_create("d", cg));
	skel = kt_ops_load(kt_cg_id(cg), PENALTY_PAGES);
	KT_ASSERT(skel);
	link = kt_ops_attach(skel, cg, BPF_F_CGROUP_FD);
	KT_ASSERT(link);
	KT_ASSERT(!kt_cg_run_alloc(cg, ALLOC_MB, 1));
	KT_ASSERT(!sample(cg, &before));
	KT_ASSERT_CMP(before.high, >, 0);

	bpf_link__destroy(link);
	calls = skel->bss->pages_calls;
	KT_ASSERT(!kt_cg_run_alloc(cg, ALLOC_MB, 1));
	KT_ASSERT(!sample(cg, &after));
	KT_ASSERT_CMP(skel->bss->pages_calls, ==, calls);
	KT_ASSERT_CMP(after.high, ==, before.high);

	memcg_ops_test__destroy(skel);
	return KT_PASS;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * memcg_nr_pages_over_high: N > 0 puts a cgroup below its memory.high under
 * memory.high handling (the "high" event and reclaim); 0 changes nothing;
 * detaching stops it; the delay of N pages over is slept even when reclaim
 * keeps up, and N at or over the usage sleeps the clamp.  Deterministic:
 * memory.events, memory.stat and memory.pressure counters, no run times.
 */
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>

#include "kt.h"
#include "kt_cgroup.h"
#include "kt_ops.h"

#define ALLOC_MB 8

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
	skel = kt_ops_load(kt_cg_id(cg), KT_PENALTY_PAGES);
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

KT_TEST(high_outside_untouched, "a cgroup outside every attachment sees no hook call and no high event")
{
	struct memcg_ops_test *skel;
	struct bpf_link *link;
	char in[PATH_MAX], out[PATH_MAX];

	KT_ASSERT(!kt_cg_create("in", in));
	KT_ASSERT(!kt_cg_create("out", out));
	/* The hook would throttle any memcg it is asked about. */
	skel = kt_ops_load(0, KT_PENALTY_PAGES);
	KT_ASSERT(skel);
	link = kt_ops_attach(skel, in, BPF_F_CGROUP_FD);
	KT_ASSERT(link);

	KT_ASSERT(!kt_cg_run_alloc(out, ALLOC_MB, 1));
	KT_ASSERT_CMP(skel->bss->pages_calls, ==, 0);
	KT_ASSERT_CMP(kt_cg_read_key(out, "memory.events", "high"), ==, 0);

	bpf_link__destroy(link);
	memcg_ops_test__destroy(skel);
	return KT_PASS;
}

/* high events of ALLOC_MB in a new cgroup NAME with memory.high at 2M. */
static long long high_events_over_2m(const char *name, int attach_zero)
{
	struct memcg_ops_test *skel = NULL;
	struct bpf_link *link = NULL;
	long long events = -1;
	char cg[PATH_MAX];

	if (kt_cg_create(name, cg) || kt_cg_write(cg, "memory.high", "2M"))
		return -1;
	if (attach_zero) {
		skel = kt_ops_load(kt_cg_id(cg), 0);
		link = skel ? kt_ops_attach(skel, cg, BPF_F_CGROUP_FD) : NULL;
		if (!link)
			goto out;
	}
	if (!kt_cg_run_alloc(cg, ALLOC_MB, 1))
		events = kt_cg_read_key(cg, "memory.events", "high");
	if (skel && !skel->bss->pages_calls)
		events = -1;
out:
	bpf_link__destroy(link);
	memcg_ops_test__destroy(skel);
	return events;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

#define SAME_EVENTS_RUNS 5

/*
 * How many "high" events a charge loop over a real memory.high raises varies
 * from run to run on the stock kernel too (how much each reclaim pass
 * overshoots), so "the same" is: alternating runs, the medians apart by no
 * more than the spread of the runs with nothing attached (and at most 2 if
 * those all agree).
 */
KT_TEST(high_zero_same_events, "a hook returning 0 over a real memory.high gives the stock high events")
{
	long long stock[SAME_EVENTS_RUNS], zero[SAME_EVENTS_RUNS], spread, diff;
	char name[32];

	for (int i = 0; i < SAME_EVENTS_RUNS; i++) {
		snprintf(name, sizeof(name), "stock%d", i);
		stock[i] = high_events_over_2m(name, 0);
		snprintf(name, sizeof(name), "zero%d", i);
		zero[i] = high_events_over_2m(name, 1);
		kt_log("high events over 2M: nothing attached %lld, zero hook %lld\n",
		       stock[i], zero[i]);
		KT_ASSERT_CMP(stock[i], >, 0);
		KT_ASSERT_CMP(zero[i], >, 0);
	}
	qsort(stock, SAME_EVENTS_RUNS, sizeof(stock[0]), cmp_ll);
	qsort(zero, SAME_EVENTS_RUNS, sizeof(zero[0]), cmp_ll);
	spread = stock[SAME_EVENTS_RUNS - 1] - stock[0];
	if (spread < 2)
		spread = 2;
	diff = llabs(zero[SAME_EVENTS_RUNS / 2] - stock[SAME_EVENTS_RUNS / 2]);
	kt_log("medians: nothing attached %lld, zero hook %lld; stock spread %lld\n",
	       stock[SAME_EVENTS_RUNS / 2], zero[SAME_EVENTS_RUNS / 2], spread);
	KT_ASSERT_CMP(diff, <=, spread);
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
	skel = kt_ops_load(kt_cg_id(cg), KT_PENALTY_PAGES);
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

/* The "some" stall total of a cgroup's memory.pressure, in us, or -1. */
static long long pressure_some_us(const char *cg)
{
	char path[PATH_MAX];
	long long total = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/memory.pressure", cg);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "some avg10=%*f avg60=%*f avg300=%*f total=%lld",
		   &total) != 1)
		total = -1;
	fclose(f);
	return total;
}

/*
 * Allocate mb in a new cgroup whose hook returns n once the usage reaches
 * min_usage pages, for one over-high pass (and the one or two stock refills
 * before it), then 0; *stall_us gets the memory stall of the cgroup.
 */
static enum kt_result delay_of(const char *name, __u32 n, __u64 min_usage,
			       size_t mb, long long *stall_us)
{
	struct memcg_ops_test *skel;
	struct bpf_link *link;
	long long before, after;
	char cg[PATH_MAX];

	KT_ASSERT(!kt_cg_create(name, cg));
	skel = kt_ops_load(kt_cg_id(cg), n);
	KT_ASSERT(skel);
	skel->bss->min_usage = min_usage;
	skel->bss->max_returns = 3;
	link = kt_ops_attach(skel, cg, BPF_F_CGROUP_FD);
	KT_ASSERT(link);
	before = pressure_some_us(cg);
	KT_ASSERT_CMP(before, >=, 0);
	KT_ASSERT(!kt_cg_run_alloc(cg, mb, 1));
	after = pressure_some_us(cg);
	*stall_us = after - before;
	kt_log("N %u from %llu pages: memory stall %lld us, hook calls %llu, "
	       "armed %llu\n", n, (unsigned long long)min_usage, *stall_us,
	       (unsigned long long)skel->bss->pages_calls,
	       (unsigned long long)skel->bss->armed_calls);
	KT_ASSERT_CMP(skel->bss->armed_calls, >, 3);

	bpf_link__destroy(link);
	memcg_ops_test__destroy(skel);
	return KT_PASS;
}

KT_TEST(high_delay_owed, "the delay of N pages over is slept even when reclaim keeps up")
{
	long long stall;

	/*
	 * From 1024 pages on, N = 128 is f = 128 / 896 over the lowered
	 * level: 64 f^2 = 1.3 s for a batch of 64 pages.  Reclaim of 128
	 * pages to zram keeps up, so the stock code would not sleep at all.
	 */
	KT_ASSERT(delay_of("o", 128, 1024, 8, &stall) == KT_PASS);
	KT_ASSERT_CMP(stall, >=, 1000000);
	KT_ASSERT_CMP(stall, <, 10000000);
	return KT_PASS;
}

KT_TEST(high_delay_clamped, "N over the usage makes one pass sleep the 2 s clamp")
{
	long long stall;

	/* The lowered level is 0: the overage is capped, the delay clamped. */
	KT_ASSERT(delay_of("c", UINT_MAX, 0, 2, &stall) == KT_PASS);
	KT_ASSERT_CMP(stall, >=, 1900000);
	KT_ASSERT_CMP(stall, <, 10000000);
	return KT_PASS;
}

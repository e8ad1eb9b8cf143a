// SPDX-License-Identifier: GPL-2.0
/*
 * memcg_nr_pages_over_high: N > 0 makes a cgroup below its memory.high
 * yield (reclaim, counted as "bpf_high" in memory.events); 0 changes
 * nothing; detaching stops it; the delay of N pages over is slept even when
 * reclaim keeps up, and N at or over the usage sleeps the clamp.  A yield
 * asked for by a policy is not memory pressure: "high" stays 0 and the
 * delay is no memory stall in memory.pressure, while a real memory.high
 * raises both as on a stock kernel.  Counters, and one lower bound on a
 * run time (a sleep that must have happened).
 */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Before io_uring.h: tools/include/uapi's copy (test_progs' include path)
 * uses __DECLARE_FLEX_ARRAY without including it. */
#include <linux/stddef.h>
#include <linux/io_uring.h>

#include <test_progs.h>

#include "kt_log.h"
#include "kt_cgroup.h"
#include "kt_ops.h"

#define ALLOC_MB 8

struct high_sample {
	long long bpf_high, high, pgscan;
};

static int sample(const char *cg, struct high_sample *s)
{
	s->bpf_high = kt_cg_read_key(cg, "memory.events", "bpf_high");
	s->high = kt_cg_read_key(cg, "memory.events", "high");
	s->pgscan = kt_cg_read_key(cg, "memory.stat", "pgscan");
	return s->bpf_high < 0 || s->high < 0 || s->pgscan < 0 ? -1 : 0;
}

static void pages_over_high(const char *high_value)
{
	struct high_sample s;
	struct memcg_ops_test *skel;
	struct bpf_link *link;
	char cg[PATH_MAX];

	if (!ASSERT_OK(kt_cg_create("h", cg), "kt_cg_create"))
		return;
	if (!ASSERT_OK(kt_cg_write(cg, "memory.high", high_value), "kt_cg_write"))
		return;
	skel = kt_ops_load_penalty(kt_cg_id(cg));
	if (!ASSERT_OK_PTR(skel, "skel"))
		return;
	link = kt_ops_attach(skel, cg, BPF_F_CGROUP_FD);
	if (!ASSERT_OK_PTR(link, "link"))
		return;

	if (!ASSERT_OK(kt_cg_run_alloc(cg, ALLOC_MB, 1), "kt_cg_run_alloc"))
		return;
	if (!ASSERT_OK(sample(cg, &s), "sample"))
		return;
	kt_log("memory.high %s: bpf_high events %lld, high events %lld, pgscan %lld, "
	       "hook calls %llu\n", high_value, s.bpf_high, s.high, s.pgscan,
	       (unsigned long long)skel->bss->pages_calls);
	if (!ASSERT_GT(skel->bss->pages_calls, 0, "skel->bss->pages_calls"))
		return;
	if (!ASSERT_GT(s.bpf_high, 0, "s.bpf_high"))
		return;
	if (!ASSERT_EQ(s.high, 0, "s.high"))
		return;
	if (!ASSERT_GT(s.pgscan, 0, "s.pgscan"))
		return;

	bpf_link__destroy(link);
	memcg_ops_test__destroy(skel);
}

static void high_events_with_high_max(void)
{
	pages_over_high("max");
}

static void high_events_below_finite_high(void)
{
	pages_over_high("1G");
}

static void high_zero_changes_nothing(void)
{
	struct high_sample s;
	struct memcg_ops_test *skel;
	struct bpf_link *link;
	char cg[PATH_MAX];

	if (!ASSERT_OK(kt_cg_create("z", cg), "kt_cg_create"))
		return;
	skel = kt_ops_load(kt_cg_id(cg), 0);
	if (!ASSERT_OK_PTR(skel, "skel"))
		return;
	link = kt_ops_attach(skel, cg, BPF_F_CGROUP_FD);
	if (!ASSERT_OK_PTR(link, "link"))
		return;

	if (!ASSERT_OK(kt_cg_run_alloc(cg, ALLOC_MB, 1), "kt_cg_run_alloc"))
		return;
	if (!ASSERT_OK(sample(cg, &s), "sample"))
		return;
	if (!ASSERT_GT(skel->bss->pages_calls, 0, "skel->bss->pages_calls"))
		return;
	if (!ASSERT_EQ(s.bpf_high, 0, "s.bpf_high"))
		return;
	if (!ASSERT_EQ(s.high, 0, "s.high"))
		return;
	if (!ASSERT_EQ(s.pgscan, 0, "s.pgscan"))
		return;

	bpf_link__destroy(link);
	memcg_ops_test__destroy(skel);
}

static void high_outside_untouched(void)
{
	struct memcg_ops_test *skel;
	struct bpf_link *link;
	char in[PATH_MAX], out[PATH_MAX];

	if (!ASSERT_OK(kt_cg_create("in", in), "kt_cg_create"))
		return;
	if (!ASSERT_OK(kt_cg_create("out", out), "kt_cg_create"))
		return;
	/* The hook would throttle any memcg it is asked about. */
	skel = kt_ops_load_penalty(0);
	if (!ASSERT_OK_PTR(skel, "skel"))
		return;
	link = kt_ops_attach(skel, in, BPF_F_CGROUP_FD);
	if (!ASSERT_OK_PTR(link, "link"))
		return;

	if (!ASSERT_OK(kt_cg_run_alloc(out, ALLOC_MB, 1), "kt_cg_run_alloc"))
		return;
	if (!ASSERT_EQ(skel->bss->pages_calls, 0, "skel->bss->pages_calls"))
		return;
	if (!ASSERT_EQ(kt_cg_read_key(out, "memory.events", "bpf_high"), 0, "kt_cg_read_key"))
		return;
	if (!ASSERT_EQ(kt_cg_read_key(out, "memory.events", "high"), 0, "kt_cg_read_key"))
		return;

	bpf_link__destroy(link);
	memcg_ops_test__destroy(skel);
}

/*
 * High events of ALLOC_MB in a new cgroup NAME with memory.high at 2M, with
 * a hook returning 0 loaded and, if @attach, attached to it.  Both arms load
 * the program, so that they differ only in the attach: the load alone moved
 * the stock count (2026-12-05, test kernel: right after a load always 22,
 * else 22 or 25-26 a run, by runs of several).
 */
static long long high_events_over_2m(const char *name, int attach)
{
	struct memcg_ops_test *skel;
	struct bpf_link *link = NULL;
	long long events = -1;
	char cg[PATH_MAX];

	if (kt_cg_create(name, cg) || kt_cg_write(cg, "memory.high", "2M"))
		return -1;
	skel = kt_ops_load(kt_cg_id(cg), 0);
	if (!skel)
		return -1;
	if (attach) {
		link = kt_ops_attach(skel, cg, BPF_F_CGROUP_FD);
		if (!link)
			goto out;
	}
	if (!kt_cg_run_alloc(cg, ALLOC_MB, 1))
		events = kt_cg_read_key(cg, "memory.events", "high");
	/* Called while attached, and only then. */
	if (!skel->bss->pages_calls != !attach)
		events = -1;
	if (kt_cg_read_key(cg, "memory.events", "bpf_high") != 0)
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
 * more than the spread of the runs with the program loaded but not attached
 * (and at most 2 if those all agree).
 */
static void high_zero_same_events(void)
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
		if (!ASSERT_GT(stock[i], 0, "stock[i]"))
			return;
		if (!ASSERT_GT(zero[i], 0, "zero[i]"))
			return;
	}
	qsort(stock, SAME_EVENTS_RUNS, sizeof(stock[0]), cmp_ll);
	qsort(zero, SAME_EVENTS_RUNS, sizeof(zero[0]), cmp_ll);
	spread = stock[SAME_EVENTS_RUNS - 1] - stock[0];
	if (spread < 2)
		spread = 2;
	diff = llabs(zero[SAME_EVENTS_RUNS / 2] - stock[SAME_EVENTS_RUNS / 2]);
	kt_log("medians: nothing attached %lld, zero hook %lld; stock spread %lld\n",
	       stock[SAME_EVENTS_RUNS / 2], zero[SAME_EVENTS_RUNS / 2], spread);
	if (!ASSERT_LE(diff, spread, "diff"))
		return;
}

static void high_detach_stops(void)
{
	struct high_sample before, after;
	struct memcg_ops_test *skel;
	struct bpf_link *link;
	__u64 calls;
	char cg[PATH_MAX];

	if (!ASSERT_OK(kt_cg_create("d", cg), "kt_cg_create"))
		return;
	skel = kt_ops_load_penalty(kt_cg_id(cg));
	if (!ASSERT_OK_PTR(skel, "skel"))
		return;
	link = kt_ops_attach(skel, cg, BPF_F_CGROUP_FD);
	if (!ASSERT_OK_PTR(link, "link"))
		return;
	if (!ASSERT_OK(kt_cg_run_alloc(cg, ALLOC_MB, 1), "kt_cg_run_alloc"))
		return;
	if (!ASSERT_OK(sample(cg, &before), "sample"))
		return;
	if (!ASSERT_GT(before.bpf_high, 0, "before.bpf_high"))
		return;

	bpf_link__destroy(link);
	calls = skel->bss->pages_calls;
	if (!ASSERT_OK(kt_cg_run_alloc(cg, ALLOC_MB, 1), "kt_cg_run_alloc"))
		return;
	if (!ASSERT_OK(sample(cg, &after), "sample"))
		return;
	if (!ASSERT_EQ(skel->bss->pages_calls, calls, "skel->bss->pages_calls"))
		return;
	if (!ASSERT_EQ(after.bpf_high, before.bpf_high, "after.bpf_high"))
		return;

	memcg_ops_test__destroy(skel);
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

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/*
 * Allocate mb in a new cgroup whose hook returns n once the usage reaches
 * min_usage pages, for one over-high pass (and the one or two stock refills
 * before it), then 0; *stall_us gets the memory stall of the cgroup,
 * *run_us how long the allocating child ran, *s its counters.
 */
static bool delay_of(const char *name, __u32 n, __u64 min_usage,
			       size_t mb, long long *stall_us, long long *run_us,
			       struct high_sample *s)
{
	struct memcg_ops_test *skel;
	struct bpf_link *link;
	long long before, after, start;
	char cg[PATH_MAX];

	if (!ASSERT_OK(kt_cg_create(name, cg), "kt_cg_create"))
		return false;
	skel = kt_ops_load(kt_cg_id(cg), n);
	if (!ASSERT_OK_PTR(skel, "skel"))
		return false;
	skel->bss->min_usage = min_usage;
	skel->bss->max_returns = 3;
	link = kt_ops_attach(skel, cg, BPF_F_CGROUP_FD);
	if (!ASSERT_OK_PTR(link, "link"))
		return false;
	before = pressure_some_us(cg);
	if (!ASSERT_GE(before, 0, "before"))
		return false;
	start = now_us();
	if (!ASSERT_OK(kt_cg_run_alloc(cg, mb, 1), "kt_cg_run_alloc"))
		return false;
	*run_us = now_us() - start;
	after = pressure_some_us(cg);
	*stall_us = after - before;
	sample(cg, s);
	kt_log("N %u from %llu pages: ran %lld us, memory stall %lld us, "
	       "bpf_high events %lld, high events %lld, hook calls %llu, "
	       "armed %llu\n", n, (unsigned long long)min_usage, *run_us,
	       *stall_us, s->bpf_high, s->high,
	       (unsigned long long)skel->bss->pages_calls,
	       (unsigned long long)skel->bss->armed_calls);
	if (!ASSERT_GT(skel->bss->armed_calls, 3, "skel->bss->armed_calls"))
		return false;

	bpf_link__destroy(link);
	memcg_ops_test__destroy(skel);
	return true;
}

/*
 * The policy's delay is slept, but is no memory stall: of the 1.3 s or 2 s
 * slept, memory.pressure may show what first-touch faults and the
 * allocator cost, far less than the sleep.
 */
#define KT_POLICY_STALL_MAX_US	200000

static void high_delay_owed(void)
{
	long long stall, run;
	struct high_sample s;

	/*
	 * From 1024 pages on, N = 128 is f = 128 / 896 over the lowered
	 * level: 64 f^2 = 1.3 s for a batch of 64 pages.  Reclaim of 128
	 * pages to zram keeps up, so the stock code would not sleep at all.
	 */
	if (!ASSERT_TRUE(delay_of("o", 128, 1024, 8, &stall, &run, &s), "delay_of"))
		return;
	if (!ASSERT_GE(run, 1000000, "run"))
		return;
	if (!ASSERT_LT(stall, KT_POLICY_STALL_MAX_US, "stall"))
		return;
	if (!ASSERT_EQ(s.high, 0, "s.high"))
		return;
	if (!ASSERT_GT(s.bpf_high, 0, "s.bpf_high"))
		return;
}

static void high_delay_clamped(void)
{
	long long stall, run;
	struct high_sample s;

	/* The lowered level is 0: the overage is capped, the delay clamped. */
	if (!ASSERT_TRUE(delay_of("c", UINT_MAX, 0, 2, &stall, &run, &s), "delay_of"))
		return;
	if (!ASSERT_GE(run, 1900000, "run"))
		return;
	if (!ASSERT_LT(stall, KT_POLICY_STALL_MAX_US, "stall"))
		return;
	if (!ASSERT_EQ(s.high, 0, "s.high"))
		return;
	if (!ASSERT_GT(s.bpf_high, 0, "s.bpf_high"))
		return;
}

/*
 * The other side of the two above: nothing attached, a real memory.high
 * exceeded by the same allocation raises "high", not "bpf_high", and its
 * reclaim is memory stall, as on a stock kernel.
 */
static void high_real_limit_is_pressure(void)
{
	struct high_sample s;
	long long before, stall;
	char cg[PATH_MAX];

	if (!ASSERT_OK(kt_cg_create("real", cg), "kt_cg_create"))
		return;
	if (!ASSERT_OK(kt_cg_write(cg, "memory.high", "2M"), "kt_cg_write"))
		return;
	before = pressure_some_us(cg);
	if (!ASSERT_GE(before, 0, "before"))
		return;
	if (!ASSERT_OK(kt_cg_run_alloc(cg, ALLOC_MB, 1), "kt_cg_run_alloc"))
		return;
	stall = pressure_some_us(cg) - before;
	if (!ASSERT_OK(sample(cg, &s), "sample"))
		return;
	kt_log("memory.high 2M: high events %lld, bpf_high events %lld, "
	       "memory stall %lld us\n", s.high, s.bpf_high, stall);
	if (!ASSERT_GT(s.high, 0, "s.high"))
		return;
	if (!ASSERT_EQ(s.bpf_high, 0, "s.bpf_high"))
		return;
	if (!ASSERT_GT(stall, 0, "stall"))
		return;
}

#define URING_CHUNK_MB	1
#define URING_WRITES	12

/* One SQE at a time on a raw io_uring: enough for a test, no liburing. */
struct uring {
	int fd;
	struct io_uring_sqe *sqes;
	unsigned int *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_cqe *cqes;
};

static int uring_init(struct uring *u)
{
	struct io_uring_params p;
	size_t sq_len, cq_len;
	char *sq, *cq;

	memset(&p, 0, sizeof(p));
	u->fd = syscall(__NR_io_uring_setup, 4, &p);
	if (u->fd < 0)
		return -1;
	sq_len = p.sq_off.array + p.sq_entries * sizeof(__u32);
	cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP)
		sq_len = cq_len = sq_len > cq_len ? sq_len : cq_len;
	sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		  u->fd, IORING_OFF_SQ_RING);
	if (sq == MAP_FAILED)
		return -1;
	cq = p.features & IORING_FEAT_SINGLE_MMAP ? sq :
		mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		     u->fd, IORING_OFF_CQ_RING);
	if (cq == MAP_FAILED)
		return -1;
	u->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, u->fd,
		       IORING_OFF_SQES);
	if (u->sqes == MAP_FAILED)
		return -1;
	u->sq_tail = (unsigned int *)(sq + p.sq_off.tail);
	u->sq_mask = (unsigned int *)(sq + p.sq_off.ring_mask);
	u->sq_array = (unsigned int *)(sq + p.sq_off.array);
	u->cq_head = (unsigned int *)(cq + p.cq_off.head);
	u->cq_tail = (unsigned int *)(cq + p.cq_off.tail);
	u->cq_mask = (unsigned int *)(cq + p.cq_off.ring_mask);
	u->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return 0;
}

/* A write of LEN at OFF, forced to an io-wq worker; its result. */
static int uring_write_async(struct uring *u, int fd, const char *buf,
			     size_t len, __u64 off)
{
	unsigned int tail = *u->sq_tail, head;
	struct io_uring_sqe *sqe = &u->sqes[0];
	int res;

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_WRITE;
	sqe->flags = IOSQE_ASYNC;
	sqe->fd = fd;
	sqe->addr = (__u64)(unsigned long)buf;
	sqe->len = len;
	sqe->off = off;
	u->sq_array[tail & *u->sq_mask] = 0;
	__atomic_store_n(u->sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, u->fd, 1, 1, IORING_ENTER_GETEVENTS,
		    NULL, 0) < 0)
		return -1;
	head = *u->cq_head;
	if (head == __atomic_load_n(u->cq_tail, __ATOMIC_ACQUIRE))
		return -1;
	res = u->cqes[head & *u->cq_mask].res;
	__atomic_store_n(u->cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

/*
 * Writes to a tmpfs file through io_uring, all in io-wq workers: the page
 * cache is charged by the workers, never by this task.  The buffer comes
 * from the parent, filled before the fork, so this task only reads it.
 */
static int child_uring_writes(void *arg)
{
	const char *buf = arg;
	size_t len = URING_CHUNK_MB << 20;
	struct uring u;
	int fd;

	fd = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	if (fd < 0 || uring_init(&u)) {
		perror("io_uring or O_TMPFILE");
		return 1;
	}
	for (int i = 0; i < URING_WRITES; i++) {
		int res = uring_write_async(&u, fd, buf, len, (__u64)i * len);

		if (res != (int)len) {
			fprintf(stderr, "io_uring write %d: %d\n", i, res);
			return 1;
		}
	}
	return 0;
}

/*
 * D6 of the third review: io_uring's io-wq workers charge for the process
 * (PF_USER_WORKER), and stock memory.high throttles them: they handle the
 * over-high state in io_run_task_work().  A policy's level must reach them
 * too, or a throttled group escapes through io_uring.  The hook counts in
 * this cgroup only what the workers charged; their passes raise bpf_high.
 */
static void high_io_uring_workers_yield(void)
{
	struct memcg_ops_test *skel;
	struct bpf_link *link;
	struct high_sample s;
	char cg[PATH_MAX];
	char *buf = malloc(URING_CHUNK_MB << 20);

	if (!ASSERT_OK_PTR(buf, "buf"))
		return;
	memset(buf, 'u', URING_CHUNK_MB << 20);
	if (!ASSERT_OK(kt_cg_create("uring", cg), "kt_cg_create"))
		return;
	skel = kt_ops_load_penalty(kt_cg_id(cg));
	if (!ASSERT_OK_PTR(skel, "skel"))
		return;
	link = kt_ops_attach(skel, cg, BPF_F_CGROUP_FD);
	if (!ASSERT_OK_PTR(link, "link"))
		return;

	if (!ASSERT_OK(kt_cg_run(cg, child_uring_writes, buf), "kt_cg_run"))
		return;
	free(buf);
	if (!ASSERT_OK(sample(cg, &s), "sample"))
		return;
	kt_log("io_uring writes: hook calls %llu, armed %llu, bpf_high events %lld, "
	       "pgscan %lld\n", (unsigned long long)skel->bss->pages_calls,
	       (unsigned long long)skel->bss->armed_calls, s.bpf_high, s.pgscan);
	if (!ASSERT_GT(skel->bss->armed_calls, 0, "skel->bss->armed_calls"))
		return;
	if (!ASSERT_GT(s.bpf_high, 0, "s.bpf_high"))
		return;
	if (!ASSERT_EQ(s.high, 0, "s.high"))
		return;
	if (!ASSERT_GT(s.pgscan, 0, "s.pgscan"))
		return;

	bpf_link__destroy(link);
	memcg_ops_test__destroy(skel);
}

void test_memcg_ops_high(void)
{
	kt_subtest("high_events_with_high_max",
		   "N > 0 with memory.high=max raises bpf_high events, not high, and reclaims",
		   high_events_with_high_max);
	kt_subtest("high_events_below_finite_high",
		   "N > 0 below a finite memory.high raises bpf_high events, not high, and reclaims",
		   high_events_below_finite_high);
	kt_subtest("high_zero_changes_nothing",
		   "a hook returning 0 leaves memory.high handling alone",
		   high_zero_changes_nothing);
	kt_subtest("high_outside_untouched",
		   "a cgroup outside every attachment sees no hook call and no high event",
		   high_outside_untouched);
	kt_subtest("high_zero_same_events",
		   "a hook returning 0 over a real memory.high gives the stock high events",
		   high_zero_same_events);
	kt_subtest("high_detach_stops",
		   "after detach the hook is no longer called and bpf_high events stop",
		   high_detach_stops);
	kt_subtest("high_delay_owed",
		   "the delay of N pages over is slept even when reclaim keeps up, and is no memory stall",
		   high_delay_owed);
	kt_subtest("high_delay_clamped",
		   "N over the usage makes one pass sleep the 2 s clamp, and is no memory stall",
		   high_delay_clamped);
	kt_subtest("high_real_limit_is_pressure",
		   "a real memory.high raises high events and memory stall, no bpf_high",
		   high_real_limit_is_pressure);
	kt_subtest("high_io_uring_workers_yield",
		   "io_uring writes into tmpfs from a throttled group yield too (bpf_high, reclaim)",
		   high_io_uring_workers_yield);
}

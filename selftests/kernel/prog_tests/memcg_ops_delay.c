// SPDX-License-Identifier: GPL-2.0
/*
 * The delay memcg_bpf_ops asks for: each pass's sleep, recorded by fentry on
 * schedule_timeout_killable() (progs/memcg_delay_test.c), must have the
 * timeout the documented formula gives for the values the hook saw, must
 * happen on the way back to user space and never inside a charge, must
 * respect the effective memory.min and memory.low, and must end once the
 * hook stops asking.  The policy's reclaim
 * (fentry/fexit on try_to_free_mem_cgroup_pages()) happens on the way back
 * to user space only, in bounded batches that a fatal signal stops, and
 * never takes the usage below the protection.  Counters only, no run times.
 */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/types.h>

#include <test_progs.h>

#include "kt_log.h"
#include "kt_cgroup.h"
#include "kt_ops.h"
#include "memcg_delay_test.h"
#include "memcg_delay_test.skel.h"

#ifndef KT_KERNEL_HZ
#error "KT_KERNEL_HZ: CONFIG_HZ of the kernel under test, from its .config"
#endif

/* mm/memcontrol.c */
#define MEMCG_CHARGE_BATCH		64
#define MEMCG_DELAY_PRECISION_SHIFT	20
#define MEMCG_DELAY_SCALING_SHIFT	14
#define MEMCG_MAX_HIGH_DELAY_JIFFIES	(2ULL * KT_KERNEL_HZ)
#define MEMCG_BPF_MAX_OVERAGE		(16ULL << MEMCG_DELAY_PRECISION_SHIFT)
#define MEMCG_BPF_RECLAIM_BATCH		(16 * MEMCG_CHARGE_BATCH)
#define SWAP_CLUSTER_MAX		32
/*
 * How far below the lowered level a pass may end: the last reclaim call
 * asks for the rest of the overage, at least SWAP_CLUSTER_MAX pages, and
 * vmscan, once it has that many, goes on scanning the other LRU type in
 * proportion (shrink_lruvec()).  Two charge batches; 94 pages were seen
 * on a 5M cgroup.  kernel/README.md says so.
 */
#define KT_RECLAIM_SLACK		(2 * MEMCG_CHARGE_BATCH)
/*
 * How far below the floor the usage may read after a pass: reclaim's own
 * overshoot (KT_RECLAIM_SLACK), plus the charge each CPU holds in its stock.
 * The usage counts those pages, and a charge of another memcg on that CPU
 * hands them back to the counter without any reclaim (drain_stock()).  The
 * reclaim bound alone was once missed by 2 pages (130 below a 4M floor).
 */
#define KT_FLOOR_SLACK(ncpu)		(KT_RECLAIM_SLACK + (ncpu) * MEMCG_CHARGE_BATCH)

/*
 * The delay of one over-high pass as kernel/README.md documents it: the
 * lowered level max(min(high, usage) - N, emin, elow), the overage over it
 * capped at 16, the stock curve for the pages charged, the stock clamp.
 */
static __u64 expected_delay(const struct kt_sleep *s)
{
	__u64 base = s->high < s->usage ? s->high : s->usage;
	__u64 level = base > s->n ? base - s->n : 0;
	__u64 overage, delay;

	if (level < s->min)
		level = s->min;
	if (level < s->low)
		level = s->low;
	if (level >= s->usage)
		return 0;
	if (!level)
		level = 1;
	overage = ((s->usage - level) << MEMCG_DELAY_PRECISION_SHIFT) / level;
	if (overage > MEMCG_BPF_MAX_OVERAGE)
		overage = MEMCG_BPF_MAX_OVERAGE;
	delay = overage * overage * KT_KERNEL_HZ;
	delay >>= MEMCG_DELAY_PRECISION_SHIFT;
	delay >>= MEMCG_DELAY_SCALING_SHIFT;
	delay = delay * s->nr_charged / MEMCG_CHARGE_BATCH;
	if (delay > MEMCG_MAX_HIGH_DELAY_JIFFIES)
		delay = MEMCG_MAX_HIGH_DELAY_JIFFIES;
	return delay <= KT_KERNEL_HZ / 100 ? 0 : delay;
}

struct delay_run {
	struct memcg_delay_test *skel;
	struct bpf_link *ops_link;
	struct bpf_link *probes[8];
	int nr_probes;
	char cg[PATH_MAX];
};

static void delay_run_destroy(struct delay_run *r)
{
	for (int i = 0; i < r->nr_probes; i++)
		bpf_link__destroy(r->probes[i]);
	bpf_link__destroy(r->ops_link);
	memcg_delay_test__destroy(r->skel);
}

/* A cgroup NAME whose hook returns N from MIN_USAGE pages on, probes on. */
static int delay_run_start(struct delay_run *r, const char *name, __u32 n,
			   __u64 min_usage)
{
	LIBBPF_OPTS(bpf_struct_ops_opts, opts, .flags = BPF_F_CGROUP_FD);
	struct bpf_program *prog;
	int fd;

	memset(r, 0, sizeof(*r));
	if (kt_cg_create(name, r->cg))
		return -1;
	r->skel = memcg_delay_test__open_and_load();
	if (!r->skel) {
		fprintf(stderr, "cannot load memcg_delay_test: %s\n", strerror(errno));
		return -1;
	}
	r->skel->bss->target_cgid = kt_cg_id(r->cg);
	r->skel->bss->nr_pages = n;
	r->skel->bss->min_usage = min_usage;

	bpf_object__for_each_program(prog, r->skel->obj) {
		if (bpf_program__type(prog) != BPF_PROG_TYPE_TRACING)
			continue;
		r->probes[r->nr_probes] = bpf_program__attach(prog);
		if (!r->probes[r->nr_probes]) {
			fprintf(stderr, "cannot attach %s: %s\n",
				bpf_program__name(prog), strerror(errno));
			return -1;
		}
		r->nr_probes++;
	}

	fd = kt_cg_open(r->cg);
	if (fd < 0)
		return -1;
	opts.target_fd = fd;
	r->ops_link = bpf_map__attach_struct_ops_opts(r->skel->maps.delay_ops, &opts);
	close(fd);
	return r->ops_link ? 0 : -1;
}

static void log_sleeps(const struct memcg_delay_test *skel)
{
	const struct memcg_delay_test__bss *bss = skel->bss;

	kt_log("armed hook calls %llu, return passes %llu, sleeps %llu\n",
	       (unsigned long long)bss->armed_calls,
	       (unsigned long long)bss->return_passes,
	       (unsigned long long)bss->nr_sleeps);
	for (__u64 i = 0; i < bss->nr_sleeps && i < KT_MAX_SLEEPS; i++) {
		const struct kt_sleep *s = &bss->sleeps[i];

		kt_log("sleep %llu: %llu jiffies (formula %llu), usage %llu, "
		       "N %u, charged %llu, min %llu, low %llu, %s\n",
		       (unsigned long long)i, (unsigned long long)s->timeout,
		       (unsigned long long)expected_delay(s),
		       (unsigned long long)s->usage, s->n,
		       (unsigned long long)s->nr_charged,
		       (unsigned long long)s->min, (unsigned long long)s->low,
		       s->in_charge ? "in a charge" :
		       s->in_return ? "on return to user space" : "elsewhere");
	}
}

/* Every pass's sleep: on return to user space, of the formula's length. */
static bool check_sleeps(const struct memcg_delay_test *skel)
{
	const struct memcg_delay_test__bss *bss = skel->bss;

	if (!ASSERT_LE(bss->nr_sleeps, KT_MAX_SLEEPS, "bss->nr_sleeps"))
		return false;
	for (__u64 i = 0; i < bss->nr_sleeps; i++) {
		const struct kt_sleep *s = &bss->sleeps[i];

		if (!ASSERT_EQ(s->in_charge, 0, "s->in_charge"))
			return false;
		if (!ASSERT_EQ(s->in_return, 1, "s->in_return"))
			return false;
		if (!ASSERT_EQ(s->timeout, expected_delay(s), "s->timeout"))
			return false;
	}
	return true;
}

struct delay_case {
	const char *name;
	__u32 n;		/* what the hook returns */
	__u64 min_usage;	/* pages: from this usage on */
	const char *prot_file;	/* memory.min or memory.low, or NULL */
	const char *prot_value;
	int prot_base;		/* the same on the tests' parent cgroup too */
};

struct delay_result {
	__u64 sleeps;
	__u64 first_timeout;	/* 0 without a sleep */
	long long bpf_high_events;
	long long high_events;
	__u64 min_usage_after_pass;
};

/* Allocate 5M in a new cgroup as C says; check every sleep it caused. */
static bool run_case(const struct delay_case *c, struct delay_result *res)
{
	bool ret = false;
	struct delay_run r;

	if (delay_run_start(&r, c->name, c->n, c->min_usage))
		goto out;
	if (c->prot_file && kt_cg_write(r.cg, c->prot_file, c->prot_value))
		goto out;
	if (c->prot_base &&
	    kt_cg_write(kt_cg_base(), c->prot_file, c->prot_value))
		goto out;
	if (kt_cg_run_alloc(r.cg, 5, 1))
		goto out;
	log_sleeps(r.skel);
	if (!r.skel->bss->armed_calls || !r.skel->bss->return_passes) {
		fprintf(stderr, "%s: the hook was never armed for a pass\n", c->name);
		goto out;
	}
	ret = check_sleeps(r.skel);
	res->sleeps = r.skel->bss->nr_sleeps;
	res->first_timeout = res->sleeps ? r.skel->bss->sleeps[0].timeout : 0;
	res->bpf_high_events = kt_cg_read_key(r.cg, "memory.events", "bpf_high");
	res->high_events = kt_cg_read_key(r.cg, "memory.events", "high");
	res->min_usage_after_pass = r.skel->bss->min_usage_after_pass;
	kt_log("%s: bpf_high %lld, high %lld, least usage after a pass %llu\n",
	       c->name, res->bpf_high_events, res->high_events,
	       (unsigned long long)res->min_usage_after_pass);
out:
	if (c->prot_base)
		kt_cg_write(kt_cg_base(), c->prot_file, "0");
	delay_run_destroy(&r);
	return ret;
}

static void delay_matches_formula(void)
{
	/* About 6 % over the lowered level: a quarter second a batch. */
	static const struct delay_case mid = { .name = "mid", .n = 64, .min_usage = 1024 };
	/* Below HZ/100 and SWAP_CLUSTER_MAX: passes, but no reclaim and no sleep. */
	static const struct delay_case tiny = { .name = "tiny", .n = 4, .min_usage = 1024 };
	/* N over the usage: the level is 0, the delay the stock clamp. */
	static const struct delay_case clamp = { .name = "clamp", .n = UINT_MAX, .min_usage = 1200 };
	struct delay_result r;

	if (!ASSERT_TRUE(run_case(&mid, &r), "run_case"))
		return;
	if (!ASSERT_GT(r.sleeps, 0, "r.sleeps"))
		return;
	if (!ASSERT_GT(r.first_timeout, KT_KERNEL_HZ / 100, "r.first_timeout"))
		return;
	if (!ASSERT_LT(r.first_timeout, MEMCG_MAX_HIGH_DELAY_JIFFIES, "r.first_timeout"))
		return;

	if (!ASSERT_TRUE(run_case(&tiny, &r), "run_case"))
		return;
	if (!ASSERT_EQ(r.sleeps, 0, "r.sleeps"))
		return;
	if (!ASSERT_EQ(r.high_events, 0, "r.high_events"))
		return;
	if (!ASSERT_GT(r.bpf_high_events, 0, "r.bpf_high_events"))
		return;

	if (!ASSERT_TRUE(run_case(&clamp, &r), "run_case"))
		return;
	if (!ASSERT_GT(r.sleeps, 0, "r.sleeps"))
		return;
	if (!ASSERT_EQ(r.first_timeout, MEMCG_MAX_HIGH_DELAY_JIFFIES, "r.first_timeout"))
		return;
}

static void delay_honours_protection(void)
{
	/* Protected beyond the usage, parent too: nothing to do, whatever N is. */
	static const struct delay_case min = { "min", UINT_MAX, 256, "memory.min", "64M", 1 };
	static const struct delay_case low = { "low", UINT_MAX, 256, "memory.low", "64M", 1 };
	/*
	 * Protected up to 4M of the 5M: the level stops there, and the delay
	 * is that of the overage over 4M (check_sleeps), not the clamp; no
	 * pass ends with the usage below 4M.
	 */
	static const struct delay_case part = { "part", UINT_MAX, 256, "memory.min", "4M", 1 };
	/*
	 * The cgroup's own memory.low, under a parent without protection: its
	 * effective protection is 0, and whoever may write a memory.low in a
	 * delegated subtree does not escape the policy with it.
	 */
	static const struct delay_case own = { "own", UINT_MAX, 256, "memory.low", "64M", 0 };
	struct delay_result r;

	if (!ASSERT_TRUE(run_case(&min, &r), "run_case"))
		return;
	if (!ASSERT_EQ(r.sleeps, 0, "r.sleeps"))
		return;
	if (!ASSERT_EQ(r.bpf_high_events, 0, "r.bpf_high_events"))
		return;
	if (!ASSERT_TRUE(run_case(&low, &r), "run_case"))
		return;
	if (!ASSERT_EQ(r.sleeps, 0, "r.sleeps"))
		return;
	if (!ASSERT_EQ(r.bpf_high_events, 0, "r.bpf_high_events"))
		return;
	if (!ASSERT_TRUE(run_case(&part, &r), "run_case"))
		return;
	if (!ASSERT_GT(r.min_usage_after_pass, 0, "r.min_usage_after_pass"))
		return;
	if (!ASSERT_GE((long long)r.min_usage_after_pass,
		       (4 << 20) / 4096 - KT_FLOOR_SLACK(sysconf(_SC_NPROCESSORS_ONLN)),
		       "r.min_usage_after_pass"))
		return;
	if (!ASSERT_GT(r.bpf_high_events, 0, "r.bpf_high_events"))
		return;
	if (!ASSERT_TRUE(run_case(&own, &r), "run_case"))
		return;
	if (!ASSERT_GT(r.sleeps, 0, "r.sleeps"))
		return;
	if (!ASSERT_EQ(r.first_timeout, MEMCG_MAX_HIGH_DELAY_JIFFIES, "r.first_timeout"))
		return;
	if (!ASSERT_GT(r.bpf_high_events, 0, "r.bpf_high_events"))
		return;
}

#define WRITE_MB 8

/*
 * One write() of WRITE_MB to a tmpfs file: 32 stock refills in a syscall.
 * The buffer comes from the parent, filled before the fork: the child only
 * reads it, so the write's page cache is all it charges.
 */
static int child_write(void *arg)
{
	const char *buf = arg;
	size_t len = WRITE_MB << 20;
	int fd;

	fd = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	if (fd < 0) {
		perror("O_TMPFILE");
		return 1;
	}
	if (write(fd, buf, len) != (ssize_t)len) {
		perror("write");
		return 1;
	}
	close(fd);
	return 0;
}

static void delay_only_on_return(void)
{
	const struct memcg_delay_test__bss *bss;
	struct delay_run r;
	char *buf = malloc(WRITE_MB << 20);

	if (!ASSERT_OK_PTR(buf, "buf"))
		return;
	memset(buf, 'x', WRITE_MB << 20);
	/* Armed from 1M on: the write's refills after that reach the sync path. */
	if (!ASSERT_OK(delay_run_start(&r, "w", UINT_MAX, 256), "delay_run_start"))
		return;
	if (!ASSERT_OK(kt_cg_run(r.cg, child_write, buf), "kt_cg_run"))
		return;
	free(buf);
	bss = r.skel->bss;
	log_sleeps(r.skel);
	if (!ASSERT_GT(bss->armed_calls, 2, "bss->armed_calls"))
		return;
	if (!ASSERT_GT(bss->nr_sleeps, 0, "bss->nr_sleeps"))
		return;
	if (!ASSERT_TRUE(check_sleeps(r.skel), "check_sleeps"))
		return;
	if (!ASSERT_EQ(bss->sleeps[0].timeout, MEMCG_MAX_HIGH_DELAY_JIFFIES,
		       "bss->sleeps[0].timeout"))
		return;
	/* The pages the synchronous passes left reach the return path. */
	if (!ASSERT_GT(bss->sleeps[bss->nr_sleeps - 1].nr_charged, MEMCG_CHARGE_BATCH,
		       "last sleep nr_charged"))
		return;
	delay_run_destroy(&r);
}

/*
 * D1 of the third review: inside one large write() over both a real
 * memory.high and a policy's level, the synchronous passes keep to the
 * real limits with the stock counter, reset each time: each asks reclaim
 * for at most the two batches charged since the last, and the hook is
 * asked once per stock refill, not again by every pass.  A pass that
 * re-armed the counter with the policy's pages made each ask bigger than
 * the last, quadratic over-reclaim.
 */
static void delay_sync_pass_bounded(void)
{
	const struct memcg_delay_test__bss *bss;
	__u64 refills = (WRITE_MB << 20) / 4096 / MEMCG_CHARGE_BATCH;
	struct delay_run r;
	char *buf = malloc(WRITE_MB << 20);

	if (!ASSERT_OK_PTR(buf, "buf"))
		return;
	memset(buf, 'x', WRITE_MB << 20);
	/* 1M of policy pages over a level armed from 2M; a real high of 4M. */
	if (!ASSERT_OK(delay_run_start(&r, "s", 256, 512), "delay_run_start"))
		return;
	if (!ASSERT_OK(kt_cg_write(r.cg, "memory.high", "4M"), "kt_cg_write"))
		return;
	if (!ASSERT_OK(kt_cg_run(r.cg, child_write, buf), "kt_cg_run"))
		return;
	free(buf);
	bss = r.skel->bss;
	kt_log("hook calls %llu (stock refills of the write %llu); in charges: "
	       "%llu reclaims asked %llu pages, at most %llu, got %llu; on "
	       "return: %llu reclaims asked %llu, at most %llu, got %llu\n",
	       (unsigned long long)bss->hook_calls, (unsigned long long)refills,
	       (unsigned long long)bss->in_charge_reclaim.calls,
	       (unsigned long long)bss->in_charge_reclaim.asked,
	       (unsigned long long)bss->in_charge_reclaim.max_asked,
	       (unsigned long long)bss->in_charge_reclaim.reclaimed,
	       (unsigned long long)bss->in_return_reclaim.calls,
	       (unsigned long long)bss->in_return_reclaim.asked,
	       (unsigned long long)bss->in_return_reclaim.max_asked,
	       (unsigned long long)bss->in_return_reclaim.reclaimed);
	/* The real limit was exceeded inside the write: sync passes ran. */
	if (!ASSERT_GT(bss->in_charge_reclaim.calls, 0, "bss->in_charge_reclaim.calls"))
		return;
	if (!ASSERT_LE(bss->in_charge_reclaim.max_asked, 2 * MEMCG_CHARGE_BATCH, "max_asked"))
		return;
	/* What the write charged, and the policy's overage, bound the total. */
	if (!ASSERT_LE(bss->in_charge_reclaim.reclaimed, refills * MEMCG_CHARGE_BATCH, "reclaimed"))
		return;
	/* One ask per refill, a quarter more for slab and the return pass. */
	if (!ASSERT_LE(bss->hook_calls, refills * 5 / 4 + 4, "bss->hook_calls"))
		return;
	/* The policy's pass ran on the way back, in batches. */
	if (!ASSERT_GT(bss->in_return_reclaim.calls, 0, "bss->in_return_reclaim.calls"))
		return;
	if (!ASSERT_LE(bss->in_return_reclaim.max_asked, MEMCG_BPF_RECLAIM_BATCH, "max_asked"))
		return;
	if (!ASSERT_GT(kt_cg_read_key(r.cg, "memory.events", "bpf_high"), 0, "kt_cg_read_key"))
		return;
	delay_run_destroy(&r);
}

/*
 * A child that joins CG and allocates MB, ROUNDS times (kt_alloc_anon()),
 * left running: exit status 0 when it is done, 1 if it could not.  Its pid,
 * or -1.
 */
static pid_t fork_alloc(const char *cg, size_t mb, int rounds)
{
	pid_t pid = fork();
	char me[32];

	if (pid != 0)
		return pid;
	snprintf(me, sizeof(me), "%d", getpid());
	if (kt_cg_write(cg, "cgroup.procs", me))
		_exit(1);
	_exit(kt_alloc_anon(mb, rounds) ? 1 : 0);
}

#define KILL_MB		64
#define KILL_ARMED_MB	48

/*
 * D2 of the third review: a level far below the usage (N = UINT_MAX, level
 * 0) is reclaimed in batches, and SIGKILL stops the pass after the batch
 * in flight; one unbounded reclaim call ran to its end, whatever signal
 * came.  The child allocates KILL_MB; the hook arms at KILL_ARMED_MB, so
 * that one pass has about that much to reclaim; the parent kills the
 * child as soon as the pass's first reclaim call has begun.
 */
static void delay_pass_killable(void)
{
	const struct memcg_delay_test__bss *bss;
	__u64 armed_pages = (KILL_ARMED_MB << 20) / 4096;
	struct timespec nap = { 0, 1000000 };
	struct delay_run r;
	int status, polls;
	pid_t pid;

	if (!ASSERT_OK(delay_run_start(&r, "k", UINT_MAX, armed_pages), "delay_run_start"))
		return;
	bss = r.skel->bss;
	pid = fork_alloc(r.cg, KILL_MB, 1000);
	if (!ASSERT_GE(pid, 0, "pid"))
		return;
	for (polls = 0; polls < 60000 && !bss->in_return_reclaim.calls; polls++)
		nanosleep(&nap, NULL);
	r.skel->bss->killed = 1;
	kill(pid, SIGKILL);
	if (!ASSERT_EQ(waitpid(pid, &status, 0), pid, "waitpid"))
		return;
	kt_log("polls %d; on return: %llu reclaims asked %llu, at most %llu, "
	       "got %llu; after the kill %llu\n", polls,
	       (unsigned long long)bss->in_return_reclaim.calls,
	       (unsigned long long)bss->in_return_reclaim.asked,
	       (unsigned long long)bss->in_return_reclaim.max_asked,
	       (unsigned long long)bss->in_return_reclaim.reclaimed,
	       (unsigned long long)bss->reclaimed_after_kill);
	if (!ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "WIFSIGNALED"))
		return;
	if (!ASSERT_GT(bss->in_return_reclaim.calls, 0, "bss->in_return_reclaim.calls"))
		return;
	if (!ASSERT_LE(bss->in_return_reclaim.max_asked, MEMCG_BPF_RECLAIM_BATCH, "max_asked"))
		return;
	if (!ASSERT_LE(bss->reclaimed_after_kill, MEMCG_BPF_RECLAIM_BATCH + KT_RECLAIM_SLACK,
		       "bss->reclaimed_after_kill"))
		return;
	/* The kill cut the pass short: most of the armed usage stayed. */
	if (!ASSERT_LT(bss->in_return_reclaim.reclaimed, armed_pages / 2, "reclaimed"))
		return;
	delay_run_destroy(&r);
}

#define RELEASE_MB	8

/*
 * A pass sleeps for the policy only while the policy keeps asking.  The
 * hook presses with N = UINT_MAX (a 2 s clamp); as soon as the child's
 * first pass sleeps, the test releases it (the hook answers 0), and that
 * sleep must end after the slice in flight and the next: the kernel asks
 * again every HZ/20.  Its recorded timeout, the slices it asked for,
 * stays far below the clamp, and no pass sleeps after the release.  The
 * other cases of this file are the negative: a hook that keeps asking
 * gets the whole delay (delay_matches_formula's clamp).
 */
static void delay_ends_with_the_ask(void)
{
	const struct memcg_delay_test__bss *bss;
	struct timespec nap = { 0, 1000000 };
	__u64 slice = KT_KERNEL_HZ / 20;
	struct delay_run r;
	int status, polls;
	pid_t pid;

	if (!ASSERT_OK(delay_run_start(&r, "e", UINT_MAX, 256), "delay_run_start"))
		return;
	bss = r.skel->bss;
	pid = fork_alloc(r.cg, RELEASE_MB, 1);
	if (!ASSERT_GE(pid, 0, "pid"))
		return;
	for (polls = 0; polls < 60000 && !bss->nr_sleeps; polls++)
		nanosleep(&nap, NULL);
	r.skel->bss->released = 1;
	if (!ASSERT_EQ(waitpid(pid, &status, 0), pid, "waitpid"))
		return;
	log_sleeps(r.skel);
	kt_log("polls %d, asked again %llu times\n", polls,
	       (unsigned long long)bss->recheck_calls);
	if (!ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exit"))
		return;
	if (!ASSERT_EQ(bss->nr_sleeps, 1, "bss->nr_sleeps"))
		return;
	if (!ASSERT_EQ(bss->sleeps[0].in_return, 1, "in_return"))
		return;
	/* The formula gave the clamp; the release cut it short. */
	if (!ASSERT_EQ(expected_delay(&bss->sleeps[0]), MEMCG_MAX_HIGH_DELAY_JIFFIES,
		       "expected_delay"))
		return;
	if (!ASSERT_GT(bss->recheck_calls, 0, "bss->recheck_calls"))
		return;
	if (!ASSERT_LE(bss->sleeps[0].timeout, bss->sleeps[0].slices * slice, "timeout"))
		return;
	if (!ASSERT_LT(bss->sleeps[0].timeout, MEMCG_MAX_HIGH_DELAY_JIFFIES / 2, "timeout"))
		return;
	delay_run_destroy(&r);
}

void test_memcg_ops_delay(void)
{
	kt_subtest("delay_matches_formula",
		   "each sleep's timeout equals the documented formula",
		   delay_matches_formula);
	kt_subtest("delay_honours_protection",
		   "the lowered level stops at the effective memory.min and memory.low",
		   delay_honours_protection);
	kt_subtest("delay_only_on_return",
		   "a charge-heavy syscall sleeps on return to user space, not inside",
		   delay_only_on_return);
	kt_subtest("delay_sync_pass_bounded",
		   "a large write over a real memory.high and a policy level: sync passes ask two batches at most",
		   delay_sync_pass_bounded);
	kt_subtest("delay_pass_killable",
		   "SIGKILL stops the policy's reclaim within one batch",
		   delay_pass_killable);
	kt_subtest("delay_ends_with_the_ask",
		   "a pass's sleep ends within a slice once the hook answers 0",
		   delay_ends_with_the_ask);
}

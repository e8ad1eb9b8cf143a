// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_memcg_kick(): a task that holds its memory and charges nothing makes
 * the pass of memcg_bpf_ops' pages hook as soon as it is kicked, and not
 * before: it reclaims to the lowered level and sleeps while the hook keeps
 * asking, however little below its usage the level is, and runs again
 * once it stops; with the hook answering 0 a kick changes nothing.  It counts the tasks of the subtree, threads included,
 * at most 1024 a call; flags other than 0 and the root memcg get -EINVAL;
 * tracing programs and loaders without CAP_SYS_ADMIN cannot call it.
 *
 * The kicked tasks are "spinners": children that touch their memory once,
 * then only count in a shared page, in user space, with no syscall and no
 * fault: no charge, so no pass of their own.
 */
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <test_progs.h>

#include "kt_log.h"
#include "kt_caps.h"
#include "kt_cgroup.h"
#include "kt_load.h"
#include "kt_ops.h"
#include "memcg_kick_test.skel.h"

#define MB (1LL << 20)
/* The most tasks one call flags (BPF_MEMCG_KICK_MAX_TASKS). */
#define KICK_MAX 1024
/*
 * The hook's answer that presses: so little below a usage of 8M that the
 * stock curve would give a charge's pass no delay worth a sleep (16 ms at
 * most, and skipped at HZ / 100 or less); a kicked pass owes the 2 s clamp.
 */
#define PRESS_PAGES KT_PENALTY_PAGES
#define WAIT_S 10

/* What a spinner shares with the test. */
struct spin_page {
	volatile unsigned long count;	/* the main thread's loop */
	volatile int ready;		/* memory touched, threads started */
	volatile int failed;
};

struct spinner {
	struct spin_page *page;
	pid_t pid;
};

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static void *idle_thread(void *arg)
{
	for (;;)
		pause();
	return arg;
}

/*
 * Start a spinner in cgroup PATH holding MB MiB of anonymous memory, with
 * THREADS idle threads besides its counting one: 0 once it counts, -1 with
 * a message.  spin_stop() either way.
 */
static int spin_start(struct spinner *s, const char *path, size_t mb,
		      int threads)
{
	int polls;

	s->pid = -1;
	s->page = mmap(NULL, sizeof(*s->page), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s->page == MAP_FAILED) {
		s->page = NULL;
		perror("mmap");
		return -1;
	}
	s->pid = fork();
	if (s->pid < 0) {
		perror("fork");
		return -1;
	}
	if (s->pid == 0) {
		pthread_attr_t attr;
		char buf[32], *mem;
		pthread_t t;
		int i;

		snprintf(buf, sizeof(buf), "%d", getpid());
		if (kt_cg_write(path, "cgroup.procs", buf))
			_exit(2);
		mem = mb ? malloc(mb * MB) : NULL;
		if (mb && !mem)
			_exit(3);
		if (mem)
			memset(mem, 1, mb * MB);
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, 64 * 1024);
		for (i = 0; i < threads; i++) {
			if (pthread_create(&t, &attr, idle_thread, NULL)) {
				s->page->failed = 1;
				_exit(4);
			}
		}
		s->page->ready = 1;
		for (;;)
			s->page->count++;
	}
	for (polls = 0; polls < WAIT_S * 100 && !s->page->ready; polls++) {
		if (s->page->failed)
			break;
		nap_ms(10);
	}
	if (!s->page->ready) {
		fprintf(stderr, "spinner in %s not ready (failed %d)\n", path,
			s->page->failed);
		return -1;
	}
	return 0;
}

static void spin_stop(struct spinner *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	if (s->page)
		munmap((void *)s->page, sizeof(*s->page));
}

/* How far the spinner counted in MS milliseconds. */
static unsigned long progress(struct spinner *s, long ms)
{
	unsigned long c0 = s->page->count;

	nap_ms(ms);
	return s->page->count - c0;
}

static struct memcg_kick_test *kick_load(void)
{
	struct memcg_kick_test *skel = memcg_kick_test__open_and_load();

	if (!skel)
		fprintf(stderr, "cannot load memcg_kick_test: %s\n", strerror(errno));
	return skel;
}

/* bpf_memcg_kick(memcg of cgroup CGID, FLAGS) through PROG: its result. */
static int kick_run(struct memcg_kick_test *skel, struct bpf_program *prog,
		    __u64 cgid, __u64 flags)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);

	skel->bss->cgid = cgid;
	skel->bss->flags = flags;
	skel->bss->result = INT_MIN;
	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts) || opts.retval) {
		fprintf(stderr, "BPF_PROG_RUN of %s: %s, retval %u\n",
			bpf_program__name(prog), strerror(errno), opts.retval);
		return INT_MIN;
	}
	return skel->bss->result;
}

static int kick_cg(struct memcg_kick_test *skel, const char *cg)
{
	return kick_run(skel, skel->progs.kick, kt_cg_id(cg), 0);
}

static long long bpf_high_of(const char *cg)
{
	return kt_cg_read_key(cg, "memory.events", "bpf_high");
}

struct kick_run {
	struct memcg_kick_test *kick;
	struct memcg_ops_test *ops;
	struct bpf_link *link;
	struct spinner spin;
	char cg[PATH_MAX];
};

/*
 * Cgroup NAME with a spinner holding 8M, the test ops attached there,
 * answering 0 for now, and the kick program: 0, or -1 with a message.
 */
static int run_setup(struct kick_run *r, const char *name)
{
	if (kt_cg_create(name, r->cg))
		return -1;
	if (spin_start(&r->spin, r->cg, 8, 0))
		return -1;
	r->ops = kt_ops_load(kt_cg_id(r->cg), 0);
	if (!r->ops)
		return -1;
	r->link = kt_ops_attach(r->ops, r->cg, BPF_F_CGROUP_FD);
	if (!r->link) {
		fprintf(stderr, "cannot attach the test ops to %s: %s\n", r->cg,
			strerror(errno));
		return -1;
	}
	r->kick = kick_load();
	return r->kick ? 0 : -1;
}

static void run_cleanup(struct kick_run *r)
{
	spin_stop(&r->spin);
	bpf_link__destroy(r->link);
	memcg_ops_test__destroy(r->ops);
	memcg_kick_test__destroy(r->kick);
}

static void throttles(struct kick_run *r)
{
	volatile __u64 *rechecks;
	long long ev0, ev1, c0, c1;
	unsigned long before, asleep, after;
	int polls, n;

	if (!ASSERT_OK(run_setup(r, "t"), "run_setup"))
		return;
	rechecks = &r->ops->bss->recheck_calls;
	ev0 = bpf_high_of(r->cg);
	c0 = kt_cg_read_u64(r->cg, "memory.current");
	r->ops->bss->nr_pages = PRESS_PAGES;
	/* Pressed, but charging nothing: no pass, it keeps running. */
	before = progress(&r->spin, 300);
	if (!ASSERT_GT(before, 0, "progress before the kick"))
		return;
	if (!ASSERT_EQ(bpf_high_of(r->cg), ev0, "bpf_high before the kick"))
		return;
	if (!ASSERT_EQ(*rechecks, 0, "rechecks before the kick"))
		return;

	n = kick_cg(r->kick, r->cg);
	if (!ASSERT_EQ(n, 1, "tasks kicked"))
		return;
	if (getenv("KT_TRACE")) {
		for (int i = 0; i < 20; i++)
			kt_log("t+%d ms: %lu rechecks %llu\n", i * 50, progress(&r->spin, 50),
			       (unsigned long long)*rechecks);
	}
	/* Its pass sleeps, asking the hook again after each slice. */
	for (polls = 0; polls < WAIT_S * 100 && !*rechecks; polls++)
		nap_ms(10);
	asleep = progress(&r->spin, 300);
	ev1 = bpf_high_of(r->cg);
	c1 = kt_cg_read_u64(r->cg, "memory.current");
	kt_log("kicked after %d polls: bpf_high %lld -> %lld, memory.current "
	       "%lld -> %lld, counted %lu in 300 ms before, %lu asleep\n", polls,
	       ev0, ev1, c0, c1, before, asleep);
	if (!ASSERT_GT(*rechecks, 0, "the pass slept"))
		return;
	/* It reclaimed towards the level, a few pages below its usage. */
	if (!ASSERT_GT(ev1, ev0, "bpf_high after the kick"))
		return;
	if (!ASSERT_LE(c1, c0, "memory.current after the kick"))
		return;
	if (!ASSERT_EQ(asleep, 0, "progress while the pass sleeps"))
		return;

	/* The hook stops asking: it runs again within a slice or two. */
	r->ops->bss->nr_pages = 0;
	nap_ms(200);
	after = progress(&r->spin, 300);
	kt_log("released: counted %lu in 300 ms\n", after);
	ASSERT_GT(after, 0, "progress once released");
}

static void kick_kfunc_throttles(void)
{
	struct kick_run r = {};
	throttles(&r);
	run_cleanup(&r);
}

static void zero(struct kick_run *r)
{
	long long ev0, c0, c1;
	__u64 calls0;
	unsigned long after;
	int polls, n;

	if (!ASSERT_OK(run_setup(r, "z"), "run_setup"))
		return;
	ev0 = bpf_high_of(r->cg);
	c0 = kt_cg_read_u64(r->cg, "memory.current");
	calls0 = r->ops->bss->pages_calls;
	n = kick_cg(r->kick, r->cg);
	if (!ASSERT_EQ(n, 1, "tasks kicked"))
		return;
	/* The pass is made: it asks the hook, which answers 0. */
	for (polls = 0; polls < WAIT_S * 100 &&
	     r->ops->bss->pages_calls == calls0; polls++)
		nap_ms(10);
	after = progress(&r->spin, 300);
	c1 = kt_cg_read_u64(r->cg, "memory.current");
	kt_log("hook asked %llu time(s) after %d polls; memory.current %lld -> "
	       "%lld; counted %lu in 300 ms\n",
	       (unsigned long long)(r->ops->bss->pages_calls - calls0), polls,
	       c0, c1, after);
	if (!ASSERT_GT(r->ops->bss->pages_calls, calls0, "the pass asked the hook"))
		return;
	if (!ASSERT_EQ(bpf_high_of(r->cg), ev0, "bpf_high"))
		return;
	if (!ASSERT_EQ(r->ops->bss->recheck_calls, 0, "rechecks"))
		return;
	if (!ASSERT_GT(c1, c0 - MB, "memory.current"))
		return;
	ASSERT_GT(after, 0, "progress after the kick");
}

static void kick_kfunc_zero(void)
{
	struct kick_run r = {};
	zero(&r);
	run_cleanup(&r);
}

/*
 * Three tasks in s/a (a spinner and two threads), one in s/c, none in e:
 * a kick of s counts four, of s/c one, of e none; with no policy
 * attached, nobody stops.
 */
static void counts(struct memcg_kick_test *skel, struct spinner *a,
		   struct spinner *b)
{
	char s[PATH_MAX], sa[PATH_MAX], c[PATH_MAX], e[PATH_MAX];

	if (!ASSERT_OK(kt_cg_create("s", s), "kt_cg_create") ||
	    !ASSERT_OK(kt_cg_create("s/a", sa), "kt_cg_create") ||
	    !ASSERT_OK(kt_cg_create("s/c", c), "kt_cg_create") ||
	    !ASSERT_OK(kt_cg_create("e", e), "kt_cg_create"))
		return;
	if (!ASSERT_OK(spin_start(a, sa, 0, 2), "spin_start") ||
	    !ASSERT_OK(spin_start(b, c, 0, 0), "spin_start"))
		return;
	if (!ASSERT_EQ(kick_cg(skel, s), 4, "kick s"))
		return;
	if (!ASSERT_EQ(kick_cg(skel, sa), 3, "kick s/a"))
		return;
	if (!ASSERT_EQ(kick_cg(skel, c), 1, "kick s/c"))
		return;
	if (!ASSERT_EQ(kick_cg(skel, e), 0, "kick e"))
		return;
	nap_ms(100);
	if (!ASSERT_GT(progress(a, 200), 0, "progress in s"))
		return;
	ASSERT_GT(progress(b, 200), 0, "progress in s/c");
}

static void kick_kfunc_counts(void)
{
	struct memcg_kick_test *skel = kick_load();
	struct spinner a = {}, b = {};

	if (ASSERT_OK_PTR(skel, "kick_load"))
		counts(skel, &a, &b);
	spin_stop(&a);
	spin_stop(&b);
	memcg_kick_test__destroy(skel);
}

/* KICK_MAX + 76 tasks: one call flags KICK_MAX of them. */
static void kick_kfunc_bounded(void)
{
	struct memcg_kick_test *skel = kick_load();
	struct spinner a = {};
	char cg[PATH_MAX];

	if (ASSERT_OK_PTR(skel, "kick_load") &&
	    ASSERT_OK(kt_cg_create("b", cg), "kt_cg_create") &&
	    ASSERT_OK(spin_start(&a, cg, 0, KICK_MAX + 75), "spin_start"))
		ASSERT_EQ(kick_cg(skel, cg), KICK_MAX, "kick");
	spin_stop(&a);
	memcg_kick_test__destroy(skel);
}

static void kick_kfunc_bad_args(void)
{
	struct memcg_kick_test *skel = kick_load();
	char cg[PATH_MAX];
	__u64 id;

	if (!ASSERT_OK_PTR(skel, "kick_load") ||
	    !ASSERT_OK(kt_cg_create("a", cg), "kt_cg_create"))
		goto out;
	id = kt_cg_id(cg);
	if (!ASSERT_EQ(kick_run(skel, skel->progs.kick, id, 1), -EINVAL, "flags 1"))
		goto out;
	if (!ASSERT_EQ(kick_run(skel, skel->progs.kick, id, 1ULL << 63), -EINVAL,
		       "flags 1 << 63"))
		goto out;
	if (!ASSERT_EQ(kick_run(skel, skel->progs.kick_root, 0, 0), -EINVAL, "root"))
		goto out;
	/* The control: flags 0, a cgroup with no task. */
	ASSERT_EQ(kick_run(skel, skel->progs.kick, id, 0), 0, "flags 0");
out:
	memcg_kick_test__destroy(skel);
}

#define NOT_ALLOWED "calling kernel function bpf_memcg_kick is not allowed"

static void kick_kfunc_refused(void)
{
	uint64_t bpf_caps = KT_CAP(CAP_BPF) | KT_CAP(CAP_PERFMON);
	size_t sz;
	const void *elf = memcg_kick_test__elf_bytes(&sz);

	if (!ASSERT_EQ(kt_load_alone(elf, sz, "kick", false), 0, "kt_load_alone"))
		return;
	if (!ASSERT_TRUE(kt_refused_for(elf, sz, "kick_fentry", false, EACCES,
					NOT_ALLOWED), "kt_refused_for"))
		return;
	if (!ASSERT_EQ(kt_load_as_user(elf, sz, "kick", bpf_caps, NOT_ALLOWED),
		       KT_CHILD_REFUSED, "kt_load_as_user"))
		return;
	ASSERT_EQ(kt_load_as_user(elf, sz, "kick", bpf_caps | KT_CAP(CAP_SYS_ADMIN),
				  NOT_ALLOWED),
		  KT_CHILD_LOADED, "kt_load_as_user");
}

void test_memcg_kick_kfunc(void)
{
	kt_subtest("kick_kfunc_throttles",
		   "a task that charges nothing makes the pass when kicked, and not before: it reclaims and sleeps while the hook asks, however little it asks",
		   kick_kfunc_throttles);
	kt_subtest("kick_kfunc_zero",
		   "with the hook answering 0, a kicked task's pass changes nothing",
		   kick_kfunc_zero);
	kt_subtest("kick_kfunc_counts",
		   "bpf_memcg_kick() counts the tasks of the subtree, threads included, and stops nobody without a policy",
		   kick_kfunc_counts);
	kt_subtest("kick_kfunc_bounded",
		   "bpf_memcg_kick() flags at most 1024 tasks a call",
		   kick_kfunc_bounded);
	kt_subtest("kick_kfunc_bad_args",
		   "bpf_memcg_kick() returns -EINVAL for flags other than 0 and for the root memcg",
		   kick_kfunc_bad_args);
	kt_subtest("kick_kfunc_refused",
		   "fentry programs and loaders without CAP_SYS_ADMIN cannot call bpf_memcg_kick()",
		   kick_kfunc_refused);
}

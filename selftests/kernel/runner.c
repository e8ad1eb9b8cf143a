// SPDX-License-Identifier: GPL-2.0
/*
 * memcg-bpf-test: runs the kernel-level tests of memcg_bpf_ops on the
 * running kernel.  Needs root, cgroup v2 with the memory controller, and a
 * kernel with the memcg-prio patches.  Exit status: 0 all passed, 1 some
 * failed, 77 everything selected was skipped.
 *
 * The tests are subtests of the prog_tests/ files, written against
 * test_progs' API (test_progs.h), which this file implements: each runs
 * alone, in the order of their names (in its own cgroup base, which
 * kt_subtest() sets up), timed and checked to have left no memcg behind.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kt_cgroup.h"
#include "test_progs.h"

#define KT_MAX_TESTS 64

enum kt_result { KT_PASS, KT_FAIL, KT_SKIP };

/* The entry of each prog_tests file, listed by gen-tests-h. */
struct prog_test {
	const char *name;
	void (*run)(void);
};

#define DEFINE_TEST(fn) void fn(void);
#include "tests.h"
#undef DEFINE_TEST
#define DEFINE_TEST(fn) { #fn, fn },
static const struct prog_test prog_tests[] = {
#include "tests.h"
};
#undef DEFINE_TEST

/* A test as -l lists it and -t and -x select it: a subtest of a prog_test. */
struct kt_test {
	const char *name;
	const char *description;
	const struct prog_test *prog;
};

static struct kt_test tests[KT_MAX_TESTS];
static int nr_tests;
struct test_env env;

/*
 * test__start_subtest_with_desc() learns the subtests of the prog_test
 * "listing", or, when that is NULL, starts the one named "wanted".
 */
static const struct prog_test *listing;
static const char *wanted;
static int started;
static bool subtest_failed, subtest_skipped;

static void add_test(const char *name, const char *description)
{
	for (int i = 0; i < nr_tests; i++) {
		if (!strcmp(tests[i].name, name)) {
			fprintf(stderr, "%s: subtest %s twice\n", listing->name, name);
			abort();
		}
	}
	if (nr_tests == KT_MAX_TESTS) {
		fprintf(stderr, "too many tests\n");
		abort();
	}
	tests[nr_tests++] = (struct kt_test){
		.name = name, .description = description ? description : "",
		.prog = listing,
	};
}

bool test__start_subtest_with_desc(const char *name, const char *description)
{
	if (listing) {
		add_test(name, description);
		return false;
	}
	if (strcmp(name, wanted))
		return false;
	return ++started == 1;
}

bool test__start_subtest(const char *name)
{
	return test__start_subtest_with_desc(name, NULL);
}

void test__fail(void)
{
	subtest_failed = true;
}

void test__skip(void)
{
	subtest_skipped = true;
}

void test__report_fail(const char *file, int line, const char *func,
		       const char *name, const char *fmt, ...)
{
	va_list ap;

	test__fail();
	fprintf(stderr, "%s:%d: %s:FAIL:%s ", file, line, func, name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

void test__report_pass(const char *func, const char *name)
{
	if (env.verbosity >= VERBOSE_VERY)
		fprintf(stderr, "%s:PASS:%s\n", func, name);
}

/* Run the subtest T alone: its prog_test starts no other. */
static enum kt_result run_test(const struct kt_test *t)
{
	wanted = t->name;
	started = 0;
	subtest_failed = subtest_skipped = false;
	t->prog->run();
	if (started != 1) {
		fprintf(stderr, "%s: subtest %s started %d times\n",
			t->prog->name, t->name, started);
		return KT_FAIL;
	}
	if (subtest_failed)
		return KT_FAIL;
	return subtest_skipped ? KT_SKIP : KT_PASS;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: memcg-bpf-test [-l] [-v] [-r CGROUP_ROOT] [-t NAME]... [-x NAME]...\n"
		"Kernel-level tests of the memcg_bpf_ops struct_ops.\n\n"
		"  -t NAME   run only tests whose name contains NAME (repeatable)\n"
		"  -x NAME   leave out the test named exactly NAME (repeatable; how\n"
		"            selftests/run resumes after a VM died of the emulator)\n"
		"  -l        list the tests and exit\n"
		"  -r DIR    cgroup v2 mount (default /sys/fs/cgroup)\n"
		"  -v        verbose\n"
		"  -h        this text\n");
}

/* The dying descendants of the cgroup root after at most TENTHS tenths of a second. */
static long long dying_within(long long baseline, int tenths)
{
	long long now = -1;

	for (int i = 0; i < tenths; i++) {
		now = kt_cg_read_key(kt_cgroup_root, "cgroup.stat",
				     "nr_dying_descendants");
		if (now >= 0 && now <= baseline)
			break;
		usleep(100 * 1000);
	}
	return now;
}

#define KT_STOCK_CYCLE 8	/* more than the kernel's NR_MEMCG_STOCK (7) */

/*
 * Replace every slot of each CPU's memcg charge cache: a task in each of
 * KT_STOCK_CYCLE new memcgs charges a batch on every CPU, then the memcgs
 * go, their own slots flushed by their offline (they hold pages).
 */
static void cycle_charge_caches(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	char path[64];

	for (int i = 0; i < KT_STOCK_CYCLE; i++) {
		snprintf(path, sizeof(path), "%s/kt-stock-cycle%d", kt_cgroup_root, i);
		if (mkdir(path, 0755) && errno != EEXIST)
			continue;
		for (long cpu = 0; cpu < cpus; cpu++) {
			pid_t pid = fork();

			if (pid == 0) {
				cpu_set_t set;
				char buf[16];

				CPU_ZERO(&set);
				CPU_SET(cpu, &set);
				snprintf(buf, sizeof(buf), "%d", getpid());
				if (sched_setaffinity(0, sizeof(set), &set) ||
				    kt_cg_write(path, "cgroup.procs", buf))
					_exit(1);
				_exit(kt_alloc_anon(1, 1) ? 1 : 0);
			}
			if (pid > 0)
				waitpid(pid, NULL, 0);
		}
		rmdir(path);
	}
}

/*
 * Every test must leave no memcg behind: wait until the dying descendants of
 * the cgroup root are back to BASELINE (RCU and the offline work take a
 * moment), and say so if they are not within 20 s.
 *
 * A removed memcg also stays while a CPU's charge cache (memcg_stock) holds
 * it: a slot keeps its css reference after its pages were consumed, and the
 * drain at offline skips a slot without pages, so it goes only when that
 * CPU's slot is reused.  7.2 does that, not a test: after the OOM tests, whose
 * memcg sits at its limit, one to three memcgs stayed for minutes, and a
 * charge in eight new memcgs on each CPU released them within a second
 * (2026-12-05).  So after 20 s the caches are cycled that way, and the
 * count gets 10 s more; what that released is said, for the logs.
 */
static int dying_back_to(long long baseline)
{
	long long now, before;

	now = dying_within(baseline, 200);
	if (now >= 0 && now <= baseline)
		return 0;
	before = now;
	cycle_charge_caches();
	now = dying_within(baseline, 100);
	if (now >= 0 && now <= baseline) {
		fprintf(stderr, "nr_dying_descendants %lld after 20 s, %lld once "
			"every CPU's memcg charge cache was cycled\n", before, now);
		return 0;
	}
	fprintf(stderr, "nr_dying_descendants %lld, %lld before the test, also "
		"after cycling the charge caches\n", now, baseline);
	return -1;
}

static int selected(const char *name, char **filters, int nr_filters)
{
	if (!nr_filters)
		return 1;
	for (int i = 0; i < nr_filters; i++)
		if (strstr(name, filters[i]))
			return 1;
	return 0;
}

static int excluded(const char *name, char **names, int nr_names)
{
	for (int i = 0; i < nr_names; i++)
		if (!strcmp(name, names[i]))
			return 1;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	const struct kt_test *ta = a, *tb = b;

	return strcmp(ta->name, tb->name);
}

int main(int argc, char **argv)
{
	char *filters[KT_MAX_TESTS], *excludes[KT_MAX_TESTS];
	int nr_filters = 0, nr_excludes = 0, list = 0, c;
	int passed = 0, failed = 0, skipped = 0;

	while ((c = getopt(argc, argv, "t:x:lr:vh")) != -1) {
		switch (c) {
		case 't':
			if (nr_filters < KT_MAX_TESTS)
				filters[nr_filters++] = optarg;
			break;
		case 'x':
			if (nr_excludes < KT_MAX_TESTS)
				excludes[nr_excludes++] = optarg;
			break;
		case 'l':
			list = 1;
			break;
		case 'r':
			kt_cgroup_root = optarg;
			break;
		case 'v':
			env.verbosity = VERBOSE_NORMAL;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}

	for (size_t i = 0; i < sizeof(prog_tests) / sizeof(prog_tests[0]); i++) {
		listing = &prog_tests[i];
		listing->run();
	}
	listing = NULL;
	qsort(tests, nr_tests, sizeof(tests[0]), by_name);
	for (int i = 0; i < nr_tests; i++) {
		const struct kt_test *t = &tests[i];
		struct timespec t0, t1;
		long long dying;
		enum kt_result r;

		if (!selected(t->name, filters, nr_filters) ||
		    excluded(t->name, excludes, nr_excludes))
			continue;
		if (list) {
			printf("%-28s %s\n", t->name, t->description);
			continue;
		}
		dying = kt_cg_read_key(kt_cgroup_root, "cgroup.stat",
				       "nr_dying_descendants");
		clock_gettime(CLOCK_MONOTONIC, &t0);
		r = run_test(t);
		if (r != KT_SKIP && dying_back_to(dying))
			r = KT_FAIL;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("%s %s (%.1f s)\n",
		       r == KT_PASS ? "PASS" : r == KT_SKIP ? "SKIP" : "FAIL", t->name,
		       (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
		fflush(stdout);
		passed += r == KT_PASS;
		failed += r == KT_FAIL;
		skipped += r == KT_SKIP;
	}
	if (list)
		return 0;
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	if (failed)
		return 1;
	return passed ? 0 : 77;
}

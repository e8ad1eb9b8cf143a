// SPDX-License-Identifier: GPL-2.0
/*
 * madvise-loop: the cost of a policy on the memcg charge path, in one or
 * many cgroups at once.
 *
 * The workload is the one upstream uses to measure memcg charge-path work:
 * fault anonymous pages in and release them with madvise(MADV_DONTNEED), in
 * a loop.  N children, each in its own cgroup PARENT/c0 .. PARENT/c<N-1>
 * (created here, with +memory in PARENT/cgroup.subtree_control, and removed
 * at the end), map MB MiB once and wait until all of them are ready; then
 * each, ITERS times, writes one byte per page of its region and
 * madvise(MADV_DONTNEED)s it, so that every page is charged and uncharged
 * ITERS times.  A trial lasts from the start signal until the last child has
 * exited.
 *
 * A round is one trial detached and one with the shell command ATTACH run
 * before it (DETACH after it), in ABBA order over rounds (detached first in
 * even rounds, attached first in odd ones) so that slow drift cancels out.
 * One detached warm-up trial comes first and is not counted.  A round's
 * ratio is attached / detached of that round.  From MIN rounds on, after
 * every round, the median of the ratios gets a 95% bootstrap interval
 * (stats.h); the run stops once both ends lie within PCT percent of the
 * median, or after MAX rounds.  Prints a line per round, the medians, their
 * ratio, the median of the per-round ratios with its interval, their range,
 * and a last line for scripts:
 *
 *   result placement=low n=4 rounds=23 ... ratio_median=1.004 ci_low=...
 *          ci_high=... target_pct=2 target=met (or max) ratio_min=... ratio_max=...
 *
 * Without -a and -d both trials of a round are the same (an A/A run: what is
 * left is noise).  A benchmark, not a test: it asserts nothing.
 *
 * Usage: madvise-loop [-n N] [-c PARENT] [-r MIN] [-R MAX] [-p PCT] [-i ITERS]
 *                     [-m MB] [-a ATTACH -d DETACH] [-l LABEL]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stats.h"

#define PROG "madvise-loop"
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define STR_(x) #x
#define STR(x) STR_(x)

#define DEFAULT_PARENT "/sys/fs/cgroup/memcg-prio-bench"
#define DEFAULT_MIN_ROUNDS 10
#define DEFAULT_MAX_ROUNDS 150
#define DEFAULT_TARGET_PCT 2
#define DEFAULT_ITERS 32
#define DEFAULT_MB 32
#define MAX_CGROUPS 1024
#define MAX_ROUNDS 10000
#define MAX_MB 65536

static const char *arg_parent = DEFAULT_PARENT;
static const char *arg_label;	/* default: the last component of arg_parent */
static const char *arg_attach, *arg_detach;
static long arg_ncgroups = 1;
static long arg_min_rounds = DEFAULT_MIN_ROUNDS;
static long arg_max_rounds = DEFAULT_MAX_ROUNDS;
static double arg_target_pct = DEFAULT_TARGET_PCT;
static long arg_iters = DEFAULT_ITERS;
static long arg_mb = DEFAULT_MB;

/* The options, once: getopt_long's tables and --help come from here. */
static const struct opt {
	const char *name;
	char key;
	const char *metavar;	/* NULL: takes no argument */
	const char *help;
} opts[] = {
	{ "cgroups", 'n', "N",
	  "children, each in its own cgroup PARENT/cK (default: 1, at most " STR(MAX_CGROUPS) ")" },
	{ "parent", 'c', "PARENT",
	  "where the cgroups go (default: " DEFAULT_PARENT ")" },
	{ "min-rounds", 'r', "MIN",
	  "rounds (a detached and an attached trial) before the interval may stop the run (default: " STR(DEFAULT_MIN_ROUNDS) ")" },
	{ "max-rounds", 'R', "MAX",
	  "rounds at most (default: " STR(DEFAULT_MAX_ROUNDS) ")" },
	{ "target-pct", 'p', "PCT",
	  "stop once the 95% interval of the median ratio has lain within PCT % of it " STR(STATS_STOP_STREAK) " rounds in a row (default: " STR(DEFAULT_TARGET_PCT) ")" },
	{ "iters", 'i', "ITERS",
	  "touch + MADV_DONTNEED passes per child and trial (default: " STR(DEFAULT_ITERS) ")" },
	{ "mb", 'm', "MB",
	  "MiB each child maps (default: " STR(DEFAULT_MB) ")" },
	{ "attach", 'a', "CMD",
	  "shell command run before each attached trial (with -d)" },
	{ "detach", 'd', "CMD",
	  "shell command run after each attached trial (with -a)" },
	{ "label", 'l', "NAME",
	  "placement= in the result line (default: PARENT's last component)" },
	{ "help", 'h', NULL, "this text" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: " PROG " [options]\n\n"
		"N children in N cgroups fault in and MADV_DONTNEED anonymous memory,\n"
		"detached vs. attached in ABBA order, round after round until the 95%%\n"
		"interval of the median per-round ratio lies within the target; prints\n"
		"medians, their ratio and the median ratio with its interval.\n\n");
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		int w = fprintf(f, "  -%c, --%s %s", opts[i].key, opts[i].name,
				opts[i].metavar ? opts[i].metavar : "");

		fprintf(f, "%*s%s\n", w < 28 ? 28 - w : 1, "", opts[i].help);
	}
	fprintf(f, "\nExample:\n  " PROG " -n 4 -c /sys/fs/cgroup/bench/low \\\n"
		"    -a 'memcg-prio --attach -c bench.ini' -d 'memcg-prio --detach'\n");
}

/* A positive number from the option KEY's argument s; 0 or -1. */
static int parse_pct(int key, const char *s, double *ret_v)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 100) {
		fprintf(stderr, PROG ": -%c '%s': want a percentage above 0, at most 100\n",
			key, s);
		return -1;
	}
	*ret_v = v;
	return 0;
}

/* An integer in [min, max] from the option KEY's argument s; 0 or -1. */
static int parse_long(int key, const char *s, long min, long max, long *ret_v)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, PROG ": -%c '%s': want an integer in %ld..%ld\n",
			key, s, min, max);
		return -1;
	}
	*ret_v = v;
	return 0;
}

static int parse_one(int key, const char *val)
{
	switch (key) {
	case 'n':
		return parse_long(key, val, 1, MAX_CGROUPS, &arg_ncgroups);
	case 'r':
		return parse_long(key, val, 1, MAX_ROUNDS, &arg_min_rounds);
	case 'R':
		return parse_long(key, val, 1, MAX_ROUNDS, &arg_max_rounds);
	case 'p':
		return parse_pct(key, val, &arg_target_pct);
	case 'i':
		return parse_long(key, val, 1, INT_MAX, &arg_iters);
	case 'm':
		return parse_long(key, val, 1, MAX_MB, &arg_mb);
	case 'c':
		arg_parent = val;
		return 0;
	case 'a':
		arg_attach = val;
		return 0;
	case 'd':
		arg_detach = val;
		return 0;
	case 'l':
		arg_label = val;
		return 0;
	case 'h':
		usage(stdout);
		exit(0);
	default:
		fprintf(stderr, PROG ": see --help\n");
		return -1;
	}
}

/* 0, or -1 with a message printed. */
static int parse_args(int argc, char **argv)
{
	struct option longopts[ARRAY_SIZE(opts) + 1] = { 0 };
	char shortopts[2 * ARRAY_SIZE(opts) + 1], *p = shortopts;
	int c;

	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		longopts[i] = (struct option){ opts[i].name,
			opts[i].metavar ? required_argument : no_argument,
			NULL, opts[i].key };
		*p++ = opts[i].key;
		if (opts[i].metavar)
			*p++ = ':';
	}
	*p = '\0';
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1)
		if (parse_one(c, optarg))
			return -1;
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!arg_attach != !arg_detach) {
		fprintf(stderr, PROG ": -a and -d go together\n");
		return -1;
	}
	if (arg_max_rounds < arg_min_rounds) {
		fprintf(stderr, PROG ": -R %ld is below -r %ld\n", arg_max_rounds, arg_min_rounds);
		return -1;
	}
	if (!arg_label) {
		const char *slash = strrchr(arg_parent, '/');

		arg_label = slash && slash[1] ? slash + 1 : arg_parent;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Writes s to DIR/FILE; 0 or -errno. */
static int write_at(const char *dir, const char *file, const char *s)
{
	int dfd, fd, ret = 0;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	fd = openat(dfd, file, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
out:
	close(dfd);
	return ret;
}

/* The child's verdict on its setup, one byte on the ready pipe; exits if bad. */
static void child_report(int ready_fd, bool ok)
{
	char c = ok ? 'y' : 'n';

	if (write(ready_fd, &c, 1) != 1 || !ok)
		_exit(1);
	close(ready_fd);
}

/* A child: join CG, map, wait for EOF on go_fd, loop, exit. */
static _Noreturn void child_run(const char *cg, int ready_fd, int go_fd)
{
	size_t len = (size_t)arg_mb << 20, page = sysconf(_SC_PAGESIZE);
	char pid[24], c;
	char *p;
	int r;

	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	r = write_at(cg, "cgroup.procs", pid);
	if (r) {
		fprintf(stderr, PROG ": cannot join %s/cgroup.procs: %s\n", cg, strerror(-r));
		child_report(ready_fd, false);
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fprintf(stderr, PROG ": %s: cannot map %ld MiB: %s\n", cg, arg_mb, strerror(errno));
	child_report(ready_fd, p != MAP_FAILED);
	if (read(go_fd, &c, 1) != 0)
		_exit(1);
	for (long i = 0; i < arg_iters; i++) {
		for (size_t off = 0; off < len; off += page)
			p[off] = 1;
		if (madvise(p, len, MADV_DONTNEED)) {
			fprintf(stderr, PROG ": %s: madvise(MADV_DONTNEED): %s\n",
				cg, strerror(errno));
			_exit(1);
		}
	}
	_exit(0);
}

struct bench {
	char **cgroups;		/* PARENT/c0 .. PARENT/c<N-1> */
	bool *created;		/* cgroups[k] was made here: removed at the end */
	pid_t *pids;
	double *detached_s, *attached_s, *ratio;	/* per round, up to the maximum */
	long used;		/* rounds run */
	bool met;		/* the interval stayed within the target */
	unsigned int streak;	/* rounds in a row within the target */
	struct stats_ci ci;	/* after the last round from the minimum on */
};

/*
 * Waits for the children's verdicts on their setup and starts them (EOF on
 * the go pipe); returns the start time, or -1 if one of them failed.
 */
static double start_children(int ready_fd, int go_wfd, int started)
{
	int nready = 0;
	double t0;
	char c;

	/* Each child writes one byte and closes its end: no hang if one dies. */
	while (nready < started && read(ready_fd, &c, 1) == 1 && c == 'y')
		nready++;
	t0 = now_s();
	close(go_wfd);
	return nready == started ? t0 : -1;
}

/* One trial: all children, from the start signal until the last exit. */
static int run_trial(struct bench *b, double *ret_s)
{
	int ready[2], go[2], started = 0, status;
	bool ok = true;
	double t0;

	if (pipe(ready)) {
		fprintf(stderr, PROG ": pipe: %s\n", strerror(errno));
		return -1;
	}
	if (pipe(go)) {
		fprintf(stderr, PROG ": pipe: %s\n", strerror(errno));
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	for (; started < arg_ncgroups; started++) {
		pid_t pid = fork();

		if (pid < 0) {
			fprintf(stderr, PROG ": fork: %s\n", strerror(errno));
			ok = false;
			break;
		}
		if (pid == 0) {
			close(ready[0]);
			close(go[1]);
			child_run(b->cgroups[started], ready[1], go[0]);
		}
		b->pids[started] = pid;
	}
	close(ready[1]);
	close(go[0]);
	t0 = start_children(ready[0], go[1], started);
	close(ready[0]);
	for (int k = 0; k < started; k++)
		if (waitpid(b->pids[k], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			ok = false;
	if (!ok || t0 < 0) {
		fprintf(stderr, PROG ": trial failed in %s\n", arg_parent);
		return -1;
	}
	*ret_s = now_s() - t0;
	return 0;
}

/* Runs the shell command CMD; 0, or -1 with a message printed. */
static int run_cmd(const char *cmd)
{
	int r = system(cmd);

	if (r == 0)
		return 0;
	if (r < 0)
		fprintf(stderr, PROG ": cannot run '%s': %s\n", cmd, strerror(errno));
	else
		fprintf(stderr, PROG ": '%s' failed (wait status %d)\n", cmd, r);
	return -1;
}

/* A trial with ATTACH run before it and DETACH after it if attach is set. */
static int trial(struct bench *b, bool attach, double *ret_s)
{
	int r;

	attach = attach && arg_attach;
	if (attach && run_cmd(arg_attach))
		return -1;
	r = run_trial(b, ret_s);
	if (attach && run_cmd(arg_detach))
		r = -1;
	return r;
}

/* Allocates and makes the cgroups; 0, or -1 with a message printed. */
static int bench_init(struct bench *b)
{
	size_t n = arg_ncgroups, rounds = arg_max_rounds;
	int r;

	b->cgroups = calloc(n, sizeof(*b->cgroups));
	b->created = calloc(n, sizeof(*b->created));
	b->pids = calloc(n, sizeof(*b->pids));
	b->detached_s = calloc(rounds, sizeof(double));
	b->attached_s = calloc(rounds, sizeof(double));
	b->ratio = calloc(rounds, sizeof(double));
	if (!b->cgroups || !b->created || !b->pids || !b->detached_s ||
	    !b->attached_s || !b->ratio) {
		fprintf(stderr, PROG ": out of memory\n");
		return -1;
	}
	r = write_at(arg_parent, "cgroup.subtree_control", "+memory");
	if (r) {
		fprintf(stderr, PROG ": cannot enable memory in %s/cgroup.subtree_control: %s\n",
			arg_parent, strerror(-r));
		return -1;
	}
	for (size_t k = 0; k < n; k++) {
		if (asprintf(&b->cgroups[k], "%s/c%zu", arg_parent, k) < 0) {
			b->cgroups[k] = NULL;
			fprintf(stderr, PROG ": out of memory\n");
			return -1;
		}
		b->created[k] = mkdir(b->cgroups[k], 0755) == 0;
		if (!b->created[k] && errno != EEXIST) {
			fprintf(stderr, PROG ": cannot create %s: %s\n",
				b->cgroups[k], strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Removes the cgroups made here and frees; 0, or -1 with a message printed. */
static int bench_fini(struct bench *b)
{
	int ret = 0;

	for (long k = 0; b->cgroups && k < arg_ncgroups; k++) {
		if (b->created[k] && rmdir(b->cgroups[k])) {
			fprintf(stderr, PROG ": cannot remove %s: %s\n",
				b->cgroups[k], strerror(errno));
			ret = -1;
		}
		free(b->cgroups[k]);
	}
	free(b->cgroups);
	free(b->created);
	free(b->pids);
	free(b->detached_s);
	free(b->attached_s);
	free(b->ratio);
	return ret;
}

/*
 * ABBA: detached first in even rounds, attached first in odd ones.  From
 * the minimum on, stops once the interval is within the target.
 */
static int run_rounds(struct bench *b)
{
	for (long r = 0; r < arg_max_rounds && !b->met; r++) {
		int met;

		for (int pass = 0; pass < 2; pass++) {
			bool attach = pass != r % 2;

			if (trial(b, attach, attach ? &b->attached_s[r] : &b->detached_s[r]))
				return -1;
		}
		b->ratio[r] = b->attached_s[r] / b->detached_s[r];
		b->used = r + 1;
		printf("round %3ld: detached %.3f s, attached %.3f s, ratio %.3f\n",
		       r, b->detached_s[r], b->attached_s[r], b->ratio[r]);
		met = stats_round_check(stdout, b->detached_s, b->attached_s, b->used,
					arg_min_rounds, arg_target_pct, &b->streak, &b->ci);
		if (met < 0) {
			fprintf(stderr, PROG ": cannot compute the interval\n");
			return -1;
		}
		b->met = met;
		fflush(stdout);
	}
	return 0;
}

/* Sorts the measurements (the interval is computed before). */
static void print_summary(struct bench *b)
{
	size_t n = b->used;
	double det = stats_median(b->detached_s, n), att = stats_median(b->attached_s, n);
	const char *target = b->met ? "met" : "max";

	stats_median(b->ratio, n);	/* sorted: min first, max last */
	printf("%s n=%ld: detached median %.3f s, attached %.3f s, ratio %.3f\n",
	       arg_label, arg_ncgroups, det, att, att / det);
	printf("%s n=%ld: median of round ratios %.3f, 95%% CI %.3f..%.3f (%+.1f%% %+.1f%%),"
	       " per round %.3f..%.3f\n", arg_label, arg_ncgroups, b->ci.median,
	       b->ci.low, b->ci.high, stats_ci_low_pct(&b->ci), stats_ci_high_pct(&b->ci),
	       b->ratio[0], b->ratio[n - 1]);
	printf("%s n=%ld: %zu rounds (min %ld, max %ld): target +-%g%% %s\n",
	       arg_label, arg_ncgroups, n, arg_min_rounds, arg_max_rounds, arg_target_pct,
	       b->met ? "met" : "NOT met, stopped at the maximum");
	printf("result placement=%s n=%ld rounds=%zu mb=%ld iters=%ld",
	       arg_label, arg_ncgroups, n, arg_mb, arg_iters);
	printf(" detached_median_s=%.4f attached_median_s=%.4f ratio=%.4f", det, att, att / det);
	printf(" ratio_median=%.4f ci_low=%.4f ci_high=%.4f target_pct=%g target=%s",
	       b->ci.median, b->ci.low, b->ci.high, arg_target_pct, target);
	printf(" ratio_min=%.4f ratio_max=%.4f\n", b->ratio[0], b->ratio[n - 1]);
}

int main(int argc, char **argv)
{
	struct bench b = { 0 };
	double warmup;
	int ret = 1;

	if (parse_args(argc, argv))
		return 2;
	if (bench_init(&b))
		goto out;
	printf("%s: %ld cgroup(s) %s/c*, %ld MiB each, %ld touch + MADV_DONTNEED passes",
	       arg_label, arg_ncgroups, arg_parent, arg_mb, arg_iters);
	printf(" per trial, %ld..%ld rounds (until the 95%% CI is within %g%%), attach: %s\n",
	       arg_min_rounds, arg_max_rounds, arg_target_pct, arg_attach ? arg_attach : "nothing (A/A run)");
	fflush(stdout);
	if (trial(&b, false, &warmup) || run_rounds(&b))
		goto out;
	print_summary(&b);
	ret = 0;
out:
	if (bench_fini(&b))
		ret = 1;
	return ret;
}

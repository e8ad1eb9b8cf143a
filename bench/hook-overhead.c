// SPDX-License-Identifier: GPL-2.0
/*
 * hook-overhead: the cost of memcg_bpf_ops on a charge-heavy loop.
 *
 * In a fresh cgroup, a child maps, touches and unmaps anonymous memory in a
 * loop (every page is charged and uncharged).  A round runs the loop once in
 * each configuration: nothing attached, and a memcg_bpf_ops attached to the
 * cgroup whose hook returns 0 (with -o, attached to a sibling cgroup
 * instead: what a memcg without ops pays once something is attached
 * somewhere).  With -a and -d the second configuration is whatever the shell
 * command ATTACH sets up and DETACH removes instead
 * (bench/run-policy-overhead: memcg-prio itself).  Rounds alternate which
 * configuration runs first (ABBA).
 *
 * With -w MAXMB the loop refaults instead: CGROUP's memory.max is set to
 * MAXMB, and the child maps MB once and writes every page of it ITERS
 * times, so that each pass swaps out what the one before swapped in and
 * faults it back (swap is required).  The cgroup's workingset_refault_anon
 * over the whole run is printed, to show that the loop did refault.
 *
 * A round's ratio is with / without of that round.  From MIN rounds on,
 * after every round, the median of the ratios gets a 95% bootstrap interval
 * (stats.h); the run stops once both ends have lain within PCT percent of
 * the median STATS_STOP_STREAK rounds in a row, or after MAX rounds, and
 * says which.  Prints a line per round, the
 * median of each configuration and their ratio, the median of the per-round
 * ratios with its interval, and a "result" line for scripts.  A benchmark,
 * not a test: it asserts nothing.
 *
 * Usage: hook-overhead [-r MIN] [-R MAX] [-p PCT] [-i ITERS] [-m MB]
 *                      [-w MAXMB] [-c CGROUP_DIR] [-o] [-a ATTACH -d DETACH]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "hook_overhead.skel.h"
#include "stats.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_str(const char *dir, const char *file, const char *s)
{
	char path[4200];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Touch every page of [p, p + len). */
static void touch(char *p, size_t len)
{
	for (size_t off = 0; off < len; off += 4096)
		p[off] = 1;
}

/* What one measurement runs, and where. */
struct loop {
	const char *cg;
	size_t mb;
	int iters;
	size_t max_mb;		/* -w: the refault loop under this memory.max */
};

/*
 * One measurement: a child in lp->cg charges lp->mb megabytes lp->iters
 * times, or (refault loop) maps them once and writes them lp->iters times.
 */
static double run_loop(const struct loop *lp, int iters)
{
	double t0 = now_s();
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		size_t len = lp->mb << 20;
		char buf[32];

		snprintf(buf, sizeof(buf), "%d", getpid());
		if (write_str(lp->cg, "cgroup.procs", buf))
			_exit(2);
		if (lp->max_mb) {
			char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p == MAP_FAILED)
				_exit(1);
			/* Base pages, so that every run faults the same way
			 * (run times still vary threefold under TCG). */
			madvise(p, len, MADV_NOHUGEPAGE);
			for (int i = 0; i < iters; i++)
				touch(p, len);
			_exit(0);
		}
		for (int i = 0; i < iters; i++) {
			char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p == MAP_FAILED)
				_exit(1);
			touch(p, len);
			munmap(p, len);
		}
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	return now_s() - t0;
}

/*
 * The "with" configuration: the zero-returning ops on cg_fd, or, if
 * attach_cmd is set, whatever attach_cmd and detach_cmd set up and remove.
 */
struct setup {
	struct hook_overhead *skel;
	int cg_fd;
	const char *attach_cmd, *detach_cmd;
	struct bpf_link *link;
};

/* setup_attach(), setup_detach(): 0, or -1 with a message printed. */
static int setup_attach(struct setup *s)
{
	LIBBPF_OPTS(bpf_struct_ops_opts, opts);

	if (s->attach_cmd) {
		if (system(s->attach_cmd) == 0)
			return 0;
		fprintf(stderr, "hook-overhead: '%s' failed\n", s->attach_cmd);
		return -1;
	}
	opts.flags = BPF_F_CGROUP_FD;
	opts.target_fd = s->cg_fd;
	s->link = bpf_map__attach_struct_ops_opts(s->skel->maps.zero_ops, &opts);
	if (s->link)
		return 0;
	fprintf(stderr, "hook-overhead: attach: %s\n", strerror(errno));
	return -1;
}

static int setup_detach(struct setup *s)
{
	if (s->detach_cmd) {
		if (system(s->detach_cmd) == 0)
			return 0;
		fprintf(stderr, "hook-overhead: '%s' failed\n", s->detach_cmd);
		return -1;
	}
	bpf_link__destroy(s->link);
	s->link = NULL;
	return 0;
}

#define DEFAULT_MIN_ROUNDS 10
#define DEFAULT_MAX_ROUNDS 150
#define DEFAULT_TARGET_PCT 2.0
#define MAX_ROUNDS 10000

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: hook-overhead [-r MIN] [-R MAX] [-p PCT] [-i ITERS] [-m MB] [-w MAXMB]\n"
		"                     [-c CGROUP] [-o] [-a ATTACH -d DETACH]\n\n"
		"  -r MIN     rounds before the interval may stop the run (default: %d)\n"
		"  -R MAX     rounds at most (default: %d, at most %d)\n"
		"  -p PCT     stop once the 95%% interval of the median ratio has lain\n"
		"             within PCT %% of it on both sides %d rounds in a row\n"
		"             (default: %g)\n"
		"  -i ITERS   map-touch-unmap passes per run (default: 8)\n"
		"  -m MB      MiB per pass (default: 64)\n"
		"  -w MAXMB   the refault loop: memory.max MAXMB, MB written ITERS times\n"
		"  -c CGROUP  where the loop runs (default: /sys/fs/cgroup/memcg-prio-bench)\n"
		"  -o         attach the ops to CGROUP-elsewhere, a sibling, instead\n"
		"  -a, -d     shell commands that attach and detach what is measured\n",
		DEFAULT_MIN_ROUNDS, DEFAULT_MAX_ROUNDS, MAX_ROUNDS, STATS_STOP_STREAK,
		DEFAULT_TARGET_PCT);
}

/* A number in [min, max] from the option KEY's argument s; 0, or -1 with a message. */
static int parse_num(int key, const char *s, double min, double max, double *ret_v)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= max)) {
		fprintf(stderr, "hook-overhead: -%c '%s': want a number in %g..%g\n",
			key, s, min, max);
		return -1;
	}
	*ret_v = v;
	return 0;
}

/* The measurements, one slot per round up to the maximum. */
struct rounds {
	double *base, *hooked;
	int min, max, used;
	double target_pct;
	bool met;
	unsigned int streak;	/* rounds in a row within the target */
	struct stats_ci ci;
};

/*
 * Runs rounds in ABBA order until, from the minimum on, the interval of the
 * median ratio is within the target, or the maximum is reached; 0, or -1
 * with a message printed.
 */
static int run_rounds(struct setup *su, struct rounds *rs,
		      const struct loop *lp)
{
	for (int r = 0; r < rs->max && !rs->met; r++) {
		int hooked_first = r % 2;	/* neither always runs second */
		int met;

		for (int pass = 0; pass < 2; pass++) {
			int hook = pass == !hooked_first;
			double t;

			if (hook && setup_attach(su))
				return -1;
			t = run_loop(lp, lp->iters);
			if (hook && setup_detach(su))
				return -1;
			if (t < 0) {
				fprintf(stderr, "hook-overhead: loop failed\n");
				return -1;
			}
			*(hook ? &rs->hooked[r] : &rs->base[r]) = t;
		}
		rs->used = r + 1;
		printf("round %3d: without %.3f s, with %.3f s, ratio %.3f\n", r,
		       rs->base[r], rs->hooked[r], rs->hooked[r] / rs->base[r]);
		met = stats_round_check(stdout, rs->base, rs->hooked, rs->used,
					rs->min, rs->target_pct, &rs->streak, &rs->ci);
		if (met < 0) {
			fprintf(stderr, "hook-overhead: cannot compute the interval\n");
			return -1;
		}
		rs->met = met;
		fflush(stdout);
	}
	return 0;
}

/* The summary; sorts the measurements (the interval is computed before). */
static void print_summary(struct setup *su, struct rounds *rs, bool elsewhere,
			  const struct loop *lp, long long refaults)
{
	double base = stats_median(rs->base, rs->used);
	double hooked = stats_median(rs->hooked, rs->used);

	if (lp->max_mb)
		printf("refault loop: %d writes of %zu MiB under memory.max %zu MiB "
		       "per run, %d rounds; %lld refaults a run\n", lp->iters,
		       lp->mb, lp->max_mb, rs->used,
		       refaults < 0 ? -1 : refaults / (2 * rs->used + 1));
	else
		printf("charge loop: %d x %zu MiB map-touch-unmap per run, %d rounds\n",
		       lp->iters, lp->mb, rs->used);
	printf("median without:           %.3f s\n", base);
	if (su->attach_cmd)
		printf("median with '%s': %.3f s\n", su->attach_cmd, hooked);
	else
		printf("median with ops (ret 0)%s: %.3f s  (hook calls: %llu)\n",
		       elsewhere ? " on a sibling" : "", hooked,
		       (unsigned long long)su->skel->bss->calls);
	printf("ratio of the medians:     %.3f\n", hooked / base);
	printf("median of round ratios:   %.3f, 95%% CI %.3f..%.3f (%+.1f%% %+.1f%%)\n",
	       rs->ci.median, rs->ci.low, rs->ci.high,
	       stats_ci_low_pct(&rs->ci), stats_ci_high_pct(&rs->ci));
	if (rs->met)
		printf("rounds: %d (min %d, max %d): target +-%g%% met\n",
		       rs->used, rs->min, rs->max, rs->target_pct);
	else
		printf("rounds: %d (min %d, max %d): target +-%g%% NOT met, stopped at the maximum\n",
		       rs->used, rs->min, rs->max, rs->target_pct);
	printf("result rounds=%d without_median_s=%.4f with_median_s=%.4f ratio=%.4f"
	       " ratio_median=%.4f ci_low=%.4f ci_high=%.4f target_pct=%g target=%s\n",
	       rs->used, base, hooked, hooked / base, rs->ci.median, rs->ci.low,
	       rs->ci.high, rs->target_pct, rs->met ? "met" : "max");
}

/* workingset_refault_anon of CG's memory.stat, or -1. */
static long long refaults_of(const char *cg)
{
	char path[4200], key[64];
	long long v, ret = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/memory.stat", cg);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", key, &v) == 2)
		if (!strcmp(key, "workingset_refault_anon"))
			ret = v;
	fclose(f);
	return ret;
}

/* Is any swap on?  The refault loop needs it. */
static bool swap_on(void)
{
	char line[512];
	int n = 0;
	FILE *f = fopen("/proc/swaps", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n > 1;
}

int main(int argc, char **argv)
{
	struct loop lp = { .cg = "/sys/fs/cgroup/memcg-prio-bench", .mb = 64,
			   .iters = 8 };
	long long refaults0;
	int c, ret = 1;
	bool created, elsewhere = false, created_other = false;
	char other[4200];
	struct rounds rs = { .min = DEFAULT_MIN_ROUNDS, .max = DEFAULT_MAX_ROUNDS,
			     .target_pct = DEFAULT_TARGET_PCT };
	struct setup su = { .cg_fd = -1 };
	char max[32];

	while ((c = getopt(argc, argv, "r:R:p:m:c:i:w:a:d:oh")) != -1) {
		double v;

		switch (c) {
		case 'r':
		case 'R':
			if (parse_num(c, optarg, 1, MAX_ROUNDS, &v))
				return 2;
			if (v != (int)v) {
				fprintf(stderr, "hook-overhead: -%c '%s': want a whole number\n",
					c, optarg);
				return 2;
			}
			*(c == 'r' ? &rs.min : &rs.max) = v;
			break;
		case 'p':
			if (parse_num(c, optarg, 0.001, 100, &rs.target_pct))
				return 2;
			break;
		case 'm':
		case 'w':
			if (parse_num(c, optarg, 1, 1 << 20, &v))
				return 2;
			*(c == 'm' ? &lp.mb : &lp.max_mb) = v;
			break;
		case 'c': lp.cg = optarg; break;
		case 'i':
			if (parse_num(c, optarg, 1, 1 << 20, &v))
				return 2;
			lp.iters = v;
			break;
		case 'a': su.attach_cmd = optarg; break;
		case 'd': su.detach_cmd = optarg; break;
		case 'o': elsewhere = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (rs.max < rs.min) {
		fprintf(stderr, "hook-overhead: -R %d is below -r %d\n", rs.max, rs.min);
		return 2;
	}
	if (!su.attach_cmd != !su.detach_cmd) {
		fprintf(stderr, "hook-overhead: -a and -d go together\n");
		return 2;
	}
	if (lp.max_mb && lp.max_mb >= lp.mb) {
		fprintf(stderr, "hook-overhead: -w %zu: the refault loop wants a "
			"memory.max below -m %zu\n", lp.max_mb, lp.mb);
		return 2;
	}
	if (lp.max_mb && !swap_on()) {
		fprintf(stderr, "hook-overhead: -w: the refault loop needs swap, "
			"and /proc/swaps lists none\n");
		return 2;
	}
	rs.base = calloc(rs.max, sizeof(double));
	rs.hooked = calloc(rs.max, sizeof(double));
	if (!rs.base || !rs.hooked) {
		fprintf(stderr, "hook-overhead: out of memory\n");
		goto out_free;
	}
	created = mkdir(lp.cg, 0755) == 0;
	if (!created && errno != EEXIST) {
		fprintf(stderr, "hook-overhead: cannot create %s: %s\n", lp.cg,
			strerror(errno));
		goto out_free;
	}
	snprintf(max, sizeof(max), "%zuM", lp.max_mb);
	if (lp.max_mb && write_str(lp.cg, "memory.max", max)) {
		fprintf(stderr, "hook-overhead: cannot set %s/memory.max\n", lp.cg);
		goto out_rmdir;
	}
	snprintf(other, sizeof(other), "%s-elsewhere", lp.cg);
	if (elsewhere) {
		created_other = mkdir(other, 0755) == 0;
		if (!created_other && errno != EEXIST) {
			fprintf(stderr, "hook-overhead: cannot create %s: %s\n",
				other, strerror(errno));
			goto out_rmdir;
		}
	}
	su.cg_fd = open(elsewhere ? other : lp.cg, O_RDONLY | O_DIRECTORY);
	su.skel = hook_overhead__open_and_load();
	if (su.cg_fd < 0 || !su.skel) {
		fprintf(stderr, "hook-overhead: setup failed: %s\n", strerror(errno));
		goto out_close;
	}

	refaults0 = refaults_of(lp.cg);
	run_loop(&lp, lp.max_mb ? lp.iters : 1);	/* warm up */
	if (run_rounds(&su, &rs, &lp))
		goto out_close;
	print_summary(&su, &rs, elsewhere, &lp,
		      refaults0 < 0 ? -1 : refaults_of(lp.cg) - refaults0);
	ret = 0;
out_close:
	hook_overhead__destroy(su.skel);
	if (su.cg_fd >= 0)
		close(su.cg_fd);
out_rmdir:
	if (lp.max_mb && !created)
		write_str(lp.cg, "memory.max", "max");
	if (created)
		rmdir(lp.cg);
	if (created_other)
		rmdir(other);
out_free:
	free(rs.base);
	free(rs.hooked);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * hook-overhead: the cost of memcg_bpf_ops on a charge-heavy loop.
 *
 * In a fresh cgroup, a child maps, touches and unmaps anonymous memory in a
 * loop (every page is charged and uncharged).  The loop runs ROUNDS times
 * in each configuration, alternating: nothing attached, then a
 * memcg_bpf_ops attached to the cgroup whose hook returns 0 (with -o, attached
 * to a sibling cgroup instead: what a memcg without ops pays once something
 * is attached somewhere).  With -a and -d
 * the second configuration is whatever the shell command ATTACH sets up and
 * DETACH removes instead (bench/run-policy-overhead: memcg-prio itself).
 * Prints the median time of each and their ratio.  A benchmark, not a test:
 * it asserts nothing.
 *
 * Usage: hook-overhead [-r ROUNDS] [-i ITERS] [-m MB] [-c CGROUP_DIR] [-o]
 *                      [-a ATTACH -d DETACH]
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

/* One measurement: a child in CG charges MB megabytes ITERS times. */
static double run_loop(const char *cg, size_t mb, int iters)
{
	double t0 = now_s();
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		size_t len = mb << 20;
		char buf[32];

		snprintf(buf, sizeof(buf), "%d", getpid());
		if (write_str(cg, "cgroup.procs", buf))
			_exit(2);
		for (int i = 0; i < iters; i++) {
			char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p == MAP_FAILED)
				_exit(1);
			for (size_t off = 0; off < len; off += 4096)
				p[off] = 1;
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

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	const char *cg = "/sys/fs/cgroup/memcg-prio-bench";
	int rounds = 7, iters = 8, c;
	bool created, elsewhere = false, created_other = false;
	char other[4200];
	double base[64], hooked[64];
	struct setup su = { 0 };
	size_t mb = 64;

	while ((c = getopt(argc, argv, "r:m:c:i:a:d:o")) != -1) {
		switch (c) {
		case 'r': rounds = atoi(optarg); break;
		case 'm': mb = strtoul(optarg, NULL, 0); break;
		case 'c': cg = optarg; break;
		case 'i': iters = atoi(optarg); break;
		case 'a': su.attach_cmd = optarg; break;
		case 'd': su.detach_cmd = optarg; break;
		case 'o': elsewhere = true; break;
		default:
			fprintf(stderr, "usage: hook-overhead [-r ROUNDS] [-i ITERS] [-m MB] [-c CGROUP] [-o] [-a ATTACH -d DETACH]\n");
			return 2;
		}
	}
	if (rounds < 1 || rounds > 64) {
		fprintf(stderr, "hook-overhead: rounds must be 1..64\n");
		return 2;
	}
	if (!su.attach_cmd != !su.detach_cmd) {
		fprintf(stderr, "hook-overhead: -a and -d go together\n");
		return 2;
	}
	created = mkdir(cg, 0755) == 0;
	if (!created && errno != EEXIST) {
		fprintf(stderr, "hook-overhead: cannot create %s: %s\n", cg, strerror(errno));
		return 1;
	}
	snprintf(other, sizeof(other), "%s-elsewhere", cg);
	if (elsewhere) {
		created_other = mkdir(other, 0755) == 0;
		if (!created_other && errno != EEXIST) {
			fprintf(stderr, "hook-overhead: cannot create %s: %s\n",
				other, strerror(errno));
			return 1;
		}
	}
	su.cg_fd = open(elsewhere ? other : cg, O_RDONLY | O_DIRECTORY);
	su.skel = hook_overhead__open_and_load();
	if (su.cg_fd < 0 || !su.skel) {
		fprintf(stderr, "hook-overhead: setup failed: %s\n", strerror(errno));
		return 1;
	}

	run_loop(cg, mb, 1);	/* warm up */
	/* ABBA order, so that neither configuration always runs second. */
	for (int r = 0; r < rounds; r++) {
		int hooked_first = r % 2;

		for (int pass = 0; pass < 2; pass++) {
			int hook = pass == !hooked_first;
			double t;

			if (hook && setup_attach(&su))
				return 1;
			t = run_loop(cg, mb, iters);
			if (hook) {
				if (setup_detach(&su))
					return 1;
				hooked[r] = t;
			} else {
				base[r] = t;
			}
			if (t < 0) {
				fprintf(stderr, "hook-overhead: loop failed\n");
				return 1;
			}
		}
		printf("round %2d: without %.3f s, with %.3f s\n", r, base[r], hooked[r]);
	}
	printf("charge loop: %d x %zu MiB map-touch-unmap per run, %d rounds\n",
	       iters, mb, rounds);
	printf("median without:           %.3f s\n", median(base, rounds));
	if (su.attach_cmd)
		printf("median with '%s': %.3f s\n", su.attach_cmd,
		       median(hooked, rounds));
	else
		printf("median with ops (ret 0)%s: %.3f s  (hook calls: %llu)\n",
		       elsewhere ? " on a sibling" : "", median(hooked, rounds),
		       (unsigned long long)su.skel->bss->calls);
	printf("ratio with/without:       %.3f\n", median(hooked, rounds) / median(base, rounds));
	hook_overhead__destroy(su.skel);
	close(su.cg_fd);
	if (created)
		rmdir(cg);
	if (created_other)
		rmdir(other);
	return 0;
}

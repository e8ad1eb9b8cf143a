// SPDX-License-Identifier: GPL-2.0-only
/*
 * oom-hog MB [hold] [lock] [fast]: allocate and touch MB MiB, 1 MiB every
 * 10 ms, then exit 0 ("done" on stdout), or with "hold" keep it until
 * killed.  With "lock", every page is locked as it is touched
 * (mlockall(MCL_ONFAULT)), so that swap cannot take it: the global OOM of
 * selftests/e2e/oom.sh.  With "fast", no pause between the MiBs.  The
 * workload of the OOM tests (selftests/e2e/oom.sh) and of bench/oom: a
 * plain process, unlike stress-ng, which sets its own workers'
 * oom_score_adj and restarts them when they are killed.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static int usage(void)
{
	fprintf(stderr, "usage: oom-hog MB [hold] [lock] [fast]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const struct timespec step = { .tv_nsec = 10000000L };
	long mb = argc > 1 ? atol(argv[1]) : 0;
	bool hold = false, lock = false, fast = false;

	if (mb <= 0)
		return usage();
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "hold") == 0)
			hold = true;
		else if (strcmp(argv[i], "lock") == 0)
			lock = true;
		else if (strcmp(argv[i], "fast") == 0)
			fast = true;
		else
			return usage();
	}
	if (lock && mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) {
		perror("oom-hog: mlockall");
		return 1;
	}
	for (long i = 0; i < mb; i++) {
		char *p = malloc(1 << 20);

		if (!p)
			return 1;
		memset(p, 0x5a, 1 << 20);
		if (!fast)
			nanosleep(&step, NULL);
	}
	if (hold)
		for (;;)
			pause();
	puts("done");
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * oom-hog MB [hold]: allocate and touch MB MiB, 1 MiB every 10 ms, then
 * exit 0 ("done" on stdout), or with "hold" keep it until killed.  The
 * workload of the OOM tests (selftests/e2e/oom.sh) and of bench/oom: a
 * plain process, unlike stress-ng, which sets its own workers'
 * oom_score_adj and restarts them when they are killed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const struct timespec step = { .tv_nsec = 10000000L };
	long mb = argc > 1 ? atol(argv[1]) : 0;

	if (mb <= 0) {
		fprintf(stderr, "usage: oom-hog MB [hold]\n");
		return 2;
	}
	for (long i = 0; i < mb; i++) {
		char *p = malloc(1 << 20);

		if (!p)
			return 1;
		memset(p, 0x5a, 1 << 20);
		nanosleep(&step, NULL);
	}
	if (argc > 2 && strcmp(argv[2], "hold") == 0)
		for (;;)
			pause();
	puts("done");
	return 0;
}

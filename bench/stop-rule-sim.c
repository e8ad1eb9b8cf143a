// SPDX-License-Identifier: GPL-2.0
/*
 * stop-rule-sim - how often the benchmarks' stopping rule reports an
 * interval that holds the true median, by simulation on measured ratios.
 *
 * Reads per-round ratios from a benchmark log (the "round ... ratio R"
 * lines of hook-overhead or madvise-loop; give one placement's rounds
 * only) and takes their median as the truth.  Each simulated run draws
 * rounds with replacement from them and stops as the benchmarks do: from
 * MIN rounds on, once STREAK intervals in a row lay within PCT % of the
 * median (stats_round_check()'s count), or at MAX rounds.  Prints, per
 * STREAK, the share of runs whose last interval held the truth (95 %
 * promised) and the mean rounds.
 *
 * Usage: stop-rule-sim LOG [RUNS [MIN [PCT [MAX]]]]
 *        (defaults 300, 10, 2, 150; STREAK 1 and STATS_STOP_STREAK)
 * Example: stop-rule-sim <(sed -n '/^low n=32/,$p' LOG) 300
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

#define MAX_POOL 4096

static uint64_t sim_state = UINT64_C(0x73746f7072756c65);	/* "stoprule" */

/* The ratios of the log's round lines into pool; their count, or -1. */
static int read_pool(const char *path, double *pool)
{
	char line[512];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f) {
		fprintf(stderr, "stop-rule-sim: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (n < MAX_POOL && fgets(line, sizeof(line), f)) {
		const char *r = strstr(line, "ratio ");

		if (strncmp(line, "round ", 6) || !r || sscanf(r + 6, "%lf", &pool[n]) != 1 ||
		    !(pool[n] > 0))
			continue;
		n++;
	}
	fclose(f);
	return n;
}

struct outcome {
	int covered;	/* runs whose last interval held the truth */
	long rounds;	/* all rounds of all runs */
	int maxed;	/* runs that stopped at the maximum */
};

/*
 * runs simulated runs, each stopped by stats_round_check()'s count of
 * rounds in a row within the target once it reaches streak_needed (its own
 * verdict is that count reaching STATS_STOP_STREAK), or at max rounds.
 */
static int simulate(const double *pool, int np, double truth, int runs,
		    int min, double pct, int max, unsigned int streak_needed,
		    FILE *quiet, struct outcome *o)
{
	double *without = malloc(max * sizeof(double)), *with = malloc(max * sizeof(double));
	int ret = 0;

	if (!without || !with) {
		ret = -ENOMEM;
		goto out;
	}
	memset(o, 0, sizeof(*o));
	for (int r = 0; r < runs; r++) {
		struct stats_ci ci = { 0 };
		unsigned int streak = 0;
		int n;

		for (n = 1; n <= max; n++) {
			without[n - 1] = 1;
			with[n - 1] = pool[stats_next_index(&sim_state, np)];
			ret = stats_round_check(quiet, without, with, n, min, pct, &streak, &ci);
			if (ret < 0)
				goto out;
			if (streak >= streak_needed)
				break;
		}
		if (n > max) {
			n = max;
			o->maxed++;
		}
		o->rounds += n;
		o->covered += ci.low <= truth && truth <= ci.high;
	}
	ret = 0;
out:
	free(without);
	free(with);
	return ret;
}

int main(int argc, char **argv)
{
	static double pool[MAX_POOL], sorted[MAX_POOL];
	const unsigned int streaks[] = { 1, STATS_STOP_STREAK };
	int runs = argc > 2 ? atoi(argv[2]) : 300;
	int min = argc > 3 ? atoi(argv[3]) : 10;
	double pct = argc > 4 ? atof(argv[4]) : 2;
	int max = argc > 5 ? atoi(argv[5]) : 150;
	FILE *quiet;
	double truth;
	int np;

	if (argc < 2 || argc > 6 || runs < 1 || min < 1 || max < min || !(pct > 0)) {
		fprintf(stderr, "Usage: stop-rule-sim LOG [RUNS [MIN [PCT [MAX]]]]\n");
		return 2;
	}
	np = read_pool(argv[1], pool);
	if (np < 0)
		return 1;
	if (np < 10) {
		fprintf(stderr, "stop-rule-sim: %s: %d round ratios, want 10 or more\n",
			argv[1], np);
		return 1;
	}
	quiet = fopen("/dev/null", "w");	/* stats_round_check()'s running lines */
	if (!quiet) {
		fprintf(stderr, "stop-rule-sim: /dev/null: %s\n", strerror(errno));
		return 1;
	}
	memcpy(sorted, pool, np * sizeof(double));
	truth = stats_median(sorted, np);
	printf("%d round ratios, median %.4f; %d runs each, from %d to %d rounds, target +-%g%%\n",
	       np, truth, runs, min, max, pct);
	for (size_t i = 0; i < sizeof(streaks) / sizeof(streaks[0]); i++) {
		struct outcome o;

		int err = simulate(pool, np, truth, runs, min, pct, max, streaks[i], quiet, &o);

		if (err) {
			fprintf(stderr, "stop-rule-sim: %s\n", strerror(-err));
			return 1;
		}
		printf("stop after %u in a row: interval held the median in %.1f%% of runs, "
		       "%.1f rounds on average, %d stopped at the maximum\n",
		       streaks[i], 100.0 * o.covered / runs, (double)o.rounds / runs, o.maxed);
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * stats: medians and the percentile bootstrap interval of the median of
 * per-round ratios.  The method is described in stats.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double stats_median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* splitmix64: small, fast and the same everywhere. */
static uint64_t next_u64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

size_t stats_next_index(uint64_t *state, size_t n)
{
	return (size_t)(((unsigned __int128)next_u64(state) * n) >> 64);
}

/*
 * The median of one resample of sorted[0..n-1] (n draws with replacement).
 * Only how often each value is drawn matters, so a count per value replaces
 * sorting the resample: O(n) instead of O(n log n).
 */
static double resample_median(const double *sorted, size_t *counts, size_t n,
			      uint64_t *state)
{
	size_t lo = (n - 1) / 2, hi = n / 2, seen = 0;
	double lo_val = sorted[0];

	memset(counts, 0, n * sizeof(*counts));
	for (size_t k = 0; k < n; k++)
		counts[stats_next_index(state, n)]++;
	for (size_t i = 0; i < n; i++) {
		/* Positions seen .. seen + counts[i] - 1 of the resample hold sorted[i]. */
		if (seen <= lo && lo < seen + counts[i])
			lo_val = sorted[i];
		if (hi < seen + counts[i])
			return lo_val == sorted[i] ? lo_val : (lo_val + sorted[i]) / 2;
		seen += counts[i];
	}
	return lo_val;	/* not reached: the counts add up to n */
}

int stats_ratio_ci(const double *without, const double *with, size_t n,
		   struct stats_ci *ret_ci)
{
	const size_t tail = STATS_BOOT_RESAMPLES * 25 / 1000;	/* 2.5 % */
	double *ratios = NULL, *boot = NULL;
	uint64_t state = STATS_BOOT_SEED;
	size_t *counts = NULL;
	int ret = -EINVAL;

	if (n == 0)
		return -EINVAL;
	ratios = malloc(n * sizeof(*ratios));
	counts = malloc(n * sizeof(*counts));
	boot = malloc(STATS_BOOT_RESAMPLES * sizeof(*boot));
	if (!ratios || !counts || !boot) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!(without[i] > 0) || !(with[i] > 0))
			goto out;
		ratios[i] = with[i] / without[i];
	}
	qsort(ratios, n, sizeof(*ratios), cmp_double);
	for (size_t b = 0; b < STATS_BOOT_RESAMPLES; b++)
		boot[b] = resample_median(ratios, counts, n, &state);
	qsort(boot, STATS_BOOT_RESAMPLES, sizeof(*boot), cmp_double);
	ret_ci->median = stats_median(ratios, n);
	ret_ci->low = boot[tail];
	ret_ci->high = boot[STATS_BOOT_RESAMPLES - 1 - tail];
	ret = 0;
out:
	free(ratios);
	free(counts);
	free(boot);
	return ret;
}

bool stats_ci_within(const struct stats_ci *ci, double pct)
{
	return ci->low >= ci->median * (1 - pct / 100) &&
	       ci->high <= ci->median * (1 + pct / 100);
}

double stats_ci_low_pct(const struct stats_ci *ci)
{
	return (ci->low / ci->median - 1) * 100;
}

double stats_ci_high_pct(const struct stats_ci *ci)
{
	return (ci->high / ci->median - 1) * 100;
}

int stats_round_check(FILE *f, const double *without, const double *with,
		      size_t n, size_t min_rounds, double pct,
		      unsigned int *streak, struct stats_ci *ret_ci)
{
	int err;

	if (n < min_rounds) {
		*streak = 0;
		return 0;
	}
	err = stats_ratio_ci(without, with, n, ret_ci);
	if (err)
		return err;
	*streak = stats_ci_within(ret_ci, pct) ? *streak + 1 : 0;
	fprintf(f, "           median ratio %.3f, 95%% CI %.3f..%.3f (%+.1f%% %+.1f%%)%s\n",
		ret_ci->median, ret_ci->low, ret_ci->high,
		stats_ci_low_pct(ret_ci), stats_ci_high_pct(ret_ci),
		*streak ? " within" : "");
	return *streak >= STATS_STOP_STREAK;
}

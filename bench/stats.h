/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stats: the medians and confidence intervals the benchmarks report.
 *
 * A benchmark round runs the same loop once without and once with the thing
 * under test, in ABBA order over rounds.  Its ratio is with / without of that
 * round: pairing the two trials of a round cancels drift that is slower than
 * a round (other guests, host frequency), which two separate medians would
 * keep.  The benchmarks report the median of the per-round ratios and a 95%
 * confidence interval of that median.
 *
 * The interval is a percentile bootstrap: STATS_BOOT_RESAMPLES times, draw n
 * ratios with replacement from the n measured ones and take their median;
 * the interval runs from the 2.5th to the 97.5th percentile of those
 * medians (the sorted resampled medians at index floor(0.025 * B) and
 * B - 1 - floor(0.025 * B), B the number of resamples: 250 and 9749).  Draws come from a
 * small generator of our own (splitmix64) started from STATS_BOOT_SEED at
 * every call, so the same ratios always give the same interval, on every
 * libc.
 *
 * The percentile bootstrap of a median is too narrow for few values (with
 * n = 1 it is the single value, with identical values it is that value):
 * the benchmarks do not stop before a minimum number of rounds (10 by
 * default).  The resampled medians take only values near the middle of the
 * sorted ratios, so the interval's ends are measured ratios (or the mean of
 * two, for even n).
 */
#ifndef MEMCG_PRIO_BENCH_STATS_H
#define MEMCG_PRIO_BENCH_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define STATS_BOOT_RESAMPLES 10000
#define STATS_BOOT_SEED UINT64_C(0x6d656d636770726f)	/* "memcgpro" */

/*
 * An index in [0, n), n >= 1, from the generator the bootstrap uses
 * (splitmix64 on *state; the high half of a 64 x 64-bit product).
 */
size_t stats_next_index(uint64_t *state, size_t n);

/* The median of v[0..n-1], n >= 1.  Sorts v in place. */
double stats_median(double *v, size_t n);

struct stats_ci {
	double median;		/* of the per-round ratios */
	double low, high;	/* the 95% interval of that median */
};

/*
 * The median of the n ratios with[i] / without[i] and its 95% percentile
 * bootstrap interval, in *ret_ci.  Returns 0; -EINVAL if n is 0 or a time
 * is not positive; -ENOMEM.  *ret_ci is untouched on failure.  Allocates
 * and frees its own scratch space: about (n + 10000) doubles and n counts.
 */
int stats_ratio_ci(const double *without, const double *with, size_t n,
		   struct stats_ci *ret_ci);

/*
 * Whether both ends of ci lie within pct percent of its median:
 * low >= median * (1 - pct / 100) and high <= median * (1 + pct / 100).
 */
bool stats_ci_within(const struct stats_ci *ci, double pct);

/* How far the ends lie from the median, in percent of it (low one <= 0). */
double stats_ci_low_pct(const struct stats_ci *ci);
double stats_ci_high_pct(const struct stats_ci *ci);

/*
 * Rounds in a row whose interval must lie within the target before a
 * benchmark stops.  Stopping at the first such round favours intervals
 * that came out narrow by chance.  bench/stop-rule-sim, 1000 runs drawn
 * from the measured rounds of three logs of 2026-12-06 (low/32 of
 * policy-scaling-32, "every charge" and "series" of placement; target
 * 2 %): the interval held their median in 90.7 %, 90.2 % and 93.3 % of
 * the runs stopped at the first such round, against the 95 % it promises;
 * in 93.7 %, 91.2 % and 94.9 % with 5 in a row, at 1.5 times the rounds
 * (a run of 1000 is good to about 1 point).
 */
#define STATS_STOP_STREAK 5

/*
 * The stopping rule, after n rounds: before min_rounds, 0 (and *streak
 * reset).  From then on computes *ret_ci of the n rounds, prints its
 * running line to f, counts in *streak the rounds in a row whose interval
 * lay within pct percent of the median, and returns 1 once that count
 * reaches STATS_STOP_STREAK, 0 before, or the negative errno of
 * stats_ratio_ci() (*streak then untouched).
 */
int stats_round_check(FILE *f, const double *without, const double *with,
		      size_t n, size_t min_rounds, double pct,
		      unsigned int *streak, struct stats_ci *ret_ci);

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmarks' statistics (bench/stats.c): medians, and the bootstrap
 * interval of the median of per-round ratios on data whose true median is
 * known.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "stats.h"

/* The test's own data generator (an LCG), apart from the one in stats.c. */
static double uniform(uint64_t *state)
{
	*state = *state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
	return (double)(*state >> 11) / (double)(UINT64_C(1) << 53);
}

/*
 * n rounds with "without" times around 1 s and ratios 1 + noise, noise
 * uniform in [-spread, spread]: the true median ratio is 1.
 */
static void synthetic(double *without, double *with, size_t n, double spread,
		      uint64_t *state)
{
	for (size_t i = 0; i < n; i++) {
		without[i] = 0.8 + 0.4 * uniform(state);
		with[i] = without[i] * (1 + spread * (2 * uniform(state) - 1));
	}
}

static void test_median(void **state)
{
	double odd[] = { 3, 1, 2 };
	double even[] = { 4, 1, 3, 2 };
	double one[] = { 7.5 };
	double same[] = { 2, 2, 2, 2 };

	(void)state;
	assert_true(stats_median(odd, 3) == 2);
	assert_true(stats_median(even, 4) == 2.5);
	assert_true(stats_median(one, 1) == 7.5);
	assert_true(stats_median(same, 4) == 2);
	/* Sorted in place, as the header says. */
	assert_true(even[0] == 1 && even[3] == 4);
}

static void test_known_ratios(void **state)
{
	/* Ratios 1.10, 0.90, 1.00, 1.05, 0.95: median 1.00. */
	const double without[] = { 1, 2, 1, 2, 2 };
	const double with[] = { 1.1, 1.8, 1, 2.1, 1.9 };
	struct stats_ci ci;

	(void)state;
	assert_int_equal(stats_ratio_ci(without, with, 5, &ci), 0);
	assert_true(ci.median > 0.999999 && ci.median < 1.000001);
	assert_true(ci.low <= ci.median && ci.median <= ci.high);
	assert_true(ci.low >= 0.9 - 1e-9 && ci.high <= 1.1 + 1e-9);
}

static void test_deterministic(void **state)
{
	double without[40], with[40];
	struct stats_ci a, b;
	uint64_t s = 1;

	(void)state;
	synthetic(without, with, 40, 0.1, &s);
	assert_int_equal(stats_ratio_ci(without, with, 40, &a), 0);
	assert_int_equal(stats_ratio_ci(without, with, 40, &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
}

/* Over 100 data sets of 41 rounds, the interval holds 1 at least 88 times. */
static void test_coverage(void **state)
{
	double without[41], with[41];
	int covered = 0;
	uint64_t s = 42;

	(void)state;
	for (int k = 0; k < 100; k++) {
		struct stats_ci ci;

		synthetic(without, with, 41, 0.2, &s);
		assert_int_equal(stats_ratio_ci(without, with, 41, &ci), 0);
		assert_true(ci.low <= ci.median && ci.median <= ci.high);
		covered += ci.low <= 1 && 1 <= ci.high;
	}
	print_message("interval held the true median in %d of 100 data sets\n", covered);
	assert_true(covered >= 88);
}

/* Width of the interval for n rounds, averaged over 20 data sets. */
static double mean_width(size_t n, uint64_t *s)
{
	double *without = calloc(n, sizeof(double)), *with = calloc(n, sizeof(double));
	double sum = 0;

	assert_non_null(without);
	assert_non_null(with);
	for (int k = 0; k < 20; k++) {
		struct stats_ci ci;

		synthetic(without, with, n, 0.2, s);
		assert_int_equal(stats_ratio_ci(without, with, n, &ci), 0);
		sum += ci.high - ci.low;
	}
	free(without);
	free(with);
	return sum / 20;
}

static void test_narrows(void **state)
{
	uint64_t s = 7;
	double w10 = mean_width(10, &s), w40 = mean_width(40, &s);
	double w160 = mean_width(160, &s);

	(void)state;
	print_message("mean width: n=10 %.4f, n=40 %.4f, n=160 %.4f\n", w10, w40, w160);
	/* About 1/sqrt(n): each factor of 4 should halve it; ask for a third less. */
	assert_true(w40 < w10 * 0.67);
	assert_true(w160 < w40 * 0.67);
}

static void test_stop_rule(void **state)
{
	struct stats_ci ci = { .median = 1.0, .low = 0.985, .high = 1.019 };

	(void)state;
	assert_true(stats_ci_within(&ci, 2));
	assert_false(stats_ci_within(&ci, 1.5));
	ci.high = 1.021;	/* one side too far is enough to go on */
	assert_false(stats_ci_within(&ci, 2));
	assert_true(stats_ci_low_pct(&ci) < -1.49 && stats_ci_low_pct(&ci) > -1.51);
	assert_true(stats_ci_high_pct(&ci) > 2.09 && stats_ci_high_pct(&ci) < 2.11);
}

/* The round check: silent before the minimum, then the rule (a streak), or the error. */
static void test_round_check(void **state)
{
	const double without[] = { 1, 1, 1, 1 }, same[] = { 1.1, 1.1, 1.1, 1.1 };
	const double spread[] = { 0.8, 1.2, 0.9, 1.3 }, bad[] = { 1, 0, 1, 1 };
	struct stats_ci ci = { .median = 9 };
	FILE *f = fopen("/dev/null", "w");

	(void)state;
	assert_non_null(f);
	unsigned int streak = 7;

	assert_int_equal(stats_round_check(f, without, same, 3, 4, 2, &streak, &ci), 0);
	assert_true(ci.median == 9);	/* not computed before the minimum */
	assert_int_equal(streak, 0);
	/* Within the target: stops only after STATS_STOP_STREAK in a row. */
	for (unsigned int i = 1; i < STATS_STOP_STREAK; i++) {
		assert_int_equal(stats_round_check(f, without, same, 4, 4, 2, &streak, &ci), 0);
		assert_int_equal(streak, i);
	}
	assert_int_equal(stats_round_check(f, without, same, 4, 4, 2, &streak, &ci), 1);
	/* A round outside the target starts the count again. */
	assert_int_equal(stats_round_check(f, without, spread, 4, 4, 2, &streak, &ci), 0);
	assert_int_equal(streak, 0);
	assert_int_equal(stats_round_check(f, without, same, 4, 4, 2, &streak, &ci), 0);
	assert_int_equal(streak, 1);
	assert_int_equal(stats_round_check(f, without, bad, 4, 4, 2, &streak, &ci), -EINVAL);
	assert_int_equal(streak, 1);
	fclose(f);
}

static void test_edges(void **state)
{
	const double one_without[] = { 2 }, one_with[] = { 2.5 };
	const double same_without[] = { 1, 2, 4, 0.5 }, same_with[] = { 1.05, 2.1, 4.2, 0.525 };
	const double bad_with[] = { 1, 0 };
	struct stats_ci ci = { 0 }, untouched = { .median = 9, .low = 9, .high = 9 };

	(void)state;
	/* One round: the interval is the ratio itself. */
	assert_int_equal(stats_ratio_ci(one_without, one_with, 1, &ci), 0);
	assert_true(ci.median == 1.25 && ci.low == 1.25 && ci.high == 1.25);
	/* Identical ratios: so is the interval, and any target is met. */
	assert_int_equal(stats_ratio_ci(same_without, same_with, 4, &ci), 0);
	assert_true(ci.low == ci.median && ci.high == ci.median);
	assert_true(ci.median > 1.049999 && ci.median < 1.050001);
	assert_true(stats_ci_within(&ci, 0.1));
	/* Nothing, or a time that is not positive: refused, *ret_ci untouched. */
	ci = untouched;
	assert_int_equal(stats_ratio_ci(one_without, one_with, 0, &ci), -EINVAL);
	assert_int_equal(stats_ratio_ci(same_without, bad_with, 2, &ci), -EINVAL);
	assert_memory_equal(&ci, &untouched, sizeof(ci));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_median),
		cmocka_unit_test(test_known_ratios),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_coverage),
		cmocka_unit_test(test_narrows),
		cmocka_unit_test(test_stop_rule),
		cmocka_unit_test(test_round_check),
		cmocka_unit_test(test_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The policy's arithmetic (policy/prio_math.h), which the BPF program
 * compiles too: reclaim inefficiency, vmpressure levels, window severity,
 * penalty scaling and clamping, and the accounting of pressure time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "policy/prio_math.h"

static struct prio_group_cfg level_cfg(uint32_t level, uint32_t window)
{
	return (struct prio_group_cfg){ .trigger = PRIO_TRIGGER_LEVEL,
					.level = level, .window_pages = window };
}

static void test_inefficiency(void **state)
{
	(void)state;
	assert_int_equal(prio_inefficiency_pct(0, 0), 0);
	assert_int_equal(prio_inefficiency_pct(100, 100), 0);
	assert_int_equal(prio_inefficiency_pct(100, 40), 60);
	assert_int_equal(prio_inefficiency_pct(512, 0), 100);
	/* Steal of an earlier batch may exceed this window's scans. */
	assert_int_equal(prio_inefficiency_pct(100, 150), 0);
	/* No overflow with huge windows. */
	assert_int_equal(prio_inefficiency_pct(1ULL << 56, 1ULL << 55), 50);
}

static void test_levels(void **state)
{
	(void)state;
	assert_int_equal(prio_level_of(0, 0), 0);
	assert_int_equal(prio_level_of(100, 41), 0);	/* 59 % */
	assert_int_equal(prio_level_of(100, 40), 1);	/* 60 % */
	assert_int_equal(prio_level_of(100, 6), 1);	/* 94 % */
	assert_int_equal(prio_level_of(100, 5), 2);	/* 95 % */
	assert_int_equal(prio_level_of(100, 0), 2);
}

static void test_severity_level(void **state)
{
	struct prio_group_cfg low = level_cfg(0, 512);
	struct prio_group_cfg medium = level_cfg(1, 512);
	struct prio_group_cfg critical = level_cfg(2, 512);

	(void)state;
	/* A window is not full before window_pages scans. */
	assert_int_equal(prio_window_severity(&low, 511, 0), 0);
	assert_int_equal(prio_window_severity(&low, 512, 512), 1);
	/* Below the configured level: no pressure. */
	assert_int_equal(prio_window_severity(&medium, 512, 300), 0);
	/* At the level: 1; each level above doubles. */
	assert_int_equal(prio_window_severity(&medium, 1000, 400), 1);
	assert_int_equal(prio_window_severity(&medium, 1000, 10), 2);
	assert_int_equal(prio_window_severity(&low, 1000, 400), 2);
	assert_int_equal(prio_window_severity(&low, 1000, 0), 4);
	assert_int_equal(prio_window_severity(&critical, 1000, 60), 0);
	assert_int_equal(prio_window_severity(&critical, 1000, 50), 1);
}

static void test_severity_scan(void **state)
{
	struct prio_group_cfg c = { .trigger = PRIO_TRIGGER_SCAN,
				    .scan_threshold_pages = 100 };
	struct prio_group_cfg off = { .trigger = PRIO_TRIGGER_SCAN };

	(void)state;
	assert_int_equal(prio_window_severity(&off, 1000000, 0), 0);
	assert_int_equal(prio_window_severity(&c, 99, 0), 0);
	/* The raw trigger ignores how much was reclaimed. */
	assert_int_equal(prio_window_severity(&c, 100, 100), 1);
	assert_int_equal(prio_window_severity(&c, 350, 0), 3);
	assert_int_equal(prio_window_severity(&c, 1ULL << 40, 0),
			 PRIO_SEVERITY_MAX);
}

static void test_window_expired(void **state)
{
	struct prio_group_cfg c = { .window_ms = 1000 };
	uint64_t t0 = 5 * PRIO_NS_PER_MS;

	(void)state;
	assert_false(prio_window_expired(&c, t0, t0));
	assert_false(prio_window_expired(&c, t0, t0 + 1000 * PRIO_NS_PER_MS - 1));
	assert_true(prio_window_expired(&c, t0, t0 + 1000 * PRIO_NS_PER_MS));
	/* A window that never started (0) is over at once. */
	assert_true(prio_window_expired(&c, 0, 2000 * PRIO_NS_PER_MS));
}

static void test_thrash(void **state)
{
	struct prio_group_cfg low = { .level = PRIO_LEVEL_LOW, .window_pages = 512 };
	struct prio_group_cfg medium = { .level = PRIO_LEVEL_MEDIUM, .window_pages = 512 };
	struct prio_group_cfg critical = { .level = PRIO_LEVEL_CRITICAL, .window_pages = 64 };

	(void)state;
	/* window_pages refaults of the working set make a group thrash. */
	assert_false(prio_thrashing(&low, 511));
	assert_true(prio_thrashing(&low, 512));
	assert_false(prio_thrashing(&critical, 63));
	assert_true(prio_thrashing(&critical, 64));
	/* As a window at level critical: what prio_window_severity() says. */
	assert_int_equal(prio_thrash_severity(&low),
			 prio_window_severity(&low, 1000, 0));
	assert_int_equal(prio_thrash_severity(&medium),
			 prio_window_severity(&medium, 1000, 0));
	assert_int_equal(prio_thrash_severity(&critical), 1);
}

static void test_penalty(void **state)
{
	struct prio_group_cfg fixed = { .penalty_pages = 1024,
					.penalty_max_pages = 4096 };
	struct prio_group_cfg scaled = fixed;

	(void)state;
	scaled.penalty_scaling = 1;
	assert_int_equal(prio_penalty_pages(&fixed, 1), 1024);
	assert_int_equal(prio_penalty_pages(&fixed, 8), 1024);
	assert_int_equal(prio_penalty_pages(&scaled, 0), 1024);
	assert_int_equal(prio_penalty_pages(&scaled, 1), 1024);
	assert_int_equal(prio_penalty_pages(&scaled, 2), 2048);
	assert_int_equal(prio_penalty_pages(&scaled, 4), 4096);
	/* Clamped at penalty_max_pages. */
	assert_int_equal(prio_penalty_pages(&scaled, 64), 4096);
	scaled.penalty_pages = scaled.penalty_max_pages = 1048576;
	assert_int_equal(prio_penalty_pages(&scaled, PRIO_SEVERITY_MAX), 1048576);
}

static void test_pressure_extension(void **state)
{
	(void)state;
	/* Pressure over long ago: all of the new stretch counts. */
	assert_int_equal(prio_pressure_extension(100, 1000, 2000), 1000);
	/* Still on until 1500: only 1500..2500 is new. */
	assert_int_equal(prio_pressure_extension(1500, 1000, 2500), 1000);
	/* Already covered. */
	assert_int_equal(prio_pressure_extension(3000, 1000, 2500), 0);
	assert_int_equal(prio_pressure_extension(0, 0, 0), 0);
}

#define MS PRIO_NS_PER_MS

static void test_hold_shift(void **state)
{
	__u64 hold = 1000 * MS, now = 50000 * MS;
	__u32 shift = 0;

	(void)state;
	/* Never pressed before: the configured hold. */
	assert_int_equal(prio_hold_shift(0, 3, hold, 0, now), 0);
	/* Back 300 ms after the end, three times: 2, 4, 8 times the hold. */
	for (int i = 1; i <= 3; i++) {
		shift = prio_hold_shift(shift, 3, hold, now - 300 * MS, now);
		assert_int_equal(shift, i);
	}
	assert_true(prio_hold_ns(hold, shift, 3) == 8000 * MS);
	/* No further than hold_doublings. */
	shift = prio_hold_shift(shift, 3, hold, now - 300 * MS, now);
	assert_int_equal(shift, 3);
	/* hold_doublings = 0: the hold stays. */
	assert_int_equal(prio_hold_shift(0, 0, hold, now - 300 * MS, now), 0);
	assert_int_equal(prio_hold_shift(2, 0, hold, now - 300 * MS, now), 0);
	/* A lowered hold_doublings (a replace) clamps a longer shift, for
	 * the next pressure and for the hold of the running one. */
	assert_int_equal(prio_hold_shift(3, 1, hold, now - 300 * MS, now), 1);
	assert_true(prio_hold_ns(hold, 3, 1) == 2000 * MS);
	assert_true(prio_hold_ns(hold, 3, 0) == hold);
	/* Never beyond PRIO_HOLD_DOUBLINGS_MAX, whatever is asked. */
	shift = 0;
	for (int i = 0; i < 10; i++)
		shift = prio_hold_shift(shift, 99, hold, now - 1 * MS, now);
	assert_int_equal(shift, PRIO_HOLD_DOUBLINGS_MAX);
	assert_true(prio_hold_ns(hold, 99, 99) == hold << PRIO_HOLD_DOUBLINGS_MAX);
	/* Within the doubled hold counts as soon: 1.5 s after a 2-s hold. */
	assert_int_equal(prio_hold_shift(1, 3, hold, now - 1500 * MS, now), 2);
	/* Back only after the hold it had: a new need, the plain hold. */
	assert_int_equal(prio_hold_shift(1, 3, hold, now - 2000 * MS, now), 0);
	assert_int_equal(prio_hold_shift(3, 3, hold, now - 9000 * MS, now), 0);
	/* hold_ms = 0 never doubles. */
	assert_int_equal(prio_hold_shift(0, 3, 0, now - 1, now), 0);
	/* A clock that went back (an end after now): no doubling. */
	assert_int_equal(prio_hold_shift(2, 3, hold, now + 1, now), 0);
}

/* The give-back's idle time: 100 ms, doubling, at most 1 s. */
/*
 * A shield pass renews the pressure while it holds and one hold after,
 * for at most the longest hold after the group's own need last showed.
 */
static void test_shield_renews(void **state)
{
	const __u64 hold = 1000 * MS, now = 100000 * MS;

	(void)state;
	/* Pressed, the need just shown: renews. */
	assert_true(prio_shield_renews(hold, 3, now + 500 * MS, now - 1 * MS, now));
	/* Ended 999 ms ago: within the hold after it. */
	assert_true(prio_shield_renews(hold, 3, now - 999 * MS, now - 2000 * MS, now));
	/* Ended a hold ago or longer: a new pressure needs a need of its own. */
	assert_false(prio_shield_renews(hold, 3, now - 1000 * MS, now - 1500 * MS, now));
	assert_false(prio_shield_renews(hold, 3, now - 5000 * MS, now - 5000 * MS, now));
	/* Never pressed there. */
	assert_false(prio_shield_renews(hold, 3, 0, 0, now));
	/* The need showed 8 s ago (1 s << 3): no more, pressed or not. */
	assert_true(prio_shield_renews(hold, 3, now + 900 * MS, now - 7999 * MS, now));
	assert_false(prio_shield_renews(hold, 3, now + 900 * MS, now - 8000 * MS, now));
	/* hold_doublings 0: the longest hold is hold_ms. */
	assert_false(prio_shield_renews(hold, 0, now + 900 * MS, now - 1000 * MS, now));
	assert_true(prio_shield_renews(hold, 0, now + 900 * MS, now - 999 * MS, now));
	/* A need stamped on another CPU a moment later than now. */
	assert_false(prio_shield_renews(hold, 3, now + 900 * MS, now + 1, now));
}

static void test_backoff(void **state)
{
	(void)state;
	assert_true(prio_backoff_ns(100 * MS, 1000 * MS, 0) == 100 * MS);
	assert_true(prio_backoff_ns(100 * MS, 1000 * MS, 1) == 200 * MS);
	assert_true(prio_backoff_ns(100 * MS, 1000 * MS, 3) == 800 * MS);
	assert_true(prio_backoff_ns(100 * MS, 1000 * MS, 4) == 1000 * MS);
	assert_true(prio_backoff_ns(100 * MS, 1000 * MS, 8) == 1000 * MS);
	/* No overflow however long the run. */
	assert_true(prio_backoff_ns(100 * MS, 1000 * MS, 40) == 1000 * MS);
	assert_true(prio_backoff_ns(100 * MS, 1000 * MS, 63) == 1000 * MS);
	assert_true(prio_backoff_ns(100 * MS, 1000 * MS, 64) == 1000 * MS);
}

/* Throttle every 100 ms from t (ms) for n times; the verdicts' counts. */
static void throttle_every_100ms(const struct prio_group_cfg *cfg,
				 struct prio_bound *b, __u64 t, int n,
				 int counts[4])
{
	for (int i = 0; i < n; i++)
		counts[prio_bound_check(cfg, b, (t + 100 * (__u64)i) * MS)]++;
}

static void test_bound_continuous(void **state)
{
	struct prio_group_cfg cfg = { .throttle_max_ms = 1000,
				      .throttle_max_share = 100,
				      .throttle_window_ms = 60000,
				      .relief_ms = 500 };
	struct prio_bound b = { 0 };
	int c[4] = { 0 };

	(void)state;
	/* 1000..1900: ten throttles, the episode is 900 ms long. */
	throttle_every_100ms(&cfg, &b, 1000, 10, c);
	assert_int_equal(c[PRIO_BOUND_OK], 10);
	/* At 2000 it reaches 1000 ms: relief until 2500. */
	assert_int_equal(prio_bound_check(&cfg, &b, 2000 * MS),
			 PRIO_BOUND_HIT_CONTINUOUS);
	assert_int_equal(b.last_reason, PRIO_BOUND_HIT_CONTINUOUS);
	assert_int_equal(prio_bound_check(&cfg, &b, 2100 * MS), PRIO_BOUND_RELIEF);
	assert_int_equal(prio_bound_check(&cfg, &b, 2499 * MS), PRIO_BOUND_RELIEF);
	/* After the relief a new episode starts. */
	assert_int_equal(prio_bound_check(&cfg, &b, 2500 * MS), PRIO_BOUND_OK);
	assert_int_equal(b.episode_start_ns, 2500 * MS);
	/* A break longer than 3 s ends an episode: never a hit. */
	memset(c, 0, sizeof(c));
	throttle_every_100ms(&cfg, &b, 2600, 9, c);
	throttle_every_100ms(&cfg, &b, 6500, 9, c);
	assert_int_equal(c[PRIO_BOUND_OK], 18);
	/* A shorter one (a throttled task sleeps up to 2 s) does not. */
	assert_int_equal(prio_bound_check(&cfg, &b, 9300 * MS),
			 PRIO_BOUND_HIT_CONTINUOUS);
}

static void test_bound_share(void **state)
{
	struct prio_group_cfg cfg = { .throttle_max_ms = 60000,
				      .throttle_max_share = 40,
				      .throttle_window_ms = 10000,
				      .relief_ms = 500 };
	struct prio_bound b = { .window_start_ns = 1000 * MS };
	int c[4] = { 0 };

	(void)state;
	/* 1000..2800 throttled (1800 ms counted), a break of 3.2 s (not
	 * counted), 6000..8100 (2100 more): the 4000 ms of 40 % are reached
	 * at 8200. */
	throttle_every_100ms(&cfg, &b, 1000, 19, c);
	throttle_every_100ms(&cfg, &b, 6000, 22, c);
	assert_int_equal(c[PRIO_BOUND_OK], 41);
	assert_int_equal(prio_bound_check(&cfg, &b, 8200 * MS),
			 PRIO_BOUND_HIT_SHARE);
	assert_int_equal(prio_bound_check(&cfg, &b, 8600 * MS), PRIO_BOUND_RELIEF);
	/* A new window from 11000: throttling is allowed again. */
	assert_int_equal(prio_bound_check(&cfg, &b, 11000 * MS), PRIO_BOUND_OK);
	assert_int_equal(b.window_throttled_ns, 0);
	/* throttle_max_share = 100: no share bound at all. */
	cfg.throttle_max_share = 100;
	memset(&b, 0, sizeof(b));
	memset(c, 0, sizeof(c));
	throttle_every_100ms(&cfg, &b, 1000, 500, c);
	assert_int_equal(c[PRIO_BOUND_OK], 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inefficiency),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_severity_level),
		cmocka_unit_test(test_severity_scan),
		cmocka_unit_test(test_window_expired),
		cmocka_unit_test(test_thrash),
		cmocka_unit_test(test_penalty),
		cmocka_unit_test(test_pressure_extension),
		cmocka_unit_test(test_hold_shift),
		cmocka_unit_test(test_shield_renews),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_bound_continuous),
		cmocka_unit_test(test_bound_share),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

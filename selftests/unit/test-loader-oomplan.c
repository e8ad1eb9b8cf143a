// SPDX-License-Identifier: GPL-2.0-only
/*
 * From the model to the OOM policy's map (loader/plan/oomplan.c): the walk
 * order (lowest priority first, ties in the config's order), cgroup ids
 * taken from the plan whatever its order, oom_kill as a flag, the minimum,
 * the kill messages and the reasons' names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "plan/oomplan.h"

static struct prio_config cfg;
static struct prio_plan plan;

static void add_group(const char *name, uint32_t priority, bool oom_kill,
		      uint64_t cgroup_id)
{
	struct prio_conf_group *g = &cfg.groups[cfg.n_groups];

	prio_group_defaults(g);
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->priority = priority;
	g->oom_kill = oom_kill;
	/* The plan lists groups by decreasing priority: reversed here, so
	 * that the test sees ids looked up by conf_index, not position. */
	memmove(&plan.groups[1], &plan.groups[0],
		plan.n_groups * sizeof(plan.groups[0]));
	plan.groups[0] = (struct prio_plan_group){
		.conf_index = cfg.n_groups, .cgroup_id = cgroup_id,
	};
	snprintf(plan.groups[0].path, sizeof(plan.groups[0].path),
		 "/sys/fs/cgroup/%s", name);
	plan.n_groups++;
	cfg.n_groups++;
}

static int reset(void **state)
{
	(void)state;
	prio_config_defaults(&cfg);
	memset(&plan, 0, sizeof(plan));
	return 0;
}

static void test_order(void **state)
{
	struct prio_oom_config oc;

	(void)state;
	add_group("web", 90, true, 100);
	add_group("batch", 0, true, 101);
	add_group("keep", 0, false, 102);
	add_group("mid", 50, true, 103);
	add_group("backup", 0, true, 104);
	prio_oom_plan(&cfg, &plan, &oc);

	assert_int_equal(oc.n_groups, 5);
	assert_int_equal(oc.min_bytes, PRIO_OOM_MIN_BYTES);
	/* Priority 0 first, in the file's order; then 50, then 90. */
	const uint32_t want[] = { 1, 2, 4, 3, 0 };
	const uint64_t ids[] = { 101, 102, 104, 103, 100 };
	for (uint32_t i = 0; i < 5; i++) {
		assert_int_equal(oc.order[i].index, want[i]);
		assert_int_equal(oc.order[i].cgroup_id, ids[i]);
	}
	assert_int_equal(oc.order[0].flags, PRIO_OOM_F_KILL);
	assert_int_equal(oc.order[1].flags, 0);		/* keep: oom_kill = false */
	assert_int_equal(oc.order[4].flags, PRIO_OOM_F_KILL);
	assert_string_equal(oc.order[0].name, "batch");
	assert_string_equal(oc.order[0].path, "/sys/fs/cgroup/batch");
	assert_string_equal(oc.order[4].name, "web");
	assert_string_equal(oc.order[4].path, "/sys/fs/cgroup/web");
}

static void test_full(void **state)
{
	struct prio_oom_config oc;
	char name[16];

	(void)state;
	/* Every slot, by decreasing priority in the file: reversed. */
	for (uint32_t i = 0; i < PRIO_MAX_GROUPS; i++) {
		snprintf(name, sizeof(name), "g%u", i);
		add_group(name, PRIO_MAX_GROUPS - i, true, 1000 + i);
	}
	prio_oom_plan(&cfg, &plan, &oc);
	assert_int_equal(oc.n_groups, PRIO_MAX_GROUPS);
	for (uint32_t i = 0; i < PRIO_MAX_GROUPS; i++) {
		assert_int_equal(oc.order[i].index, PRIO_MAX_GROUPS - 1 - i);
		assert_int_equal(oc.order[i].cgroup_id,
				 1000 + PRIO_MAX_GROUPS - 1 - i);
	}
}

static void test_missing_in_plan(void **state)
{
	struct prio_oom_config oc;

	(void)state;
	add_group("a", 1, true, 7);
	add_group("b", 2, true, 8);
	plan.n_groups = 1;		/* "b" (first in the plan) only */
	prio_oom_plan(&cfg, &plan, &oc);
	assert_int_equal(oc.order[0].index, 0);
	assert_int_equal(oc.order[0].cgroup_id, 0);	/* never found */
	assert_string_equal(oc.order[0].path, "");
	assert_string_equal(oc.order[0].name, "a");
	assert_int_equal(oc.order[1].cgroup_id, 8);
}

static void test_message_and_reasons(void **state)
{
	char buf[PRIO_NAME_LEN + 16];
	char longname[PRIO_NAME_LEN];

	(void)state;
	prio_oom_message("low", buf, sizeof(buf));
	assert_string_equal(buf, "memcg-prio: low");
	/* The longest name fits the BPF side's slot. */
	memset(longname, 'x', PRIO_NAME_MAX);
	longname[PRIO_NAME_MAX] = '\0';
	prio_oom_message(longname, buf, sizeof(buf));
	assert_int_equal(strlen(buf), strlen("memcg-prio: ") + PRIO_NAME_MAX);

	assert_string_equal(prio_oom_reason_name(PRIO_OOM_REASON_LOWEST),
			    "lowest");
	assert_string_equal(prio_oom_reason_name(PRIO_OOM_REASON_LOWER_SMALL),
			    "lower_small");
	assert_string_equal(prio_oom_reason_name(PRIO_OOM_REASON_LOWER_UNKILLABLE),
			    "lower_unkillable");
	assert_string_equal(prio_oom_reason_name(PRIO_OOM_NR_REASONS), "?");
	for (uint32_t r = 0; r < PRIO_OOM_NR_REASONS; r++)
		assert_non_null(strstr(prio_oom_reason_text(r), "group"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_order, reset),
		cmocka_unit_test_setup(test_full, reset),
		cmocka_unit_test_setup(test_missing_in_plan, reset),
		cmocka_unit_test_setup(test_message_and_reasons, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

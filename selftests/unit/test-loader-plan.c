// SPDX-License-Identifier: GPL-2.0-only
/*
 * From the model to the policy's map contents (loader/plan/plan.c), on a fake
 * cgroup tree made in mkdtemp: sorting by priority, cgroup ids, which
 * groups get a link and which links allow overriding, the attach order,
 * the .rodata entries; and the re-attach plan against a running policy.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "plan/plan.h"

static char root[64];
static struct prio_config cfg;
static struct prio_plan plan;
static char err[1024];

static void mkdirs(const char *rel)
{
	char path[512], *p;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = path + strlen(root) + 1;; p++) {
		if (*p && *p != '/')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*p = c;
		if (!c)
			break;
	}
}

static uint64_t ino(const char *rel)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/test-loader-plan.XXXXXX");
	assert_non_null(mkdtemp(root));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

/* Load groups ("[group.x]..." text) with cgroup_root = root. */
static void load(const char *groups)
{
	char *text;
	FILE *f;

	assert_true(asprintf(&text, "[global]\ncgroup_root = %s\n%s", root,
			     groups) > 0);
	f = fmemopen(text, strlen(text), "r");
	assert_non_null(f);
	if (prio_config_load_stream(f, "test.ini", &cfg, err, sizeof(err)) < 0)
		fail_msg("config: %s", err);
	fclose(f);
	free(text);
}

static void build(void)
{
	if (prio_plan_build(&cfg, cfg.cgroup_root, &plan, err, sizeof(err)) < 0)
		fail_msg("plan: %s", err);
}

static const char *name_of(uint32_t i)
{
	return cfg.groups[plan.groups[i].conf_index].name;
}

static void test_sorted_ids(void **state)
{
	char path[512];

	(void)state;
	mkdirs("l");
	mkdirs("h");
	mkdirs("m1");
	mkdirs("m2");
	load("[group.low]\npath = l\npriority = low\n"
	     "[group.high]\npath = h\npriority = high\n"
	     "[group.mid1]\npath = m1\npriority = 50\n"
	     "[group.mid2]\npath = /m2\npriority = 50\n");
	build();
	assert_int_equal(plan.n_groups, 4);
	assert_string_equal(name_of(0), "high");
	assert_string_equal(name_of(1), "mid1");	/* file order kept */
	assert_string_equal(name_of(2), "mid2");
	assert_string_equal(name_of(3), "low");
	assert_int_equal(plan.groups[0].cgroup_id, ino("h"));
	assert_int_equal(plan.groups[3].cgroup_id, ino("l"));
	snprintf(path, sizeof(path), "%s/m2", root);
	assert_string_equal(plan.groups[2].path, path);
	/* Everyone gets a link (throttled or shielded); nobody nests: no
	 * override. */
	for (int i = 0; i < 4; i++) {
		assert_true(plan.groups[i].attach);
		assert_false(plan.groups[i].allow_override);
	}
	assert_int_equal(plan.n_attach, 4);
}

static void test_equal_top(void **state)
{
	(void)state;
	mkdirs("a");
	mkdirs("b");
	mkdirs("c");
	load("[group.a]\npath = a\npriority = 90\n"
	     "[group.b]\npath = b\npriority = 90\n"
	     "[group.c]\npath = c\npriority = 10\n");
	build();
	/* Nobody outranks a or b, but they outrank c: shielded. */
	for (int i = 0; i < 3; i++)
		assert_true(plan.groups[i].attach);
	assert_int_equal(plan.n_attach, 3);
}

static void test_nested(void **state)
{
	(void)state;
	mkdirs("h");
	mkdirs("a/b/c");
	/* mid sits in low; top sits in mid, is never throttled, but is
	 * shielded. */
	load("[group.low]\npath = a\npriority = low\n"
	     "[group.mid]\npath = a/b\npriority = 50\n"
	     "[group.top]\npath = a/b/c\npriority = high\n"
	     "[group.high]\npath = h\npriority = high\n");
	build();
	assert_string_equal(name_of(0), "top");
	assert_string_equal(name_of(1), "high");
	assert_string_equal(name_of(2), "mid");
	assert_string_equal(name_of(3), "low");
	assert_true(plan.groups[0].attach);
	/* low's link must let mid's override it below, and mid's top's;
	 * top and high hold no other link. */
	assert_true(plan.groups[3].allow_override);
	assert_true(plan.groups[2].allow_override);
	assert_false(plan.groups[0].allow_override);
	assert_false(plan.groups[1].allow_override);
	/* Outer cgroups first, whatever the priorities: high and low (one
	 * level), mid, top. */
	assert_int_equal(plan.n_attach, 4);
	assert_int_equal(plan.attach_order[0], 1);
	assert_int_equal(plan.attach_order[1], 3);
	assert_int_equal(plan.attach_order[2], 2);
	assert_int_equal(plan.attach_order[3], 0);
}

static bool shared_has(uint64_t id)
{
	for (uint32_t k = 0; k < plan.n_shared; k++)
		if (plan.shared[k] == id)
			return true;
	return false;
}

/* A limit is shared with the groups nested below it, and only then. */
static void test_shared(void **state)
{
	(void)state;
	mkdirs("lv/web/api");
	mkdirs("lv/web/pod/batch");
	mkdirs("lv/web/side");
	mkdirs("other");
	load("[group.web]\npath = lv/web\npriority = 70\n"
	     "[group.batch]\npath = lv/web/pod/batch\npriority = 5\n"
	     "[group.side]\npath = lv/web/side\npriority = 5\n"
	     "[group.other]\npath = other\npriority = 5\n");
	build();
	/* lv/web holds batch and side; lv/web/pod holds batch.  Nothing
	 * else: lv lies above every group, api and other hold no group. */
	assert_int_equal(plan.n_shared, 2);
	assert_true(shared_has(ino("lv/web")));
	assert_true(shared_has(ino("lv/web/pod")));
	assert_false(shared_has(ino("lv")));
	assert_false(shared_has(ino("lv/web/api")));

	/* The same tree without nested groups: no limit is shared. */
	load("[group.web]\npath = lv/web\npriority = 70\n"
	     "[group.other]\npath = other\npriority = 5\n");
	build();
	assert_int_equal(plan.n_shared, 0);
}

static void test_missing(void **state)
{
	char want[512];

	(void)state;
	mkdirs("h");
	load("[group.high]\npath = h\npriority = high\n"
	     "[group.low]\npath = nope\npriority = low\n");
	assert_int_equal(prio_plan_build(&cfg, cfg.cgroup_root, &plan, err,
					 sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "group 'low': cgroup %s/nope: No such "
		 "file or directory", root);
	assert_string_equal(err, want);
}

/* A symlink that leads out of cgroup_root, or back to it, is refused. */
static void test_outside(void **state)
{
	char link[512], want[2048], real[PATH_MAX];

	(void)state;
	mkdirs("h");
	snprintf(link, sizeof(link), "%s/out", root);
	assert_int_equal(symlink("/tmp", link), 0);
	load("[group.high]\npath = h\npriority = high\n"
	     "[group.low]\npath = out\npriority = low\n");
	assert_int_equal(prio_plan_build(&cfg, cfg.cgroup_root, &plan, err,
					 sizeof(err)), -EXDEV);
	assert_true(snprintf(want, sizeof(want), "group 'low': cgroup %s/out "
			     "is /tmp, not a cgroup below cgroup_root %s", root,
			     root) < (int)sizeof(want));
	assert_string_equal(err, want);

	snprintf(link, sizeof(link), "%s/h/up", root);
	assert_int_equal(symlink(root, link), 0);
	load("[group.high]\npath = h\npriority = high\n"
	     "[group.low]\npath = h/up\npriority = low\n");
	assert_int_equal(prio_plan_build(&cfg, cfg.cgroup_root, &plan, err,
					 sizeof(err)), -EXDEV);
	assert_non_null(realpath(root, real));
	assert_true(snprintf(want, sizeof(want), "group 'low': cgroup %s/h/up "
			     "is %s, not a cgroup below cgroup_root %s", root,
			     real, real) < (int)sizeof(want));
	assert_string_equal(err, want);
}

static void test_cfg(void **state)
{
	struct prio_group_cfg c;

	(void)state;
	mkdirs("h");
	mkdirs("l");
	load("[group.high]\npath = h\npriority = high\npressure_level = critical\n"
	     "window_pages = 1024\nhold_ms = 250\nhold_doublings = 5\n"
	     "[group.low]\npath = l\npriority = low\nscan_threshold_pages = 300\n"
	     "window_ms = 500\npenalty_pages = 64\npenalty_max_pages = 128\n"
	     "penalty_scaling = true\nthrottle_max_ms = 2000\n"
	     "throttle_max_share = 30\nthrottle_window_ms = 4000\n"
	     "relief_ms = 1000\n");
	build();
	prio_plan_group_cfg(&cfg, &plan, 0, &c);
	assert_string_equal(c.name, "high");
	assert_int_equal(c.cgroup_id, ino("h"));
	assert_int_equal(c.priority, 100);
	assert_int_equal(c.trigger, PRIO_TRIGGER_LEVEL);
	assert_int_equal(c.level, 2);
	assert_int_equal(c.window_pages, 1024);
	assert_int_equal(c.hold_ms, 250);
	assert_int_equal(c.hold_doublings, 5);
	/* Not set for high: the defaults. */
	assert_int_equal(c.throttle_max_ms, 30000);
	assert_int_equal(c.throttle_max_share, 90);
	assert_int_equal(c.throttle_window_ms, 60000);
	assert_int_equal(c.relief_ms, 5000);
	/* Linked to be shielded. */
	assert_int_equal(c.link_flags, PRIO_LINK_ATTACHED);
	prio_plan_group_cfg(&cfg, &plan, 1, &c);
	assert_string_equal(c.name, "low");
	assert_int_equal(c.priority, 0);
	assert_int_equal(c.trigger, PRIO_TRIGGER_SCAN);
	assert_int_equal(c.scan_threshold_pages, 300);
	assert_int_equal(c.window_ms, 500);
	assert_int_equal(c.hold_doublings, 3);	/* the default */
	assert_int_equal(c.penalty_pages, 64);
	assert_int_equal(c.penalty_max_pages, 128);
	assert_int_equal(c.penalty_scaling, 1);
	assert_int_equal(c.throttle_max_ms, 2000);
	assert_int_equal(c.throttle_max_share, 30);
	assert_int_equal(c.throttle_window_ms, 4000);
	assert_int_equal(c.relief_ms, 1000);
	assert_int_equal(c.link_flags, PRIO_LINK_ATTACHED);
}

/* The .rodata entries of the current plan, as a running policy's. */
static uint32_t snapshot(struct prio_group_cfg *old)
{
	for (uint32_t i = 0; i < plan.n_groups; i++)
		prio_plan_group_cfg(&cfg, &plan, i, &old[i]);
	return plan.n_groups;
}

static const char two[] =
	"[group.high]\npath = h\npriority = high\n"
	"[group.low]\npath = a\npriority = low\n";

/* The running policy of the diff tests: two, with a/b below low. */
static uint32_t snapshot_two(struct prio_group_cfg *old)
{
	mkdirs("h");
	mkdirs("a/b");
	load(two);
	build();
	return snapshot(old);
}

static void test_diff_same(void **state)
{
	struct prio_group_cfg old[PRIO_MAX_GROUPS];
	struct prio_diff d;
	uint32_t n;

	(void)state;
	n = snapshot_two(old);
	/* Another penalty changes no link. */
	load("[group.high]\npath = h\npriority = high\n"
	     "[group.low]\npath = a\npriority = low\npenalty_pages = 2\n");
	build();
	assert_int_equal(prio_plan_diff(old, n, &cfg, &plan, &d, err,
					sizeof(err)), 0);
	assert_int_equal(d.n_keep, 2);
	assert_int_equal(d.keep_old[0], 0);
	assert_int_equal(d.keep_new[0], 0);
	assert_int_equal(d.keep_old[1], 1);
	assert_int_equal(d.keep_new[1], 1);
	assert_int_equal(d.n_add, 0);
	assert_int_equal(d.n_drop, 0);
}

static void test_diff_add_drop(void **state)
{
	struct prio_group_cfg old[PRIO_MAX_GROUPS];
	struct prio_diff d;
	uint32_t n;

	(void)state;
	mkdirs("h");
	mkdirs("a");
	mkdirs("m");
	load("[group.high]\npath = h\npriority = high\n"
	     "[group.low]\npath = a\npriority = low\n"
	     "[group.mid]\npath = m\npriority = 50\n");
	build();
	n = snapshot(old);
	/* mid goes, high goes on below a new top. */
	mkdirs("t");
	load("[group.top]\npath = t\npriority = 100\n"
	     "[group.high]\npath = h\npriority = 90\n"
	     "[group.low]\npath = a\npriority = low\n");
	build();
	assert_int_equal(prio_plan_diff(old, n, &cfg, &plan, &d, err,
					sizeof(err)), 0);
	assert_int_equal(d.n_keep, 2);		/* high, low */
	assert_int_equal(d.n_add, 1);		/* top */
	assert_string_equal(name_of(d.add[0]), "top");
	assert_int_equal(d.n_drop, 1);		/* mid */
	assert_string_equal(old[d.drop[0]].name, "mid");
}

static void test_diff_refused(void **state)
{
	struct prio_group_cfg old[PRIO_MAX_GROUPS];
	struct prio_diff d;
	char want[1024];
	uint32_t n;

	(void)state;
	n = snapshot_two(old);

	/* A group nested in low: low's link would need the override flag. */
	load("[group.high]\npath = h\npriority = high\n"
	     "[group.low]\npath = a\npriority = low\n"
	     "[group.sub]\npath = a/b\npriority = 10\n");
	build();
	assert_int_equal(prio_plan_diff(old, n, &cfg, &plan, &d, err,
					sizeof(err)), -EBUSY);
	snprintf(want, sizeof(want), "the link of group 'low' on %s/a would "
		 "have to gain BPF_F_ALLOW_OVERRIDE, which a link cannot "
		 "change", root);
	assert_string_equal(err, want);

	/* A new group on a cgroup whose live link it does not keep. */
	load("[group.high]\npath = h\npriority = high\n"
	     "[group.outer]\npath = a/b\npriority = low\n"
	     "[group.inner]\npath = a\npriority = 5\n");
	build();
	old[1].cgroup_id = ino("a/b") + 1000000;	/* pretend: another cgroup */
	snprintf(old[1].path, sizeof(old[1].path), "%s/a/b", root);
	assert_int_equal(prio_plan_diff(old, n, &cfg, &plan, &d, err,
					sizeof(err)), -EBUSY);
	assert_non_null(strstr(err, "would need a second link on the cgroup of group 'low'"));
}

/*
 * A new link above a live one is what cgroup-bpf allows, and so does the
 * kernel's memcg_bpf_ops: low stays on a/b, a new group takes a.
 */
static void test_diff_above_live_link(void **state)
{
	struct prio_group_cfg old[PRIO_MAX_GROUPS];
	struct prio_diff d;
	uint32_t n;

	(void)state;
	mkdirs("h");
	mkdirs("a/b");
	load("[group.high]\npath = h\npriority = high\n"
	     "[group.low]\npath = a/b\npriority = low\n");
	build();
	n = snapshot(old);
	load("[group.high]\npath = h\npriority = high\n"
	     "[group.low]\npath = a/b\npriority = low\n"
	     "[group.outer]\npath = a\npriority = 10\n");
	build();
	if (prio_plan_diff(old, n, &cfg, &plan, &d, err, sizeof(err)) < 0)
		fail_msg("diff: %s", err);
	assert_int_equal(d.n_keep, 2);		/* high, low */
	assert_int_equal(d.n_add, 1);		/* outer */
	assert_string_equal(name_of(d.add[0]), "outer");
	assert_int_equal(d.n_drop, 0);
}

static void test_diff_dead_link(void **state)
{
	struct prio_group_cfg old[PRIO_MAX_GROUPS];
	struct prio_diff d;
	uint32_t n;

	(void)state;
	mkdirs("h");
	mkdirs("a");
	load(two);
	build();
	n = snapshot(old);
	/* The cgroup was removed and made again: its link is gone. */
	old[1].link_flags = 0;
	old[1].cgroup_id += 1000000;
	assert_int_equal(prio_plan_diff(old, n, &cfg, &plan, &d, err,
					sizeof(err)), 0);
	assert_int_equal(d.n_keep, 1);		/* high */
	assert_int_equal(d.n_add, 1);
	assert_int_equal(d.n_drop, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sorted_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_equal_top, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cfg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diff_same, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diff_add_drop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diff_refused, setup, teardown),
cmocka_unit_test_setup_teardown(test_diff_above_live_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diff_dead_link, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

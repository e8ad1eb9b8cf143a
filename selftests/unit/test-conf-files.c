// SPDX-License-Identifier: GPL-2.0-only
/*
 * conf/ against the fixtures in selftests/unit/conf/ (golden files):
 *
 *   bad-NAME.ini    must fail with exactly the message in bad-NAME.err;
 *   good-NAME.ini   must load, dump exactly as good-NAME.dump, and the dump
 *                   must load back to the same model;
 *   schema.man      is what prio_schema_write_man() writes.
 *
 * Usage: test-conf-files FIXTURE_DIR EXAMPLE_INI
 * With MEMCG_PRIO_UPDATE_GOLDEN=1 the golden files are rewritten from the
 * current output instead of compared: review the diff before committing.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-test.h"
#include "schema.h"

static const char *fixture_dir;
static const char *example_path;
static bool update_golden;

/* name with its ".ini" replaced by ext. */
static char *sibling(const char *name, const char *ext)
{
	size_t n = strlen(name) - strlen(".ini");
	char *s = malloc(n + strlen(ext) + 1);

	assert_non_null(s);
	memcpy(s, name, n);
	strcpy(s + n, ext);
	return s;
}

static void write_golden(const char *name, const char *text)
{
	char path[PRIO_PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fixture_dir, name);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* actual must equal the golden file name (written there when updating). */
static void check_golden(const char *name, const char *actual)
{
	char *expected;

	if (update_golden) {
		write_golden(name, actual);
		return;
	}
	expected = read_text(fixture_dir, name);
	if (!expected)
		fail_msg("golden file %s/%s is missing", fixture_dir, name);
	assert_string_equal(actual, expected);
	free(expected);
}

/* Load fixture name, naming it by its base name in messages. */
static int load_fixture(const char *name, struct prio_config *c, char *err)
{
	char path[PRIO_PATH_MAX];
	FILE *f;
	int r;

	snprintf(path, sizeof(path), "%s/%s", fixture_dir, name);
	f = fopen(path, "re");
	if (!f)
		fail_msg("cannot open %s", path);
	r = prio_config_load_stream(f, name, c, err, ERR_LEN);
	fclose(f);
	return r;
}

static void test_bad_fixture(void **state)
{
	const char *name = *state;
	static struct prio_config c, untouched;
	char err[ERR_LEN] = "", *golden;

	memset(&c, 0x5a, sizeof(c));
	memset(&untouched, 0x5a, sizeof(untouched));
	assert_int_equal(load_fixture(name, &c, err), -EINVAL);
	assert_memory_equal(&c, &untouched, sizeof(c));

	golden = sibling(name, ".err");
	strcat(err, "\n");
	check_golden(golden, err);
	free(golden);
}

/* The dump of c must load back to the same model. */
static void assert_dump_round_trips(const struct prio_config *c)
{
	static struct prio_config again;
	char err[ERR_LEN] = "";
	char *text = dump_text(c);
	FILE *f = fmemopen(text, strlen(text), "r");

	assert_non_null(f);
	if (prio_config_load_stream(f, c->file, &again, err, sizeof(err)) < 0)
		fail_msg("dump does not load back: %s", err);
	fclose(f);
	assert_config_equal(c, &again);
	free(text);
}

static void test_good_fixture(void **state)
{
	const char *name = *state;
	static struct prio_config c;
	char err[ERR_LEN] = "", *golden, *dump;

	if (load_fixture(name, &c, err) < 0)
		fail_msg("%s", err);
	dump = dump_text(&c);
	golden = sibling(name, ".dump");
	check_golden(golden, dump);
	assert_dump_round_trips(&c);
	free(golden);
	free(dump);
}

static void test_man_page(void **state)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&buf, &size);

	(void)state;
	assert_non_null(mem);
	assert_int_equal(prio_schema_write_man(mem), 0);
	fclose(mem);
	check_golden("schema.man", buf);
	free(buf);
}

/* Every default in the table parses, and parses to what the defaults
 * functions set. */
static void test_schema_defaults(void **state)
{
	static struct prio_config c, d;
	struct prio_conf_group g;
	char msg[256];

	(void)state;
	prio_config_defaults(&c);
	prio_group_defaults(&g);
	memcpy(&d, &c, sizeof(d));
	for (unsigned int i = 0; i < PRIO_KEY_N; i++) {
		const struct prio_key *k = &prio_schema[i];
		void *base = k->section == PRIO_SECTION_GLOBAL ?
			     (void *)&d : (void *)&d.groups[0];

		assert_non_null(k->doc);
		if (!k->def)
			continue;
		if (prio_key_parse(k, base, k->def, msg, sizeof(msg)) < 0)
			fail_msg("default of %s: %s", k->name, msg);
	}
	assert_string_equal(c.cgroup_root, "/sys/fs/cgroup");
	assert_string_equal(c.pin_path, "/sys/fs/bpf/memcg-prio");
	assert_false(c.create_cgroups);
	assert_int_equal(c.mode, PRIO_MODE_AUTO);
	assert_config_equal(&c, &d);
	assert_group_keys_equal(&g, &d.groups[0]);
	assert_int_equal(g.pressure_level, PRIO_LEVEL_MEDIUM);
	assert_int_equal(g.window_pages, 512);
	assert_int_equal(g.scan_threshold_pages, 0);
	assert_int_equal(g.window_ms, 1000);
	assert_int_equal(g.hold_ms, 1000);
	assert_int_equal(g.penalty_pages, 1024);
	assert_int_equal(g.penalty_max_pages, 16384);
	assert_false(g.penalty_scaling);
	assert_int_equal(g.throttle_max_ms, 30000);
	assert_int_equal(g.throttle_max_share, 90);
	assert_int_equal(g.throttle_window_ms, 60000);
	assert_int_equal(g.relief_ms, 5000);
}

/* conf/priority.ini: groups high and low, every other key at its default. */
static void test_shipped_example(void **state)
{
	static struct prio_config c, defaults;
	struct prio_conf_group group_defaults;
	char err[ERR_LEN] = "";

	(void)state;
	if (prio_config_load(example_path, &c, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	prio_config_defaults(&defaults);
	prio_group_defaults(&group_defaults);
	assert_string_equal(c.file, example_path);
	assert_string_equal(c.cgroup_root, defaults.cgroup_root);
	assert_string_equal(c.pin_path, defaults.pin_path);
	assert_int_equal(c.create_cgroups, defaults.create_cgroups);
	assert_int_equal(c.mode, defaults.mode);

	assert_int_equal(c.n_groups, 2);
	assert_string_equal(c.groups[0].name, "high");
	assert_string_equal(c.groups[0].path, "high");
	assert_int_equal(c.groups[0].priority, PRIO_PRIORITY_HIGH);
	assert_string_equal(c.groups[1].name, "low");
	assert_string_equal(c.groups[1].path, "low");
	assert_int_equal(c.groups[1].priority, PRIO_PRIORITY_LOW);
	for (unsigned int i = 0; i < 2; i++) {
		group_defaults.priority = c.groups[i].priority;
		assert_group_keys_equal(&c.groups[i], &group_defaults);
	}
	assert_dump_round_trips(&c);
}

/* Fields of good-full.ini, which sets every key to a non-default value. */
static void test_good_full_fields(void **state)
{
	static struct prio_config c;
	const struct prio_conf_group *g;
	char err[ERR_LEN] = "";

	(void)state;
	if (load_fixture("good-full.ini", &c, err) < 0)
		fail_msg("%s", err);
	assert_string_equal(c.file, "good-full.ini");
	assert_string_equal(c.cgroup_root, "/mnt/cgroup2");
	assert_string_equal(c.pin_path, "/sys/fs/bpf/prio-test");
	assert_true(c.create_cgroups);
	assert_int_equal(c.mode, PRIO_MODE_MEMORY_HIGH);
	assert_int_equal(c.oom, PRIO_OOM_KERNEL);
	assert_int_equal(c.n_groups, 3);

	g = &c.groups[0];
	assert_string_equal(g->name, "web-1");
	assert_string_equal(g->path, "services/web");
	assert_int_equal(g->line, 5);
	assert_int_equal(g->priority, 90);
	assert_int_equal(g->pressure_level, PRIO_LEVEL_CRITICAL);
	assert_int_equal(g->window_pages, 1048576);
	assert_int_equal(g->scan_threshold_pages, 100);
	assert_int_equal(g->window_ms, 10);
	assert_int_equal(g->hold_ms, 0);
	assert_int_equal(g->penalty_pages, 1);
	assert_int_equal(g->penalty_max_pages, 1);
	assert_true(g->penalty_scaling);
	assert_int_equal(g->throttle_max_ms, 100);
	assert_int_equal(g->throttle_max_share, 1);
	assert_int_equal(g->throttle_window_ms, 100);
	assert_int_equal(g->relief_ms, 100);
	assert_false(g->oom_kill);
	assert_int_equal(g->oom_group, PRIO_OOM_GROUP_YES);
	assert_int_equal(g->oomd_preference, PRIO_OOMD_AVOID);

	g = &c.groups[1];
	assert_string_equal(g->name, "Batch_2");
	assert_string_equal(g->path, "batch");
	assert_int_equal(g->priority, 0);
	assert_int_equal(g->pressure_level, PRIO_LEVEL_LOW);
	assert_int_equal(g->window_pages, 32);
	assert_int_equal(g->scan_threshold_pages, 1073741824);
	assert_int_equal(g->window_ms, 60000);
	assert_int_equal(g->hold_ms, 600000);
	assert_int_equal(g->penalty_pages, 1048576);
	assert_int_equal(g->penalty_max_pages, 1048576);
	assert_false(g->penalty_scaling);
	assert_int_equal(g->throttle_max_ms, 3600000);
	assert_int_equal(g->throttle_max_share, 100);
	assert_int_equal(g->throttle_window_ms, 3600000);
	assert_int_equal(g->relief_ms, 3600000);
	assert_true(g->oom_kill);
	assert_int_equal(g->oom_group, PRIO_OOM_GROUP_NO);
	assert_int_equal(g->oomd_preference, PRIO_OOMD_OMIT);

	g = &c.groups[2];
	assert_string_equal(g->name, "everything");
	assert_string_equal(g->path, "everything");
	assert_int_equal(g->priority, 50);
	assert_int_equal(g->throttle_max_ms, 30000);
	assert_int_equal(g->relief_ms, 5000);
	/* The OOM keys' defaults: killable, memory.oom.group untouched, no
	 * xattr. */
	assert_true(g->oom_kill);
	assert_int_equal(g->oom_group, PRIO_OOM_GROUP_AUTO);
	assert_int_equal(g->oomd_preference, PRIO_OOMD_NONE);
}

/* good-syntax.ini: comments, case, ':' and the other corners of the
 * syntax. */
static void test_good_syntax_fields(void **state)
{
	static struct prio_config c;
	char err[ERR_LEN] = "";

	(void)state;
	if (load_fixture("good-syntax.ini", &c, err) < 0)
		fail_msg("%s", err);
	assert_int_equal(c.n_groups, 2);
	assert_true(c.create_cgroups);
	assert_int_equal(c.mode, PRIO_MODE_HOOK);
	assert_string_equal(c.groups[0].path, "a;b/c d");
	assert_int_equal(c.groups[0].priority, 100);
	assert_int_equal(c.groups[0].pressure_level, PRIO_LEVEL_CRITICAL);
	assert_int_equal(c.groups[0].window_pages, 7 * 8 * 9);
	assert_int_equal(c.groups[0].hold_ms, 250);
	assert_true(c.groups[0].penalty_scaling);
	assert_string_equal(c.groups[1].path, "x");
	assert_int_equal(c.groups[1].priority, 7);
	assert_int_equal(c.groups[1].penalty_pages, 2048);
}

static void test_load_by_path(void **state)
{
	static struct prio_config c;
	char path[PRIO_PATH_MAX];
	char err[PRIO_PATH_MAX + 256] = "", expected[PRIO_PATH_MAX + 256];

	(void)state;
	snprintf(path, sizeof(path), "%s/bad-unknown-key.ini", fixture_dir);
	assert_int_equal(prio_config_load(path, &c, err, sizeof(err)), -EINVAL);
	/* Messages name the file as the caller named it. */
	assert_memory_equal(err, path, strlen(path));
	assert_string_equal(err + strlen(path), ":9: group 'batch': "
			    "unknown key 'penality_pages'");

	snprintf(path, sizeof(path), "%s/no-such-file.ini", fixture_dir);
	assert_int_equal(prio_config_load(path, &c, err, sizeof(err)), -ENOENT);
	snprintf(expected, sizeof(expected), "%s: cannot open: %s", path,
		 strerror(ENOENT));
	assert_string_equal(err, expected);

	/* A directory opens but does not read. */
	assert_int_equal(prio_config_load(fixture_dir, &c, err, sizeof(err)),
			 -EISDIR);
	snprintf(expected, sizeof(expected), "%s:1: read error: %s",
		 fixture_dir, strerror(EISDIR));
	assert_string_equal(err, expected);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static bool has_prefix_suffix(const char *s, const char *prefix,
			      const char *suffix)
{
	size_t n = strlen(s), p = strlen(prefix), q = strlen(suffix);

	return n > p + q && strncmp(s, prefix, p) == 0 &&
	       strcmp(s + n - q, suffix) == 0;
}

/* One test per bad-*.ini and good-*.ini, in name order, after fixed. */
static struct CMUnitTest *list_tests(const struct CMUnitTest *fixed,
				     size_t n_fixed, size_t *ret_n)
{
	struct dirent **ents;
	struct CMUnitTest *tests;
	int n = scandir(fixture_dir, &ents, NULL, by_name);
	size_t count = n_fixed;

	if (n < 0) {
		fprintf(stderr, "cannot list %s: %s\n", fixture_dir,
			strerror(errno));
		exit(1);
	}
	tests = calloc(n_fixed + (size_t)n, sizeof(*tests));
	if (!tests)
		exit(1);
	memcpy(tests, fixed, n_fixed * sizeof(*tests));
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		struct CMUnitTest *t = &tests[count];

		if (has_prefix_suffix(name, "bad-", ".ini"))
			t->test_func = test_bad_fixture;
		else if (has_prefix_suffix(name, "good-", ".ini"))
			t->test_func = test_good_fixture;
		if (t->test_func) {
			t->name = strdup(name);
			t->initial_state = (void *)t->name;
			count++;
		}
		free(ents[i]);
	}
	free(ents);
	*ret_n = count;
	return tests;
}

int main(int argc, char **argv)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_schema_defaults),
		cmocka_unit_test(test_shipped_example),
		cmocka_unit_test(test_good_full_fields),
		cmocka_unit_test(test_good_syntax_fields),
		cmocka_unit_test(test_load_by_path),
		cmocka_unit_test(test_man_page),
	};
	struct CMUnitTest *tests;
	size_t n;
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: %s FIXTURE_DIR EXAMPLE_INI\n", argv[0]);
		return 2;
	}
	fixture_dir = argv[1];
	example_path = argv[2];
	update_golden = getenv("MEMCG_PRIO_UPDATE_GOLDEN") != NULL;
	tests = list_tests(fixed, sizeof(fixed) / sizeof(fixed[0]), &n);
	/* Fewer than that means the fixture directory is not the right one. */
	if (n < sizeof(fixed) / sizeof(fixed[0]) + 20) {
		fprintf(stderr, "%s: too few fixtures\n", fixture_dir);
		return 1;
	}
	r = _cmocka_run_group_tests("conf-files", tests, n, NULL, NULL);
	for (size_t i = sizeof(fixed) / sizeof(fixed[0]); i < n; i++)
		free((void *)tests[i].name);
	free(tests);
	return r;
}

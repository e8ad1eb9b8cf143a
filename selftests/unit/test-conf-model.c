// SPDX-License-Identifier: GPL-2.0-only
/*
 * conf/ on configurations built in memory: path normalisation, the
 * path -> group lookup, and the corners of inih r55 (long lines,
 * continuation lines, '#' comments, BOM, CRLF, NUL bytes).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-test.h"

static struct prio_config cfg;
static char err[ERR_LEN];

/* Load text that must be good. */
static void load_ok(const char *text)
{
	err[0] = '\0';
	if (load_text(text, &cfg, err, sizeof(err)) < 0)
		fail_msg("unexpected error: %s\n--- in:\n%s", err, text);
}

/* Load text that must fail with message. */
static void load_bad(const char *text, const char *message)
{
	err[0] = '\0';
	assert_int_equal(load_text(text, &cfg, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, message);
}

/* "[global]" with root, a group "a" with path, a group "b" after it. */
static char *two_groups(const char *root, const char *path)
{
	char *text;

	if (asprintf(&text, "[global]\ncgroup_root = %s\n"
		     "[group.a]\npath = %s\npriority = high\n"
		     "[group.b]\npath = zzz\npriority = low\n", root, path) < 0)
		fail();
	return text;
}

static void test_path_normalisation(void **state)
{
	static const struct {
		const char *root, *path, *root_want, *want;
	} cases[] = {
		{ "/sys/fs/cgroup", "web", "/sys/fs/cgroup", "web" },
		{ "/sys/fs/cgroup", "/web", "/sys/fs/cgroup", "web" },
		{ "/sys/fs/cgroup", "/sys/fs/cgroup/web", "/sys/fs/cgroup", "web" },
		{ "/sys/fs/cgroup", "/sys/fs/cgroup/web/", "/sys/fs/cgroup", "web" },
		{ "/sys/fs/cgroup", "//sys//fs/cgroup/./web//x/", "/sys/fs/cgroup", "web/x" },
		{ "/sys/fs/cgroup", "./a/./b/.", "/sys/fs/cgroup", "a/b" },
		{ "/sys/fs/cgroup", "/sys/fs/cgroupx/a", "/sys/fs/cgroup", "sys/fs/cgroupx/a" },
		{ "/sys/fs/cgroup", "sys/fs/cgroup/a", "/sys/fs/cgroup", "sys/fs/cgroup/a" },
		{ "/sys/fs/cgroup", "a..b/.../.c", "/sys/fs/cgroup", "a..b/.../.c" },
		{ "/sys/fs/cgroup/", "/sys/fs/cgroup/a", "/sys/fs/cgroup", "a" },
		{ "//mnt/./cg//", "/mnt/cg/a", "/mnt/cg", "a" },
		{ "/", "/a/b/", "/", "a/b" },
		{ "/", "a", "/", "a" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = two_groups(cases[i].root, cases[i].path);

		load_ok(text);
		assert_string_equal(cfg.cgroup_root, cases[i].root_want);
		assert_string_equal(cfg.groups[0].path, cases[i].want);
		free(text);
	}
}

#define ROOT_REFUSED "t.ini:4: group 'a': path '/' is the cgroup2 root " \
		     "itself, which memcg-prio may not throttle: name a " \
		     "cgroup below cgroup_root"

static void test_path_rejected(void **state)
{
	static const struct {
		const char *root, *path, *message;
	} cases[] = {
		{ "/sys/fs/cgroup", "a/../b", "t.ini:4: group 'a': path "
		  "'a/../b' contains a '..' component" },
		{ "/sys/fs/cgroup", "..", "t.ini:4: group 'a': path "
		  "'..' contains a '..' component" },
		{ "/sys/fs/cgroup", "/sys/fs/cgroup/..", "t.ini:4: group 'a': "
		  "path '/sys/fs/cgroup/..' contains a '..' component" },
		{ "/sys/../cgroup", "a", "t.ini:2: section 'global': "
		  "cgroup_root '/sys/../cgroup' contains a '..' component" },
		{ "cgroup", "a", "t.ini:2: section 'global': cgroup_root "
		  "'cgroup' is not an absolute path" },
		/* The cgroup2 root itself, however spelt. */
		{ "/sys/fs/cgroup", "/sys/fs/cgroup", ROOT_REFUSED },
		{ "/sys/fs/cgroup", "/", ROOT_REFUSED },
		{ "/sys/fs/cgroup", ".", ROOT_REFUSED },
		{ "/.", "/", ROOT_REFUSED },
		/* Spelt differently, the same cgroup. */
		{ "/sys/fs/cgroup", "/sys/fs/cgroup/zzz/", "t.ini:7: group 'b': "
		  "path 'zzz' is already used by group 'a' (line 4)" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = two_groups(cases[i].root, cases[i].path);

		load_bad(text, cases[i].message);
		free(text);
	}
}

/* Two groups; line is line 2, last is line 7 (and the end). */
static char *around(const char *line, const char *last)
{
	char *text;

	if (asprintf(&text, "[group.a]\n%s\npath = a\npriority = high\n"
		     "[group.b]\npath = b\n%s", line, last) < 0)
		fail();
	return text;
}

#define LOW "priority = low\n"

/* prefix, fill up to len characters in all, suffix. */
static char *padded(const char *prefix, char fill, size_t len,
		    const char *suffix)
{
	size_t p = strlen(prefix), q = strlen(suffix);
	char *s = malloc(len + 1);

	assert_non_null(s);
	assert_true(len >= p + q);
	memcpy(s, prefix, p);
	memset(s + p, fill, len - p - q);
	memcpy(s + len - q, suffix, q + 1);
	return s;
}

/* A group's cgroup, cgroup_root/path, must fit the policy's 255 bytes. */
static void test_cgroup_path_limit(void **state)
{
	char *root = padded("/", 'r', 121, ""), *text, want[512];
	char *fits = padded("", 'p', PRIO_CGROUP_PATH_LEN - 1 - 121 - 1, "");
	char *over = padded("", 'q', PRIO_CGROUP_PATH_LEN - 121 - 1, "");

	(void)state;
	text = two_groups(root, fits);
	load_ok(text);
	free(text);
	text = two_groups(root, over);
	snprintf(want, sizeof(want), "t.ini:4: group 'a': its cgroup, %s/%s, "
		 "is longer than 255 bytes", root, over);
	load_bad(text, want);
	free(text);
	free(root);
	free(fits);
	free(over);
}

static void test_line_length(void **state)
{
	char *line, *text;

	(void)state;
	/* 199 characters is the limit, for a comment and for a value. */
	line = padded("; ", 'x', 199, "");
	text = around(line, LOW);
	load_ok(text);
	free(text);
	free(line);

	line = padded("path = ", 'p', 199, "");
	if (asprintf(&text, "[group.a]\n%s\npriority = high\n"
		     "[group.b]\npath = b\npriority = low\n", line) < 0)
		fail();
	load_ok(text);
	assert_int_equal(strlen(cfg.groups[0].path), 199 - strlen("path = "));
	free(text);
	free(line);

	/* 200: inih would cut it and read the tail as a line of its own. */
	line = padded("; ", 'x', 200, "priority=1");
	text = around(line, LOW);
	load_bad(text, "t.ini:2: line too long (max 199 characters)");
	free(text);
	free(line);

	/* The last line, without its '\n'. */
	line = padded("priority =", ' ', 199, "7");
	text = around("", line);
	load_ok(text);
	free(text);
	free(line);
	assert_int_equal(cfg.groups[1].priority, 7);

	line = padded("priority =", ' ', 200, "7");
	text = around("", line);
	load_bad(text, "t.ini:7: line too long (max 199 characters)");
	free(text);
	free(line);
}

/* inih reads an indented line as more of the previous value; we refuse. */
static void test_continuation_lines(void **state)
{
	static const char *const bad[] = {
		"  more", "\tmore", " priority = 1", "\t[group.c]",
	};
	static const char *const fine[] = {
		"", "   ", "\t", "  ; indented comment", "\t# indented comment",
	};
	char *text;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		text = around(bad[i], LOW);
		load_bad(text, "t.ini:2: line starts with a blank; "
			 "continuation lines are not supported");
		free(text);
	}
	for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
		text = around(fine[i], LOW);
		load_ok(text);
		free(text);
	}

	/* After a value, too: the line is not glued to the path. */
	load_bad("[group.a]\npath = a\n  /b\npriority = high\n",
		 "t.ini:3: line starts with a blank; continuation lines are "
		 "not supported");
}

/*
 * inih r55 takes '#' as a comment only at the start of a line, ';' also
 * inline after a blank. Here both work alike: at the start of a line, or
 * after a blank.
 */
static void test_comments(void **state)
{
	static const struct {
		const char *line, *path;
	} cases[] = {
		{ "path = a # comment", "a" },
		{ "path = a ; comment", "a" },
		{ "path = a\t# comment", "a" },
		{ "path = a\t; comment", "a" },
		{ "path = a#b", "a#b" },
		{ "path = a;b", "a;b" },
		{ "path = a #b ;c", "a" },
		{ "path = a ;b #c", "a" },
		{ "path = a b", "a b" },
	};
	char *text;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (asprintf(&text, "# top\n; top\n[group.x] # c\n%s\n"
			     "priority = 1 # c\n[group.y] ; c\npath = y\n"
			     "priority = 2 ; c\n", cases[i].line) < 0)
			fail();
		load_ok(text);
		assert_string_equal(cfg.groups[0].path, cases[i].path);
		assert_int_equal(cfg.groups[0].priority, 1);
		assert_int_equal(cfg.groups[1].priority, 2);
		free(text);
	}

	text = around("", "priority = 5#c\n");
	load_bad(text, "t.ini:7: group 'b': priority '5#c' is not high, low "
		 "or an integer 0..100");
	free(text);
	load_bad("[group.a]#c\n", "t.ini:1: unexpected text after section "
		 "header: '#c'");
}

static void test_bom_crlf_colon(void **state)
{
	(void)state;
	load_ok("\xEF\xBB\xBF[group.a]\r\npath = a/b/\r\npriority = high\r\n"
		"\r\n[group.b]\r\npath: b\r\npriority:low\r\n");
	assert_string_equal(cfg.groups[0].name, "a");
	assert_string_equal(cfg.groups[0].path, "a/b");
	assert_string_equal(cfg.groups[1].path, "b");
	assert_int_equal(cfg.groups[1].priority, 0);
	assert_int_equal(cfg.groups[1].line, 5);

	/* A BOM is only skipped at the start of the file. */
	load_bad("[group.a]\n\xEF\xBB\xBFpath = a\n", "t.ini:2: group 'a': "
		 "unknown key '\xEF\xBB\xBFpath'");
}

static void test_nul_byte(void **state)
{
	static const char text[] = "[group.a]\npath = a\0b\npriority = 1\n";

	(void)state;
	assert_int_equal(load_bytes(text, sizeof(text) - 1, "t.ini", &cfg,
				    err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.ini:2: line contains a NUL byte");
}

static void test_group_limit(void **state)
{
	char *text = NULL;
	size_t size = 0;
	FILE *mem;

	(void)state;
	mem = open_memstream(&text, &size);
	assert_non_null(mem);
	for (int i = 0; i < PRIO_MAX_GROUPS; i++)
		fprintf(mem, "[group.g%d]\npath = g%d\npriority = %d\n",
			i, i, i % 2);
	fflush(mem);
	load_ok(text);
	assert_int_equal(cfg.n_groups, PRIO_MAX_GROUPS);
	assert_string_equal(cfg.groups[63].path, "g63");
	assert_int_equal(cfg.groups[63].line, 63 * 3 + 1);

	fprintf(mem, "[group.g64]\npath = g64\npriority = 1\n");
	fclose(mem);
	load_bad(text, "t.ini:193: group 'g64': too many groups (max 64)");
	free(text);
}

/* Failure leaves *ret_config alone, and err may be NULL or short. */
static void test_error_buffer(void **state)
{
	static struct prio_config c, untouched;
	char small[8];

	(void)state;
	memset(&c, 0x5a, sizeof(c));
	memset(&untouched, 0x5a, sizeof(untouched));
	assert_int_equal(load_text("[globl]\n", &c, NULL, 0), -EINVAL);
	assert_int_equal(load_text("[globl]\n", &c, NULL, 100), -EINVAL);
	memset(small, 'z', sizeof(small));
	assert_int_equal(load_text("[globl]\n", &c, small, sizeof(small)),
			 -EINVAL);
	assert_string_equal(small, "t.ini:1");
	assert_int_equal(load_text("[globl]\n", &c, small, 0), -EINVAL);
	assert_memory_equal(&c, &untouched, sizeof(c));
}

static void test_level_strings(void **state)
{
	enum prio_level l = PRIO_LEVEL_LOW;

	(void)state;
	for (int i = PRIO_LEVEL_LOW; i <= PRIO_LEVEL_CRITICAL; i++) {
		const char *s = prio_level_to_string((enum prio_level)i);

		assert_non_null(s);
		assert_int_equal(prio_level_from_string(s, &l), 0);
		assert_int_equal(l, i);
	}
	assert_string_equal(prio_level_to_string(PRIO_LEVEL_MEDIUM), "medium");
	assert_int_equal(prio_level_from_string("Critical", &l), 0);
	assert_int_equal(l, PRIO_LEVEL_CRITICAL);
	assert_null(prio_level_to_string((enum prio_level)3));
	assert_int_equal(prio_level_from_string("high", &l), -EINVAL);
	assert_int_equal(prio_level_from_string("", &l), -EINVAL);
	assert_int_equal(l, PRIO_LEVEL_CRITICAL);
}

/* A value as long as a line allows still dumps to lines that load. */
static void test_dump_long_value(void **state)
{
	static struct prio_config again;
	char *line, *text, *dump;

	(void)state;
	line = padded("path:", 'p', 199, "");
	if (asprintf(&text, "[group.a]\n%s\npriority = high\n"
		     "[group.b]\npath = b\npriority = low\n", line) < 0)
		fail();
	load_ok(text);
	dump = dump_text(&cfg);
	assert_non_null(strstr(dump, "\npath=ppp"));
	assert_non_null(strstr(dump, "\npath = b\n"));
	assert_int_equal(load_text(dump, &again, err, sizeof(err)), 0);
	assert_config_equal(&cfg, &again);
	free(dump);
	free(text);
	free(line);
}

/* c's dump must load back, under the same name, to the same model. */
static void assert_round_trip(const struct prio_config *c)
{
	static struct prio_config again;
	char *dump = dump_text(c);

	err[0] = '\0';
	if (load_bytes(dump, strlen(dump), c->file, &again, err,
		       sizeof(err)) < 0)
		fail_msg("the dump does not load back: %s\n--- dump:\n%s",
			 err, dump);
	assert_config_equal(c, &again);
	free(dump);
}

/* Paths that inih would change if the dump spelled them plainly: blanks
 * at either end, '#' or ';' at the start (selftests/fuzz found the first:
 * "path=/  mnt/cg" under cgroup_root = /mnt/cg). */
static void test_dump_awkward_paths(void **state)
{
	static const struct {
		const char *root, *path, *model;
	} cases[] = {
		{ "/mnt/cg", "/  mnt/cg", "  mnt/cg" },
		{ "/", "/ x", " x" },
		{ "/sys/fs/cgroup", "./ x", " x" },
		{ "/sys/fs/cgroup", "x /", "x " },
		{ "/sys/fs/cgroup", "./\tx\t/.", "\tx\t" },
		{ "/sys/fs/cgroup", "./#x", "#x" },
		{ "/sys/fs/cgroup", "/;x", ";x" },
		/* "/ r/x" would read as x below cgroup_root "/ r" */
		{ "/ r", "./ r/x", " r/x" },
		{ "/ r", "/ r/ r", " r" },
		{ "/r /", "a", "a" },
	};
	char *text, *line;

	(void)state;
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		text = two_groups(cases[i].root, cases[i].path);
		load_ok(text);
		assert_string_equal(cfg.groups[0].path, cases[i].model);
		assert_round_trip(&cfg);
		free(text);
	}
	assert_string_equal(cfg.cgroup_root, "/r ");

	/* The longest line a leading blank allows still fits. */
	line = padded("path=/ ", 'p', 199, "");
	if (asprintf(&text, "[group.a]\n%s\npriority = high\n"
		     "[group.b]\npath = b\npriority = low\n", line) < 0)
		fail();
	load_ok(text);
	assert_round_trip(&cfg);
	free(text);
	free(line);
}

/* A file name longer than a line is cut in the dump's header comment. */
static void test_dump_long_file_name(void **state)
{
	char *name = padded("/", 'n', PRIO_PATH_MAX - 1, ".ini");
	const char *text = "[group.a]\npath = a\npriority = high\n"
			   "[group.b]\npath = b\npriority = low\n";
	char *dump;

	(void)state;
	err[0] = '\0';
	if (load_bytes(text, strlen(text), name, &cfg, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_round_trip(&cfg);
	dump = dump_text(&cfg);
	assert_int_equal(strcspn(dump, "\n"), 199);
	assert_non_null(strstr(dump, "from ...nnn"));
	free(dump);
	free(name);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_normalisation),
		cmocka_unit_test(test_path_rejected),
		cmocka_unit_test(test_cgroup_path_limit),
		cmocka_unit_test(test_line_length),
		cmocka_unit_test(test_continuation_lines),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_bom_crlf_colon),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_group_limit),
		cmocka_unit_test(test_error_buffer),
		cmocka_unit_test(test_level_strings),
		cmocka_unit_test(test_dump_long_value),
		cmocka_unit_test(test_dump_awkward_paths),
		cmocka_unit_test(test_dump_long_file_name),
	};

	return cmocka_run_group_tests_name("conf-model", tests, NULL, NULL);
}

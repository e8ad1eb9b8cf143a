// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: priority.ini from untrusted bytes.
 *
 * Each input is a whole file. It goes through prio_config_load_stream()
 * (parse and validate, conf/ with inih); then the target checks what
 * priority.h and schema.h promise, and abort()s with a message when a
 * promise is broken, so that libFuzzer keeps the input as a crash:
 *
 *   - a rejected file returns -EINVAL, leaves the caller's model untouched
 *     and explains itself as "NAME:LINE: text", LINE a line of the file;
 *   - a loaded model is valid: 1..PRIO_MAX_GROUPS groups with distinct,
 *     well-formed names; normalised paths (absolute for cgroup_root and
 *     pin_path, relative and distinct for the groups); every value within
 *     its schema range and formatted as it parses back;
 *     penalty_pages <= penalty_max_pages; at least two priorities; each
 *     group governs its own path;
 *   - prio_config_dump() of a loaded model loads back to the same model (a
 *     round trip), and the dump of that is the same text again.
 *
 * ASan, UBSan and LeakSanitizer catch the rest. Built and run by
 * selftests/fuzz/run.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

#define NAME "fuzz.ini"
#define ERR_LEN 1024

/* ~280 KiB each: static, not on the stack. */
static struct prio_config model, again, untouched;

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	fputs("conf_fuzz: broken invariant: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* Lines in the input, counted as the reader counts them. */
static unsigned int count_lines(const uint8_t *data, size_t size)
{
	unsigned int n = 0;

	for (size_t i = 0; i < size; i++)
		n += data[i] == '\n';
	if (size && data[size - 1] != '\n')
		n++;
	return n;
}

static void check_rejected(int r, const struct prio_config *out,
			   const char *err, unsigned int lines)
{
	unsigned int line;
	int pos = 0;

	if (r != -EINVAL)
		fail("load returned %d, not -EINVAL, for a bad file (%s)", r,
		     err);
	if (memcmp(out, &untouched, sizeof(*out)) != 0)
		fail("a failed load wrote to the caller's model (%s)", err);
	if (sscanf(err, NAME ":%u: %n", &line, &pos) != 1 || pos == 0 ||
	    err[pos] == '\0')
		fail("message not 'FILE:LINE: text': '%s'", err);
	if (line < 1 || line > (lines ? lines : 1))
		fail("message names line %u of a %u-line file: '%s'", line,
		     lines, err);
}

static bool valid_name(const char *name)
{
	size_t n = strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "abcdefghijklmnopqrstuvwxyz0123456789_-");

	return n >= 1 && n <= PRIO_NAME_MAX && name[n] == '\0';
}

/* Normalised: no empty, "." or ".." component, no trailing '/'; absolute
 * paths start with '/', relative ones do not. */
static bool normalised(const char *path, bool absolute)
{
	const char *p = path;

	if (absolute) {
		if (*p != '/')
			return false;
		if (p[1] == '\0')
			return true;
		p++;
	} else if (*p == '\0') {
		return true;
	}
	for (;;) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (p[n] == '\0')
			return true;
		p += n + 1;
	}
}

/* Scratch models for check_keys(), static for their size. */
static struct prio_config scratch_config;
static struct prio_conf_group scratch_group;

/*
 * Every key of section s in base (the model or one of its groups): U32 and
 * PRIORITY values within their range, and any value but a group path (""
 * is spelled "/") formats to a string that parses back to the same value.
 * Driven by the schema alone, so that new keys and types are checked too.
 */
static void check_keys(enum prio_section s, const void *base,
		       const char *what)
{
	void *scratch = s == PRIO_SECTION_GLOBAL ? (void *)&scratch_config :
						   (void *)&scratch_group;
	char value[PRIO_PATH_MAX + 1], again[PRIO_PATH_MAX + 1], msg[512];

	for (unsigned int i = 0; i < PRIO_KEY_N; i++) {
		const struct prio_key *k = &prio_schema[i];
		uint32_t v;

		if (k->section != s)
			continue;
		prio_key_format(k, base, value, sizeof(value));
		if (k->type == PRIO_TYPE_U32 || k->type == PRIO_TYPE_PRIORITY) {
			memcpy(&v, (const char *)base + k->offset, sizeof(v));
			if (v < k->min || v > k->max)
				fail("%s: %s = %u is outside %u..%u", what,
				     k->name, v, k->min, k->max);
		}
		if (k->type == PRIO_TYPE_CGROUP_PATH)
			continue;
		if (prio_key_parse(k, scratch, value, msg, sizeof(msg)) < 0)
			fail("%s: %s formats as '%s', which does not parse: %s",
			     what, k->name, value, msg);
		prio_key_format(k, scratch, again, sizeof(again));
		if (strcmp(value, again) != 0)
			fail("%s: %s formats as '%s', which parses to '%s'",
			     what, k->name, value, again);
	}
}

static void check_group(const struct prio_config *c, uint32_t i)
{
	const struct prio_conf_group *g = &c->groups[i];

	if (!valid_name(g->name))
		fail("group %u: invalid name '%s'", i, g->name);
	if (!normalised(g->path, false))
		fail("group '%s': path '%s' is not normalised and relative",
		     g->name, g->path);
	check_keys(PRIO_SECTION_GROUP, g, g->name);
	if (g->penalty_pages > g->penalty_max_pages)
		fail("group '%s': penalty_pages %u > penalty_max_pages %u",
		     g->name, g->penalty_pages, g->penalty_max_pages);
	if (g->line < 1 || (i > 0 && g->line <= c->groups[i - 1].line))
		fail("group '%s': header line %u out of order", g->name,
		     g->line);
	for (uint32_t j = 0; j < i; j++) {
		if (strcmp(g->name, c->groups[j].name) == 0)
			fail("group name '%s' twice", g->name);
		if (strcmp(g->path, c->groups[j].path) == 0)
			fail("groups '%s' and '%s' share path '%s'",
			     c->groups[j].name, g->name, g->path);
	}
}

static void check_model(const struct prio_config *c)
{
	bool two_priorities = false;

	if (strcmp(c->file, NAME) != 0)
		fail("file is '%s', not '%s'", c->file, NAME);
	if (!normalised(c->cgroup_root, true))
		fail("cgroup_root '%s' is not normalised and absolute",
		     c->cgroup_root);
	if (!normalised(c->pin_path, true))
		fail("pin_path '%s' is not normalised and absolute",
		     c->pin_path);
	check_keys(PRIO_SECTION_GLOBAL, c, "global");
	if (c->n_groups < 1 || c->n_groups > PRIO_MAX_GROUPS)
		fail("%u groups", c->n_groups);
	for (uint32_t i = 0; i < c->n_groups; i++) {
		check_group(c, i);
		two_priorities |= c->groups[i].priority != c->groups[0].priority;
	}
	if (!two_priorities)
		fail("every group has priority %u", c->groups[0].priority);
}

/* Whether key k has the same value in base a and base b. */
static bool key_equal(const struct prio_key *k, const void *a, const void *b)
{
	static char x[PRIO_PATH_MAX + 1], y[PRIO_PATH_MAX + 1];

	prio_key_format(k, a, x, sizeof(x));
	prio_key_format(k, b, y, sizeof(y));
	return strcmp(x, y) == 0;
}

/* The whole model but the line numbers, key by key from the schema. NULL if
 * a and b are equal, else what differs first. */
static const char *model_diff(const struct prio_config *a,
			      const struct prio_config *b)
{
	if (strcmp(a->file, b->file) != 0)
		return "file";
	if (a->n_groups != b->n_groups)
		return "n_groups";
	for (unsigned int i = 0; i < PRIO_KEY_N; i++) {
		const struct prio_key *k = &prio_schema[i];

		if (k->section == PRIO_SECTION_GLOBAL && !key_equal(k, a, b))
			return k->name;
	}
	for (uint32_t g = 0; g < a->n_groups; g++) {
		if (strcmp(a->groups[g].name, b->groups[g].name) != 0)
			return "group name";
		for (unsigned int i = 0; i < PRIO_KEY_N; i++) {
			const struct prio_key *k = &prio_schema[i];

			if (k->section == PRIO_SECTION_GROUP &&
			    !key_equal(k, &a->groups[g], &b->groups[g]))
				return k->name;
		}
	}
	return NULL;
}

/* prio_config_dump(c) as a malloc'ed string; *ret_len its length. */
static char *dump(const struct prio_config *c, size_t *ret_len)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	int r;

	if (!mem)
		fail("open_memstream: %s", strerror(errno));
	r = prio_config_dump(c, mem);
	if (fclose(mem) != 0 || r != 0)
		fail("prio_config_dump returned %d", r);
	*ret_len = len;
	return text;
}

static int load(const void *text, size_t len, struct prio_config *out,
		char *err)
{
	FILE *f = fmemopen((void *)text, len, "r");
	int r;

	if (!f)
		fail("fmemopen: %s", strerror(errno));
	r = prio_config_load_stream(f, NAME, out, err, ERR_LEN);
	fclose(f);
	return r;
}

static void check_round_trip(const struct prio_config *c)
{
	char err[ERR_LEN] = "";
	size_t len, len2;
	char *text = dump(c, &len), *text2;
	const char *diff;

	if (load(text, len, &again, err) != 0)
		fail("the dump does not load back: %s\n--- dump ---\n%s", err,
		     text);
	diff = model_diff(c, &again);
	if (diff)
		fail("the dump loads back to another model (%s differs)\n"
		     "--- dump ---\n%s", diff, text);
	text2 = dump(&again, &len2);
	if (len != len2 || memcmp(text, text2, len) != 0)
		fail("dumping the reloaded model gives another text\n"
		     "--- first ---\n%s--- second ---\n%s", text, text2);
	free(text2);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* fmemopen() takes a writable buffer; libFuzzer's data is const. */
	uint8_t *copy = malloc(size ? size : 1);
	char err[ERR_LEN] = "";
	int r;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	memset(&model, 0x5a, sizeof(model));
	r = load(copy, size, &model, err);
	if (r == 0) {
		check_model(&model);
		check_round_trip(&model);
	} else {
		check_rejected(r, &model, err, count_lines(data, size));
	}
	free(copy);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	memset(&untouched, 0x5a, sizeof(untouched));
	return 0;
}

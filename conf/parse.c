// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading priority.ini with inih r55.
 *
 * inih hands the handler no line number, splits lines longer than its
 * buffer into several lines, treats an indented line as the continuation of
 * the previous value, takes ';' but not '#' as an inline comment, and keeps
 * no record of empty sections. So every line first passes through reader(),
 * which counts lines and settles all of that before inih sees the line:
 *
 *   - a line longer than PRIO_LINE_MAX is an error;
 *   - '#' or ';' at the start of a line, or after a blank, starts a
 *     comment; the reader cuts '#' comments itself;
 *   - a non-blank, non-comment line that starts with a blank is an error:
 *     there are no continuation lines;
 *   - a section header is handled here: it opens the global section or a
 *     new group, and nothing else may follow its ']'.
 *
 * The handler then sees only "key = value" lines, and the line being
 * parsed is always the one the reader counted last.
 */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

#define GROUP_PREFIX "group."

struct parse_ctx {
	FILE *f;
	const char *file;
	unsigned int line;		/* lines read so far */
	struct prio_config *c;
	struct prio_lines *lines;
	unsigned int global_line;	/* line of [global], 0: none yet */

	/* The section being read; base is NULL before the first one. */
	enum prio_section section;
	void *base;			/* c or one of c->groups */
	unsigned int *key_lines;	/* lines->global or lines->group[i] */
	char label[64];			/* "section 'global'", "group 'web'" */

	int r;				/* first error, 0 while there is none */
	char *err;
	size_t errlen;
};

#define parse_error(ctx, ...) \
	prio_error((ctx)->err, (ctx)->errlen, (ctx)->file, (ctx)->line, __VA_ARGS__)

static bool is_blank(char ch)
{
	return isspace((unsigned char)ch);
}

/* Where a comment may start: at the beginning or after a blank. */
static bool starts_comment(const char *line, const char *p, char ch)
{
	return *p == ch && (p == line || is_blank(p[-1]));
}

/* Read one line, '\n' dropped, into str. 1: a line, 0: end of file. */
static int read_line(struct parse_ctx *ctx, char *str, size_t size)
{
	size_t len = 0, max = size - 1 < PRIO_LINE_MAX ? size - 1 : PRIO_LINE_MAX;
	bool nul = false;
	int ch;

	errno = 0;
	while ((ch = getc(ctx->f)) != EOF && ch != '\n') {
		nul |= ch == '\0';
		if (len < max)
			str[len] = (char)ch;
		len++;
	}
	if (ferror(ctx->f)) {
		int e = errno ? errno : EIO;

		ctx->line++;
		parse_error(ctx, "read error: %s", strerror(e));
		return -e;
	}
	if (ch == EOF && len == 0)
		return 0;
	ctx->line++;
	if (len > max)
		return parse_error(ctx, "line too long (max %zu characters)", max);
	if (nul)
		return parse_error(ctx, "line contains a NUL byte");
	str[len] = '\0';
	return 1;
}

static bool valid_group_name(const char *name)
{
	size_t n = strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "abcdefghijklmnopqrstuvwxyz0123456789_-");

	return n >= 1 && n <= PRIO_NAME_MAX && name[n] == '\0';
}

static int open_global(struct parse_ctx *ctx)
{
	if (ctx->global_line)
		return parse_error(ctx, "section 'global' is already defined "
				   "at line %u", ctx->global_line);
	ctx->global_line = ctx->line;
	ctx->section = PRIO_SECTION_GLOBAL;
	ctx->base = ctx->c;
	ctx->key_lines = ctx->lines->global;
	snprintf(ctx->label, sizeof(ctx->label), "section 'global'");
	return 0;
}

static int open_group(struct parse_ctx *ctx, const char *name)
{
	struct prio_config *c = ctx->c;
	struct prio_conf_group *g;

	if (!valid_group_name(name))
		return parse_error(ctx, "invalid group name '%s': use 1 to %d "
				   "letters, digits, '_' or '-'",
				   name, PRIO_NAME_MAX);
	for (uint32_t i = 0; i < c->n_groups; i++) {
		if (strcmp(c->groups[i].name, name) == 0)
			return parse_error(ctx, "group '%s' is already defined "
					   "at line %u", name,
					   c->groups[i].line);
	}
	if (c->n_groups == PRIO_MAX_GROUPS)
		return parse_error(ctx, "group '%s': too many groups (max %d)",
				   name, PRIO_MAX_GROUPS);

	g = &c->groups[c->n_groups];
	prio_group_defaults(g);
	snprintf(g->name, sizeof(g->name), "%.*s", PRIO_NAME_MAX, name);
	g->line = ctx->line;
	ctx->section = PRIO_SECTION_GROUP;
	ctx->base = g;
	ctx->key_lines = ctx->lines->group[c->n_groups];
	snprintf(ctx->label, sizeof(ctx->label), "group '%.*s'",
		 PRIO_NAME_MAX, name);
	c->n_groups++;
	return 0;
}

/* p points at '['. */
static int open_section(struct parse_ctx *ctx, const char *p)
{
	char name[PRIO_LINE_MAX + 1];
	const char *end = strchr(p, ']'), *rest;

	if (!end)
		return parse_error(ctx, "section header without closing ']'");
	for (rest = end + 1; is_blank(*rest); rest++)
		;
	if (*rest && *rest != ';')
		return parse_error(ctx, "unexpected text after section header: "
				   "'%s'", rest);
	snprintf(name, sizeof(name), "%.*s", (int)(end - p - 1), p + 1);

	if (strcmp(name, "global") == 0)
		return open_global(ctx);
	if (strncmp(name, GROUP_PREFIX, strlen(GROUP_PREFIX)) == 0)
		return open_group(ctx, name + strlen(GROUP_PREFIX));
	return parse_error(ctx, "unknown section '%s'", name);
}

/* Whether a "key = value" line has its '=' (or inih's ':') before any
 * comment, as inih decides it. */
static bool has_separator(const char *line)
{
	for (const char *p = line; *p; p++) {
		if (*p == '=' || *p == ':')
			return true;
		if (starts_comment(line, p, ';'))
			return false;
	}
	return false;
}

static int check_line(struct parse_ctx *ctx, char *line)
{
	char *p;

	if (ctx->line == 1 && strncmp(line, "\xEF\xBB\xBF", 3) == 0)
		memmove(line, line + 3, strlen(line + 3) + 1);
	for (p = line; *p; p++) {
		if (starts_comment(line, p, '#') && p != line) {
			*p = '\0';
			break;
		}
	}

	for (p = line; is_blank(*p); p++)
		;
	if (*p == '\0' || *p == ';' || *p == '#')
		return 0;
	if (p != line)
		return parse_error(ctx, "line starts with a blank; continuation "
				   "lines are not supported");
	if (*p == '[')
		return open_section(ctx, p);
	if (!has_separator(p))
		return parse_error(ctx, "expected '[section]' or 'key = value'");
	return 0;
}

static char *reader(char *str, int num, void *stream)
{
	struct parse_ctx *ctx = stream;
	int r;

	if (ctx->r < 0 || num < 1)
		return NULL;
	r = read_line(ctx, str, (size_t)num);
	if (r == 0)
		return NULL;
	if (r > 0)
		r = check_line(ctx, str);
	if (r < 0) {
		ctx->r = r;
		return NULL;
	}
	return str;
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct parse_ctx *ctx = user;
	const struct prio_key *k;
	unsigned int idx;
	char msg[PRIO_LINE_MAX + 128];

	(void)section;	/* the reader tracks sections, unabridged */
	if (!ctx->base) {
		ctx->r = parse_error(ctx, "key '%s' is outside of any section",
				     name);
		return 0;
	}
	k = prio_schema_find(ctx->section, name);
	if (!k) {
		ctx->r = parse_error(ctx, "%s: unknown key '%s'", ctx->label, name);
		return 0;
	}
	idx = (unsigned int)(k - prio_schema);
	if (ctx->key_lines[idx]) {
		ctx->r = parse_error(ctx, "%s: duplicate key '%s' (first set "
				     "at line %u)", ctx->label, name,
				     ctx->key_lines[idx]);
		return 0;
	}
	if (prio_key_parse(k, ctx->base, value, msg, sizeof(msg)) < 0) {
		ctx->r = parse_error(ctx, "%s: %s", ctx->label, msg);
		return 0;
	}
	ctx->key_lines[idx] = ctx->line;
	return 1;
}

int prio_config_load_stream(FILE *f, const char *name,
			    struct prio_config *ret_config,
			    char *err, size_t errlen)
{
	struct prio_config *c = malloc(sizeof(*c));
	struct prio_lines *lines = calloc(1, sizeof(*lines));
	struct parse_ctx ctx = {
		.f = f, .file = name, .c = c, .lines = lines,
		.err = err, .errlen = errlen,
	};
	int r;

	if (!c || !lines) {
		r = -ENOMEM;
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", name);
		goto out;
	}
	prio_config_defaults(c);
	snprintf(c->file, sizeof(c->file), "%s", name);

	r = ini_parse_stream(reader, &ctx, handler, &ctx);
	lines->last = ctx.line;
	if (ctx.r < 0)
		r = ctx.r;
	else if (r > 0)	/* the reader lets no syntax error through */
		r = prio_error(err, errlen, name, (unsigned int)r, "syntax error");
	else if (r < 0)
		r = -ENOMEM;
	else
		r = prio_config_validate(c, lines, err, errlen);
	if (r == 0)
		memcpy(ret_config, c, sizeof(*c));
out:
	free(lines);
	free(c);
	return r;
}

int prio_config_load(const char *path, struct prio_config *ret_config,
		     char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	int r;

	if (!f) {
		r = -errno;
		if (err && errlen)
			snprintf(err, errlen, "%s: cannot open: %s", path,
				 strerror(-r));
		return r;
	}
	r = prio_config_load_stream(f, path, ret_config, err, errlen);
	fclose(f);
	return r;
}

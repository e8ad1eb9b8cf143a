// SPDX-License-Identifier: GPL-2.0-only
/* --dump-config: the model written back as a complete priority.ini. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "schema.h"

#define HEADER "; memcg-prio configuration, every key spelled out, from "

/* Whether make_relative() in validate.c would take root off "/" + rel. */
static bool under_root(const char *root, const char *rel)
{
	size_t n = strlen(root);

	return n > 1 && strncmp(rel, root + 1, n - 1) == 0 &&
	       (rel[n - 1] == '\0' || rel[n - 1] == '/');
}

/*
 * A path as the file has to spell it to read back the same: inih strips
 * blanks from both ends of a value. A trailing blank gets a '/' after it,
 * which normalisation drops again; a group path with a leading blank gets
 * "/" in front (read as relative to cgroup_root), or "./" where "/" would
 * be taken for cgroup_root itself. Neither makes the line longer than the
 * one that was read: the file spelled the path with that '/' or more.
 */
static void spell_path(const struct prio_config *c, char *value, size_t len)
{
	size_t n = strlen(value);
	const char *prefix;

	if (n > 0 && isspace((unsigned char)value[n - 1]) && n + 1 < len) {
		value[n++] = '/';
		value[n] = '\0';
	}
	if (!isspace((unsigned char)value[0]))
		return;
	prefix = under_root(c->cgroup_root, value) ? "./" : "/";
	if (n + strlen(prefix) < len) {
		memmove(value + strlen(prefix), value, n + 1);
		memcpy(value, prefix, strlen(prefix));
	}
}

static void dump_keys(const struct prio_config *c, enum prio_section s,
		      const void *base, FILE *out)
{
	char value[PRIO_PATH_MAX + 3];	/* + '/' + "./" */

	for (unsigned int i = 0; i < PRIO_KEY_N; i++) {
		const struct prio_key *k = &prio_schema[i];

		if (k->section != s)
			continue;
		prio_key_format(k, base, value, sizeof(value));
		if (k->type == PRIO_TYPE_ABS_PATH ||
		    k->type == PRIO_TYPE_CGROUP_PATH)
			spell_path(c, value, sizeof(value));
		/* "key=value" is as short as the file could have spelled it
		 * ("key:value"), so it always fits when "key = value" does
		 * not. It is also the spelling for a value that starts with
		 * '#' or ';': after a blank they would start a comment. */
		if (strlen(k->name) + 3 + strlen(value) <= PRIO_LINE_MAX &&
		    value[0] != '#' && value[0] != ';')
			fprintf(out, "%s = %s\n", k->name, value);
		else
			fprintf(out, "%s=%s\n", k->name, value);
	}
}

/* The file name for the header comment, control characters as '?'. A name
 * too long for the line is cut to its end, after "...", and not in the
 * middle of a UTF-8 sequence: a longer line would not load back. */
static void dump_file_name(const char *file, FILE *out)
{
	size_t room = PRIO_LINE_MAX - strlen(HEADER), n = strlen(file);
	const char *p = file;

	if (n > room) {
		fputs("...", out);
		p = file + n - (room - 3);
		while (((unsigned char)*p & 0xc0) == 0x80)
			p++;
	}
	for (; *p; p++)
		fputc(iscntrl((unsigned char)*p) ? '?' : *p, out);
}

int prio_config_dump(const struct prio_config *c, FILE *out)
{
	fputs(HEADER, out);
	dump_file_name(c->file, out);
	fputs("\n[global]\n", out);
	dump_keys(c, PRIO_SECTION_GLOBAL, c, out);
	for (uint32_t i = 0; i < c->n_groups; i++) {
		fprintf(out, "\n[group.%s]\n", c->groups[i].name);
		dump_keys(c, PRIO_SECTION_GROUP, &c->groups[i], out);
	}
	if (fflush(out) != 0 || ferror(out))
		return -EIO;
	return 0;
}

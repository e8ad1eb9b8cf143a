// SPDX-License-Identifier: GPL-2.0-only
/* The key reference of priority.ini(5), in roff, from the schema table. */
#include <errno.h>

#include "schema.h"

/* Text on a line of its own: escape '\' and a leading '.' or '\''. */
static void roff_text(const char *s, FILE *out)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", out);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", out);
		else
			fputc(*s, out);
	}
}

static void write_syntax(const struct prio_key *k, FILE *out)
{
	switch (k->type) {
	case PRIO_TYPE_BOOL:
		fputs("\\fBtrue\\fR|\\fBfalse\\fR|\\fByes\\fR|\\fBno\\fR|"
		      "\\fB1\\fR|\\fB0\\fR", out);
		break;
	case PRIO_TYPE_U32:
		fprintf(out, "\\fI%u\\fR..\\fI%u\\fR", k->min, k->max);
		break;
	case PRIO_TYPE_PRIORITY:
		fprintf(out, "\\fBhigh\\fR|\\fBlow\\fR|\\fI%u\\fR..\\fI%u\\fR",
			k->min, k->max);
		break;
	case PRIO_TYPE_ENUM:
		for (unsigned int i = 0; k->names[i]; i++)
			fprintf(out, "%s\\fB%s\\fR", i ? "|" : "", k->names[i]);
		break;
	case PRIO_TYPE_ABS_PATH:
		fputs("\\fIabsolute-path\\fR", out);
		break;
	case PRIO_TYPE_CGROUP_PATH:
		fputs("\\fIpath\\fR", out);
		break;
	}
}

static void write_keys(enum prio_section s, FILE *out)
{
	for (unsigned int i = 0; i < PRIO_KEY_N; i++) {
		const struct prio_key *k = &prio_schema[i];

		if (k->section != s)
			continue;
		fprintf(out, ".TP\n\\fB%s\\fR = ", k->name);
		write_syntax(k, out);
		fputc('\n', out);
		roff_text(k->doc, out);
		fputc('\n', out);
		if (k->def) {
			fputs("Default: ", out);
			roff_text(k->def, out);
			fputs(".\n", out);
		} else {
			fputs("Required.\n", out);
		}
	}
}

int prio_schema_write_man(FILE *out)
{
	fprintf(out,
		".SH SYNTAX\n"
		"One \\fIkey\\fR = \\fIvalue\\fR (or \\fIkey\\fR: \\fIvalue\\fR) per line,\n"
		"at most %d characters.\n"
		"A line that starts with ';' or '#' is a comment; so is the rest\n"
		"of a line from a ';' or '#' that follows a blank.\n"
		"Lines may not be indented: there are no continuation lines.\n"
		"Unknown sections and keys, and keys given twice, are errors.\n"
		".SH \"[global] SECTION\"\n"
		"Optional; every key has a default.\n", PRIO_LINE_MAX);
	write_keys(PRIO_SECTION_GLOBAL, out);
	fprintf(out,
		".SH \"[group.NAME] SECTIONS\"\n"
		"One section per group: at least two, of different priorities,\n"
		"and at most %d.\n"
		"NAME is 1 to %d letters, digits, '_' or '-'.\n"
		"Every group carries the pressure keys, which matter when it\n"
		"protects a group of lower priority, and the penalty keys, which\n"
		"matter when it is throttled.\n",
		PRIO_MAX_GROUPS, PRIO_NAME_MAX);
	write_keys(PRIO_SECTION_GROUP, out);
	if (fflush(out) != 0 || ferror(out))
		return -EIO;
	return 0;
}

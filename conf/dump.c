// SPDX-License-Identifier: GPL-2.0-only
/* --dump-config: the model written back as a complete priority.ini. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "schema.h"

static void dump_keys(enum prio_section s, const void *base, FILE *out)
{
	char value[PRIO_PATH_MAX];

	for (unsigned int i = 0; i < PRIO_KEY_N; i++) {
		const struct prio_key *k = &prio_schema[i];

		if (k->section != s)
			continue;
		prio_key_format(k, base, value, sizeof(value));
		/* "key=value" is as short as the file could have spelled it
		 * ("key:value"), so it always fits when "key = value" does
		 * not. */
		if (strlen(k->name) + 3 + strlen(value) <= PRIO_LINE_MAX)
			fprintf(out, "%s = %s\n", k->name, value);
		else
			fprintf(out, "%s=%s\n", k->name, value);
	}
}

int prio_config_dump(const struct prio_config *c, FILE *out)
{
	fputs("; memcg-prio configuration, every key spelled out, from ", out);
	for (const char *p = c->file; *p; p++)
		fputc(iscntrl((unsigned char)*p) ? '?' : *p, out);
	fputs("\n[global]\n", out);
	dump_keys(PRIO_SECTION_GLOBAL, c, out);
	for (uint32_t i = 0; i < c->n_groups; i++) {
		fprintf(out, "\n[group.%s]\n", c->groups[i].name);
		dump_keys(PRIO_SECTION_GROUP, &c->groups[i], out);
	}
	if (fflush(out) != 0 || ferror(out))
		return -EIO;
	return 0;
}

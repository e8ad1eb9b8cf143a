// SPDX-License-Identifier: GPL-2.0-only
/* Path normalisation and the path -> group lookup. */
#include <errno.h>
#include <string.h>

#include "schema.h"

int prio_path_normalise(const char *in, char *out, size_t outlen)
{
	size_t start = in[0] == '/' ? 1 : 0, o = start;

	if (outlen < start + 1)
		return -ENAMETOOLONG;
	if (start)
		out[0] = '/';
	for (const char *p = in; *p; ) {
		size_t n, sep;

		p += strspn(p, "/");
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.')) {
			p += n;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return -EINVAL;
		sep = o > start ? 1 : 0;
		if (o + sep + n + 1 > outlen)
			return -ENAMETOOLONG;
		if (sep)
			out[o++] = '/';
		memcpy(out + o, p, n);
		o += n;
		p += n;
	}
	out[o] = '\0';
	return 0;
}

/* Whether path (a group's, normalised) is rel or a parent of rel. */
static bool path_covers(const char *path, const char *rel)
{
	size_t n = strlen(path);

	if (n == 0)
		return true;
	return strncmp(path, rel, n) == 0 && (rel[n] == '\0' || rel[n] == '/');
}

int prio_config_group_for_path(const struct prio_config *c,
			       const char *rel_path)
{
	int best = -1;
	size_t best_len = 0;

	rel_path += strspn(rel_path, "/");
	for (uint32_t i = 0; i < c->n_groups; i++) {
		size_t n = strlen(c->groups[i].path);

		if (path_covers(c->groups[i].path, rel_path) &&
		    (best < 0 || n > best_len)) {
			best = (int)i;
			best_len = n;
		}
	}
	return best;
}

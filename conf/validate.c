// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checks over the parsed file as a whole: what a single line cannot say is
 * wrong. Each message names the line that has to change.
 */
#include <errno.h>
#include <string.h>

#include "schema.h"

#define config_error(c, line, ...) \
	prio_error(err, errlen, (c)->file, (line), __VA_ARGS__)

static const char *display_path(const char *path)
{
	return *path ? path : "/";
}

/* An absolute group path names a cgroup below cgroup_root: make it
 * relative to cgroup_root, with or without cgroup_root in front. */
static void make_relative(const char *root, char *path)
{
	size_t n = strlen(root);
	const char *rel = path;

	if (path[0] != '/')
		return;
	if (n > 1 && strncmp(path, root, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/'))
		rel = path + n;
	rel += strspn(rel, "/");
	memmove(path, rel, strlen(rel) + 1);
}

static int check_group(struct prio_config *c, uint32_t i,
		       const unsigned int *lines, char *err, size_t errlen)
{
	struct prio_conf_group *g = &c->groups[i];
	unsigned int line;

	for (unsigned int k = 0; k < PRIO_KEY_N; k++) {
		if (prio_schema[k].section == PRIO_SECTION_GROUP &&
		    !prio_schema[k].def && !lines[k])
			return config_error(c, g->line, "group '%s': missing "
					    "required key '%s'", g->name,
					    prio_schema[k].name);
	}
	make_relative(c->cgroup_root, g->path);
	if (!*g->path)
		return config_error(c, lines[PRIO_KEY_PATH], "group '%s': path "
				    "'/' is the cgroup2 root itself, which "
				    "memcg-prio may not throttle: name a cgroup "
				    "below cgroup_root", g->name);
	/* The policy's .rodata holds cgroup_root/path. */
	if (strlen(c->cgroup_root) + 1 + strlen(g->path) >=
	    PRIO_CGROUP_PATH_LEN)
		return config_error(c, lines[PRIO_KEY_PATH], "group '%s': "
				    "its cgroup, %s/%s, is longer than %d bytes",
				    g->name, c->cgroup_root, g->path,
				    PRIO_CGROUP_PATH_LEN - 1);

	if (g->penalty_pages > g->penalty_max_pages) {
		line = lines[PRIO_KEY_PENALTY_PAGES];
		if (lines[PRIO_KEY_PENALTY_MAX_PAGES] > line)
			line = lines[PRIO_KEY_PENALTY_MAX_PAGES];
		return config_error(c, line, "group '%s': penalty_pages %u is "
				    "greater than penalty_max_pages %u",
				    g->name, g->penalty_pages,
				    g->penalty_max_pages);
	}
	return 0;
}

static int check_paths_unique(const struct prio_config *c,
			      const struct prio_lines *lines,
			      char *err, size_t errlen)
{
	for (uint32_t i = 1; i < c->n_groups; i++) {
		const struct prio_conf_group *g = &c->groups[i];

		for (uint32_t j = 0; j < i; j++) {
			if (strcmp(g->path, c->groups[j].path) != 0)
				continue;
			return config_error(c, lines->group[i][PRIO_KEY_PATH],
					    "group '%s': path '%s' is already "
					    "used by group '%s' (line %u)",
					    g->name, display_path(g->path),
					    c->groups[j].name,
					    lines->group[j][PRIO_KEY_PATH]);
		}
	}
	return 0;
}

static int check_priorities(const struct prio_config *c,
			    char *err, size_t errlen)
{
	const struct prio_conf_group *last = &c->groups[c->n_groups - 1];

	for (uint32_t i = 0; i < c->n_groups; i++) {
		if (c->groups[i].priority != last->priority)
			return 0;
	}
	return config_error(c, last->line, "every group has priority %u: "
			    "nothing to throttle", last->priority);
}

int prio_config_validate(struct prio_config *c, const struct prio_lines *lines,
			 char *err, size_t errlen)
{
	int r;

	if (c->n_groups == 0)
		return config_error(c, lines->last ? lines->last : 1,
				    "no groups defined (add a [group.NAME] "
				    "section)");
	for (uint32_t i = 0; i < c->n_groups; i++) {
		r = check_group(c, i, lines->group[i], err, errlen);
		if (r < 0)
			return r;
	}
	r = check_paths_unique(c, lines, err, errlen);
	if (r < 0)
		return r;
	return check_priorities(c, err, errlen);
}

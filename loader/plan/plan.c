// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "plan/plan.h"
#include "util.h"

/*
 * Is path, symlinks resolved, a directory strictly below root on root's
 * file system?  0 or -EXDEV with a message.
 */
static int check_inside(const char *name, const char *path, const char *root,
			char *err, size_t errlen)
{
	char real[PATH_MAX], real_root[PATH_MAX];
	struct stat st, st_root;
	size_t n;

	if (!realpath(path, real) || !realpath(root, real_root) ||
	    stat(real, &st) < 0 || stat(real_root, &st_root) < 0)
		return prio_fail(err, errlen, -errno, "group '%s': cgroup %s: "
				 "%s", name, path, strerror(errno));
	n = strlen(real_root);
	if (n == 1)
		n = 0;		/* root "/": every "/x" is below it */
	if (strncmp(real, real_root, n) || real[n] != '/' || !real[n + 1] ||
	    st.st_dev != st_root.st_dev)
		return prio_fail(err, errlen, -EXDEV, "group '%s': cgroup %s is "
				 "%s, not a cgroup below cgroup_root %s", name,
				 path, real, real_root);
	return 0;
}

static int resolve_group(const struct prio_config *c, const char *root,
			 uint32_t conf_index, struct prio_plan_group *ret,
			 char *err, size_t errlen)
{
	const struct prio_conf_group *g = &c->groups[conf_index];
	struct stat st;

	if (prio_path_join(ret->path, sizeof(ret->path), root, g->path) < 0)
		return prio_fail(err, errlen, -ENAMETOOLONG, "group '%s': the "
				 "path of its cgroup is longer than %d bytes",
				 g->name, PRIO_CGROUP_PATH_LEN - 1);
	if (stat(ret->path, &st) < 0)
		return prio_fail(err, errlen, -errno, "group '%s': cgroup %s: "
				 "%s", g->name, ret->path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return prio_fail(err, errlen, -ENOTDIR, "group '%s': cgroup "
				 "%s is not a directory", g->name, ret->path);
	if (check_inside(g->name, ret->path, root, err, errlen) < 0)
		return -EXDEV;
	ret->conf_index = conf_index;
	ret->cgroup_id = st.st_ino;
	return 0;
}

/* Insertion sort by decreasing priority: stable, and n is small. */
static void sort_by_priority(const struct prio_config *c, uint32_t *idx,
			     uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		uint32_t v = idx[i], j = i;

		for (; j > 0 && c->groups[idx[j - 1]].priority <
				c->groups[v].priority; j--)
			idx[j] = idx[j - 1];
		idx[j] = v;
	}
}

static unsigned int path_depth(const char *path)
{
	unsigned int n = 0;

	for (; *path; path++)
		n += *path == '/';
	return n;
}

/* Attached groups, each after every group whose cgroup contains its own. */
static void order_attachments(struct prio_plan *p)
{
	p->n_attach = 0;
	for (uint32_t i = 0; i < p->n_groups; i++) {
		unsigned int d = path_depth(p->groups[i].path);
		uint32_t j;

		if (!p->groups[i].attach)
			continue;
		/* Insertion by depth: a containing cgroup is less deep. */
		for (j = p->n_attach++; j > 0; j--) {
			uint32_t prev = p->attach_order[j - 1];

			if (path_depth(p->groups[prev].path) <= d)
				break;
			p->attach_order[j] = prev;
		}
		p->attach_order[j] = i;
	}
}

/*
 * Every group that shares the file with a group of another priority gets a
 * link: a lower group is throttled through it, a higher one shielded from
 * reclaim (memcg_below_low).  With a single priority nobody does.
 */
static void set_links(const struct prio_config *c, struct prio_plan *p)
{
	uint32_t top = c->groups[p->groups[0].conf_index].priority;
	uint32_t bottom =
		c->groups[p->groups[p->n_groups - 1].conf_index].priority;

	for (uint32_t i = 0; i < p->n_groups; i++)
		p->groups[i].attach = bottom < top;
	for (uint32_t i = 0; i < p->n_groups; i++) {
		struct prio_plan_group *g = &p->groups[i];

		g->allow_override = false;
		for (uint32_t k = 0; g->attach && k < p->n_groups; k++)
			if (k != i && p->groups[k].attach &&
			    prio_path_contains(g->path, p->groups[k].path))
				g->allow_override = true;
	}
}

static const char *group_name(const struct prio_config *c,
			      const struct prio_plan *p, uint32_t i);

static bool in_some_group(const struct prio_plan *p, const char *path)
{
	for (uint32_t i = 0; i < p->n_groups; i++)
		if (prio_path_contains(p->groups[i].path, path))
			return true;
	return false;
}

static int add_shared(struct prio_plan *p, uint64_t id)
{
	for (uint32_t k = 0; k < p->n_shared; k++)
		if (p->shared[k] == id)
			return 0;
	if (p->n_shared == PRIO_MAX_SHARED)
		return -E2BIG;
	p->shared[p->n_shared++] = id;
	return 0;
}

/*
 * The cgroups between a group's cgroup (excluded) and the cgroup root
 * (excluded) that lie inside another group: their limits are shared with
 * the nested group, so reclaim for them presses the outer group.
 */
static int find_shared(const struct prio_config *c, const char *cgroup_root,
		       struct prio_plan *p, char *err, size_t errlen)
{
	char path[PRIO_CGROUP_PATH_LEN], *slash;
	struct stat st;

	p->n_shared = 0;
	for (uint32_t j = 0; j < p->n_groups; j++) {
		snprintf(path, sizeof(path), "%s", p->groups[j].path);
		while ((slash = strrchr(path, '/')) && slash != path) {
			*slash = '\0';
			if (!prio_path_contains(cgroup_root, path) ||
			    !strcmp(path, cgroup_root))
				break;
			if (!in_some_group(p, path))
				continue;
			if (stat(path, &st) < 0)
				return prio_fail(err, errlen, -errno, "group "
						 "'%s': cgroup %s: %s",
						 group_name(c, p, j), path,
						 strerror(errno));
			if (add_shared(p, st.st_ino) < 0)
				return prio_fail(err, errlen, -E2BIG, "more "
						 "than %d cgroups hold nested "
						 "groups", PRIO_MAX_SHARED);
		}
	}
	return 0;
}

int prio_plan_build(const struct prio_config *c, const char *cgroup_root,
		    struct prio_plan *ret_plan, char *err, size_t errlen)
{
	uint32_t idx[PRIO_MAX_GROUPS];
	struct prio_plan *p;
	int r = 0;

	if (c->n_groups == 0 || c->n_groups > PRIO_MAX_GROUPS)
		return prio_fail(err, errlen, -EINVAL, "%u groups: there must "
				 "be 1 to %d", c->n_groups, PRIO_MAX_GROUPS);
	/* *ret_plan is written only on success. */
	p = calloc(1, sizeof(*p));
	if (!p)
		return prio_fail(err, errlen, -ENOMEM, "out of memory");
	for (uint32_t i = 0; i < c->n_groups; i++)
		idx[i] = i;
	sort_by_priority(c, idx, c->n_groups);
	p->n_groups = c->n_groups;
	for (uint32_t i = 0; !r && i < c->n_groups; i++)
		r = resolve_group(c, cgroup_root, idx[i], &p->groups[i], err,
				  errlen);
	if (!r)
		r = find_shared(c, cgroup_root, p, err, errlen);
	if (!r) {
		set_links(c, p);
		order_attachments(p);
		*ret_plan = *p;
	}
	free(p);
	return r;
}

void prio_plan_group_cfg(const struct prio_config *c,
			 const struct prio_plan *plan, uint32_t i,
			 struct prio_group_cfg *ret_cfg)
{
	const struct prio_plan_group *pg = &plan->groups[i];
	const struct prio_conf_group *g = &c->groups[pg->conf_index];
	struct prio_group_cfg cfg = { 0 };

	cfg.cgroup_id = pg->cgroup_id;
	cfg.priority = g->priority;
	cfg.trigger = g->scan_threshold_pages ? PRIO_TRIGGER_SCAN :
						PRIO_TRIGGER_LEVEL;
	cfg.level = g->pressure_level;
	cfg.window_pages = g->window_pages;
	cfg.scan_threshold_pages = g->scan_threshold_pages;
	cfg.window_ms = g->window_ms;
	cfg.hold_ms = g->hold_ms;
	cfg.hold_doublings = g->hold_doublings;
	cfg.penalty_pages = g->penalty_pages;
	cfg.penalty_max_pages = g->penalty_max_pages;
	cfg.penalty_scaling = g->penalty_scaling;
	cfg.throttle_max_ms = g->throttle_max_ms;
	cfg.throttle_max_share = g->throttle_max_share;
	cfg.throttle_window_ms = g->throttle_window_ms;
	cfg.relief_ms = g->relief_ms;
	cfg.link_flags = (pg->attach ? PRIO_LINK_ATTACHED : 0) |
			 (pg->allow_override ? PRIO_LINK_OVERRIDE : 0);
	snprintf(cfg.name, sizeof(cfg.name), "%s", g->name);
	snprintf(cfg.path, sizeof(cfg.path), "%s", pg->path);
	*ret_cfg = cfg;
}

/* The links that exist at some point of a re-attach, and their cgroups. */
struct link_set {
	uint32_t n;
	const char *name[2 * PRIO_MAX_GROUPS];
	const char *path[2 * PRIO_MAX_GROUPS];
	bool override[2 * PRIO_MAX_GROUPS];
};

static const char *group_name(const struct prio_config *c,
			      const struct prio_plan *p, uint32_t i)
{
	return c->groups[p->groups[i].conf_index].name;
}

/*
 * Would the kernel accept a new link on path, given the links in s?  Its
 * rules are cgroup-bpf's: one link per cgroup, and below a link only if
 * the closest one above allows overriding; a link below does not stop
 * one above.
 */
static int check_new_link(const struct link_set *s, const char *name,
			  const char *path, char *err, size_t errlen)
{
	const char *up = NULL;
	uint32_t up_i = 0;

	for (uint32_t k = 0; k < s->n; k++) {
		if (strcmp(path, s->path[k]) == 0)
			return prio_fail(err, errlen, -EBUSY, "group '%s' on %s "
					 "would need a second link on the "
					 "cgroup of group '%s'", name, path,
					 s->name[k]);
		if (prio_path_contains(s->path[k], path) &&
		    (!up || strlen(s->path[k]) > strlen(up))) {
			up = s->path[k];
			up_i = k;
		}
	}
	if (up && !s->override[up_i])
		return prio_fail(err, errlen, -EBUSY, "group '%s' on %s would "
				 "be attached below group '%s' on %s, whose "
				 "link does not allow that (BPF_F_ALLOW_OVERRIDE)",
				 name, path, s->name[up_i], up);
	return 0;
}

static int find_kept(const struct prio_group_cfg *old, uint32_t n_old,
		     uint64_t cgroup_id)
{
	for (uint32_t k = 0; k < n_old; k++)
		if ((old[k].link_flags & PRIO_LINK_ATTACHED) &&
		    old[k].cgroup_id == cgroup_id)
			return (int)k;
	return -1;
}

static int diff_keep_and_add(const struct prio_group_cfg *old, uint32_t n_old,
			     const struct prio_config *c,
			     const struct prio_plan *p, struct prio_diff *d,
			     char *err, size_t errlen)
{
	struct link_set s = { 0 };	/* 2 KiB */
	int r;

	for (uint32_t k = 0; k < n_old; k++) {
		if (!(old[k].link_flags & PRIO_LINK_ATTACHED))
			continue;
		s.name[s.n] = old[k].name;
		s.path[s.n] = old[k].path;
		s.override[s.n++] = old[k].link_flags & PRIO_LINK_OVERRIDE;
	}
	for (uint32_t a = 0; a < p->n_attach; a++) {
		uint32_t i = p->attach_order[a];
		const struct prio_plan_group *g = &p->groups[i];
		int k = find_kept(old, n_old, g->cgroup_id);

		if (k >= 0) {
			if (!(old[k].link_flags & PRIO_LINK_OVERRIDE) !=
			    !g->allow_override)
				return prio_fail(err, errlen, -EBUSY, "the link "
						 "of group '%s' on %s would "
						 "have to %s BPF_F_ALLOW_OVERRIDE, "
						 "which a link cannot change",
						 group_name(c, p, i), g->path,
						 g->allow_override ? "gain" :
						 "lose");
			d->keep_old[d->n_keep] = (uint32_t)k;
			d->keep_new[d->n_keep++] = i;
			continue;
		}
		r = check_new_link(&s, group_name(c, p, i), g->path, err,
				   errlen);
		if (r < 0)
			return r;
		s.name[s.n] = group_name(c, p, i);
		s.path[s.n] = g->path;
		s.override[s.n++] = g->allow_override;
		d->add[d->n_add++] = i;
	}
	return 0;
}

int prio_plan_diff(const struct prio_group_cfg *old, uint32_t n_old,
		   const struct prio_config *c, const struct prio_plan *plan,
		   struct prio_diff *ret_diff, char *err, size_t errlen)
{
	struct prio_diff d = { 0 };
	int r;

	r = diff_keep_and_add(old, n_old, c, plan, &d, err, errlen);
	if (r < 0)
		return r;
	for (uint32_t k = 0; k < n_old; k++) {
		bool kept = false;

		if (!(old[k].link_flags & PRIO_LINK_ATTACHED))
			continue;
		for (uint32_t j = 0; j < d.n_keep; j++)
			kept |= d.keep_old[j] == k;
		if (!kept)
			d.drop[d.n_drop++] = k;
	}
	*ret_diff = d;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <libcgroup.h>
#include <linux/magic.h>

#include "plan/cgroups.h"
#include "log.h"
#include "util.h"

int prio_cgroup_check_root(const char *root, char *err, size_t errlen)
{
	struct statfs sf;

	if (statfs(root, &sf) < 0)
		return prio_fail(err, errlen, -errno, "cgroup_root %s: %s",
				 root, strerror(errno));
	if (sf.f_type != CGROUP2_SUPER_MAGIC)
		return prio_fail(err, errlen, -ENOTSUP, "%s is not a cgroup v2 "
				 "mount: memcg-prio needs the unified "
				 "hierarchy (mount -t cgroup2 none %s, or set "
				 "cgroup_root)", root, root);
	return 0;
}

/* Does the cgroup at path list the memory controller as its own? */
static int has_memory(const char *path, bool *ret)
{
	char file[PRIO_PATH_MAX], word[64];
	bool found = false;
	FILE *f;

	if (prio_path_join(file, sizeof(file), path, "cgroup.controllers") < 0)
		return -ENAMETOOLONG;
	f = fopen(file, "re");
	if (!f)
		return -errno;
	while (fscanf(f, "%63s", word) == 1)
		found |= strcmp(word, "memory") == 0;
	fclose(f);
	*ret = found;
	return 0;
}

static int check_memory(const char *name, const char *path, char *err,
			size_t errlen)
{
	char parent[PRIO_PATH_MAX];
	bool memory = false;
	char *slash;
	int r;

	r = has_memory(path, &memory);
	if (r < 0)
		return prio_fail(err, errlen, r, "group '%s': cannot read the "
				 "controllers of cgroup %s: %s", name, path,
				 strerror(-r));
	if (memory)
		return 0;
	snprintf(parent, sizeof(parent), "%s", path);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	return prio_fail(err, errlen, -EINVAL, "group '%s': cgroup %s has no "
			 "memory controller of its own (enable it with "
			 "'echo +memory > %s/cgroup.subtree_control')",
			 name, path, parent);
}

static int create_cgroup(const char *name, const char *path, const char *rel,
			 char *err, size_t errlen)
{
	struct cgroup *cg;
	struct stat st;
	int r;

	r = cgroup_init();
	if (r)
		return prio_fail(err, errlen, -EIO, "group '%s': cannot create "
				 "cgroup %s: libcgroup: %s", name, path,
				 cgroup_strerror(r));
	cg = cgroup_new_cgroup(rel);
	if (!cg)
		return prio_fail(err, errlen, -ENOMEM, "group '%s': cannot "
				 "create cgroup %s: out of memory", name, path);
	r = cgroup_add_controller(cg, "memory") ? 0 : ECGINVAL;
	if (!r)
		r = cgroup_create_cgroup(cg, 0);
	cgroup_free(&cg);
	if (r)
		return prio_fail(err, errlen, -EIO, "group '%s': cannot create "
				 "cgroup %s: libcgroup: %s", name, path,
				 cgroup_strerror(r));
	/* libcgroup finds the mount itself: make sure it is ours. */
	if (stat(path, &st) < 0)
		return prio_fail(err, errlen, -ENOENT, "group '%s': libcgroup "
				 "did not create %s (is cgroup_root where "
				 "cgroup2 is mounted?)", name, path);
	return 0;
}

/* How many directories of path, counted from its end, do not exist? */
static uint32_t missing_levels(const char *path)
{
	char dir[PRIO_PATH_MAX];
	uint32_t levels = 0;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	while (access(dir, F_OK) < 0 && errno == ENOENT) {
		levels++;
		slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			break;
		*slash = '\0';
	}
	return levels;
}

static int prepare_group(const struct prio_config *c, uint32_t i,
			 struct prio_cgroups_made *made, unsigned int *missing,
			 char *err, size_t errlen)
{
	const struct prio_conf_group *g = &c->groups[i];
	char path[PRIO_PATH_MAX];
	struct stat st;
	uint32_t levels;
	int r;

	if (prio_path_join(path, sizeof(path), c->cgroup_root, g->path) < 0)
		return prio_fail(err, errlen, -ENAMETOOLONG, "group '%s': "
				 "cgroup path too long", g->name);
	if (stat(path, &st) < 0) {
		if (errno != ENOENT || !c->create_cgroups)
			return prio_fail(err, errlen, -errno, "group '%s': "
					 "cgroup %s: %s%s", g->name, path,
					 strerror(errno), errno == ENOENT ?
					 " (create it, or set create_cgroups "
					 "= true)" : "");
		if (!made) {
			(*missing)++;
			return 0;
		}
		levels = missing_levels(path);
		r = create_cgroup(g->name, path, g->path, err, errlen);
		/* libcgroup may have made some parents before failing. */
		levels -= missing_levels(path);
		if (levels) {
			made->made[made->n].group = i;
			made->made[made->n].levels = levels;
			made->n++;
		}
		if (r < 0)
			return r;
	} else if (!S_ISDIR(st.st_mode)) {
		return prio_fail(err, errlen, -ENOTDIR, "group '%s': %s is not "
				 "a cgroup directory", g->name, path);
	}
	return check_memory(g->name, path, err, errlen);
}

int prio_cgroups_prepare(const struct prio_config *c,
			 struct prio_cgroups_made *made,
			 unsigned int *ret_missing, char *err, size_t errlen)
{
	unsigned int missing = 0;
	int r;

	if (made)
		made->n = 0;
	/* File order: a group nested in another is created after it. */
	for (uint32_t i = 0; i < c->n_groups; i++) {
		r = prepare_group(c, i, made, &missing, err, errlen);
		if (r < 0)
			return r;
	}
	if (ret_missing)
		*ret_missing = missing;
	return 0;
}

void prio_cgroups_undo(const struct prio_config *c,
		       struct prio_cgroups_made *made)
{
	char path[PRIO_PATH_MAX];
	char *slash;

	while (made->n > 0) {
		uint32_t i = made->made[--made->n].group;
		uint32_t levels = made->made[made->n].levels;

		if (prio_path_join(path, sizeof(path), c->cgroup_root,
				   c->groups[i].path) < 0)
			continue;
		for (; levels > 0; levels--) {
			if (rmdir(path) < 0) {
				log_warn("cannot remove cgroup %s, made by "
					 "this run: %s", path, strerror(errno));
				break;
			}
			log_info("removed cgroup %s, made by this run", path);
			slash = strrchr(path, '/');
			if (!slash)
				break;
			*slash = '\0';
		}
	}
}

/* nftw() has no user argument. */
static uint64_t find_id;
static char *find_buf;
static size_t find_len;
static int find_found;

static int find_visit(const char *path, const struct stat *st, int type,
		      struct FTW *ftw)
{
	(void)ftw;
	if (type != FTW_D || st->st_ino != find_id)
		return 0;
	find_found = snprintf(find_buf, find_len, "%s", path) < (int)find_len ?
		     1 : -ENAMETOOLONG;
	return 1;
}

int prio_cgroup_find_id(const char *root, uint64_t id, char *buf, size_t len)
{
	find_id = id;
	find_buf = buf;
	find_len = len;
	find_found = 0;
	if (nftw(root, find_visit, 16, FTW_PHYS | FTW_MOUNT) < 0)
		return -errno;
	return find_found > 0 ? 0 : find_found < 0 ? find_found : -ENOENT;
}

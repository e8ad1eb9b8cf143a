// SPDX-License-Identifier: GPL-2.0-only
/*
 * The groups' cgroups: checked to be on cgroup v2, present and with a
 * memory controller of their own; created through libcgroup when the
 * config asks for it.  Paths come from the caller, so a test can point
 * them anywhere.
 */
#ifndef MEMCG_PRIO_LOADER_PLAN_CGROUPS_H
#define MEMCG_PRIO_LOADER_PLAN_CGROUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "priority.h"

/* Is root the mount point of cgroup v2?  0, or -errno with a message. */
int prio_cgroup_check_root(const char *root, char *err, size_t errlen);

/* The cgroups one prio_cgroups_prepare() made, to undo on failure. */
struct prio_cgroups_made {
	uint32_t n;
	struct {
		uint32_t group;		/* index in the config */
		uint32_t levels;	/* directories made: it and parents */
	} made[PRIO_MAX_GROUPS];
};

/*
 * Check (and, with made, create) the cgroup of every group of c.  A missing
 * cgroup is an error unless c->create_cgroups is set; then it is created
 * if made is not NULL, and only counted in *ret_missing otherwise (--check).
 * What was created is recorded in *made, also when a later group fails.
 * Returns 0, or a negative errno with a message naming the group.
 */
int prio_cgroups_prepare(const struct prio_config *c,
			 struct prio_cgroups_made *made,
			 unsigned int *ret_missing, char *err, size_t errlen);

/*
 * Remove, newest first, the cgroups recorded in *made (empty ones only:
 * the kernel refuses the rest, which are then left and logged).
 */
void prio_cgroups_undo(const struct prio_config *c,
		       struct prio_cgroups_made *made);

/*
 * The directory below root of the cgroup whose id (inode number) is id,
 * into buf.  0, -ENOENT if there is none, or another negative errno.
 */
int prio_cgroup_find_id(const char *root, uint64_t id, char *buf, size_t len);

#endif

// SPDX-License-Identifier: GPL-2.0-only
/*
 * From the validated model (conf/priority.h) to what the BPF policy and the
 * attach step need: groups sorted by decreasing priority with their cgroup
 * ids, which groups get a struct_ops link and with which flags, the order
 * of the attachments, the .rodata entries; and, for a re-attach, how to get
 * from the running policy to the new one without a moment in which a group
 * that should be throttled is not.
 *
 * Pure functions: no BPF, no kernel.  The only system call is stat() of
 * each group's cgroup directory, below a root the caller names, so that
 * tests can use a fake tree.
 */
#ifndef MEMCG_PRIO_LOADER_PLAN_PLAN_H
#define MEMCG_PRIO_LOADER_PLAN_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "priority.h"
#include "policy/prio.h"

struct prio_plan_group {
	uint32_t conf_index;		/* in prio_config.groups */
	char path[PRIO_CGROUP_PATH_LEN];	/* absolute cgroup directory */
	uint64_t cgroup_id;		/* inode number of the directory */
	bool attach;			/* a group of higher priority exists */
	bool allow_override;		/* an attached group is nested below */
};

/*
 * Cgroups whose limits a group shares with another group nested below it:
 * every strict ancestor of a group's cgroup that lies inside another
 * group's subtree (the policy's "shared_domains" map).
 */
#define PRIO_MAX_SHARED		(PRIO_MAX_GROUPS * PRIO_MAX_DEPTH)

struct prio_plan {
	uint32_t n_groups;
	/* By decreasing priority; equal priorities keep the file's order. */
	struct prio_plan_group groups[PRIO_MAX_GROUPS];
	uint32_t n_attach;
	/* Indexes of groups[] with attach set, every cgroup after the groups
	 * whose cgroups contain it: the kernel refuses an attachment above
	 * an existing one. */
	uint32_t attach_order[PRIO_MAX_GROUPS];
	/* Cgroup ids, each once: reclaim for the limit of one of these
	 * presses the group it belongs to, as its subtree holds another
	 * group's cgroup (web at lv/web, batch at lv/web/batch: lv/web). */
	uint32_t n_shared;
	uint64_t shared[PRIO_MAX_SHARED];
};

/*
 * Build the plan of config c, with the groups' cgroups looked up below
 * cgroup_root (normally c->cgroup_root).  Every cgroup must exist.  Returns
 * 0, or a negative errno with a message naming the group in err.
 */
int prio_plan_build(const struct prio_config *c, const char *cgroup_root,
		    struct prio_plan *ret_plan, char *err, size_t errlen);

/* The .rodata entry of plan group i. */
void prio_plan_group_cfg(const struct prio_config *c,
			 const struct prio_plan *plan, uint32_t i,
			 struct prio_group_cfg *ret_cfg);

/*
 * A re-attach: the running policy's groups (its .rodata entries), with
 * PRIO_LINK_ATTACHED cleared by the caller for links that are gone (their
 * cgroup was removed), against the new plan.
 */
struct prio_diff {
	uint32_t n_keep;		/* links swapped to the new ops in place */
	uint32_t keep_old[PRIO_MAX_GROUPS];
	uint32_t keep_new[PRIO_MAX_GROUPS];
	uint32_t n_add;			/* new links, in attach order */
	uint32_t add[PRIO_MAX_GROUPS];
	uint32_t n_drop;		/* old links detached at the end */
	uint32_t drop[PRIO_MAX_GROUPS];
};

/*
 * Work out the re-attach: new links are made while all old ones still
 * exist, then old links that are not kept are detached; so no cgroup is
 * ever without the ops it should have.  Returns 0, or -EBUSY with the
 * reason in err if the kernel's rules (one ops per memcg; an ops may be
 * overridden below only if its link allows it) make that impossible, or if
 * a kept link's BPF_F_ALLOW_OVERRIDE would have to change.
 */
int prio_plan_diff(const struct prio_group_cfg *old, uint32_t n_old,
		   const struct prio_config *c, const struct prio_plan *plan,
		   struct prio_diff *ret_diff, char *err, size_t errlen);

#endif

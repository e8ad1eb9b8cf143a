// SPDX-License-Identifier: GPL-2.0-only
/*
 * memory.high control: the backend for kernels without memcg_bpf_ops
 * (mode = memory.high).  The same BPF programs watch reclaim; instead of
 * a hook that the kernel asks, memcg-prio --foreground reads the groups'
 * pressure every poll and, while a group of higher priority is pressed in
 * a reclaim domain that contains a lower group, lowers that group's
 * memory.high below its usage by its penalty (written with O_NONBLOCK, so
 * the group's own tasks reclaim and are throttled, as with the hook).  It
 * restores the value it found as soon as nobody above is pressed.
 *
 * Nothing lowered is ever lost: before each write the original and the
 * values written go to a state file (PRIO_RUN_DIR, ".memory-high"), so
 * that a later run or --detach restores what a killed process left.  A
 * memory.high that changed under us belongs to someone else: the group is
 * left alone from then on, and its entry is dropped (savedvals.c).
 */
#ifndef MEMCG_PRIO_LOADER_KERNEL_HIGHCTL_H
#define MEMCG_PRIO_LOADER_KERNEL_HIGHCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "kernel/savedvals.h"
#include "policy/prio.h"

#define PRIO_RUN_DIR		"/run/memcg-prio"
/* memory.high "max", as a number. */
#define PRIO_HIGH_MAX		UINT64_MAX

struct prio_status;

struct prio_highctl_group {
	uint32_t by;			/* the group that pressed */
	struct prio_bound bound;	/* no starvation, as the hook keeps it */
	uint32_t n_ancestors;
	uint64_t ancestors[PRIO_MAX_DEPTH + 1];	/* cgroup ids, itself first */
};

struct prio_highctl {
	uint64_t page_size;
	uint32_t n_groups;
	struct prio_group_cfg cfg[PRIO_MAX_GROUPS];	/* as the policy has them */
	struct prio_highctl_group g[PRIO_MAX_GROUPS];
	struct prio_savedvals high;	/* memory.high: .v[i].ours is lowered */
};

/* The state file for the policy pinned at pin_path, into buf. */
int prio_highctl_state_file(const char *pin_path, char *buf, size_t len);

/*
 * Set up control of the groups cfg[0..n) (the policy's, by decreasing
 * priority) whose link_flags have PRIO_LINK_MEMORY_HIGH, below cgroup_root.
 * Refuses a group of higher priority inside a lowered group's subtree:
 * lowering the outer memory.high would throttle it too.  Writes the state
 * file with this process as its owner.  0 or -errno with a message.
 */
int prio_highctl_init(struct prio_highctl *h, const char *state_file,
		      const struct prio_group_cfg *cfg, uint32_t n,
		      const char *cgroup_root, bool dry_run, char *err,
		      size_t errlen);

/*
 * One poll: lower or restore each group for the pressure in st; print a
 * line per change to out, prefixed with the time.  Problems with one group
 * are printed and do not stop the others.
 */
void prio_highctl_update(struct prio_highctl *h, const struct prio_status *st,
			 FILE *out);

/*
 * The group whose pressure reaches group i now (the first of higher
 * priority pressed in a domain that contains i), whether or not i is
 * throttled (relief), or PRIO_NO_GROUP; always PRIO_NO_GROUP for a group
 * memcg-prio does not control or has yielded; the cgroup id of the
 * domain it is pressed in to *domain, if not NULL.  For memory.low and
 * memory.reclaim (lowctl.c, reclaimctl.c).
 */
uint32_t prio_highctl_presser(const struct prio_highctl *h,
			      const struct prio_status *st, uint32_t i,
			      uint64_t *domain);

/* Restore every group we lowered and remove the state file. */
int prio_highctl_restore_all(struct prio_highctl *h, FILE *out);

/*
 * Restore what the process recorded in state_file left lowered, if that
 * process is gone; then remove the file.  Returns the number of groups
 * restored (0 also when there is no file), or -EBUSY with a message if the
 * owner still runs (its pid into *ret_owner if not NULL), or -errno.
 * Lines about each group go to out.
 */
int prio_highctl_recover(const char *state_file, FILE *out, pid_t *ret_owner,
			 char *err, size_t errlen);

/*
 * Fill st's owner and each group's memory.high fields from state_file.
 * 0, or -ENOENT when there is no state file.
 */
int prio_highctl_read_state(const char *state_file, struct prio_status *st);

/* "max" or the number of v, into buf. */
void prio_high_format(uint64_t v, char *buf, size_t len);

#endif

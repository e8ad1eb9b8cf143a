// SPDX-License-Identifier: GPL-2.0-only
/*
 * memory.low control, mode memory.high: shield the pressed group.  While a
 * group of higher priority is pressed in a domain that holds a lower
 * group memcg-prio throttles (highctl.c decides that), --foreground
 * raises the pressed group's memory.low to what it uses, so that reclaim
 * in that domain takes the lower groups' pages before its own.  Never
 * beyond its usage, never beyond its own memory.max or memory.high, never
 * lower than the value it found; raised again only as the usage grows,
 * and put back as soon as the pressure ends.
 *
 * The same care as memory.high (savedvals.c): the original and the values
 * written go to a state file (PRIO_RUN_DIR, ".memory-low") before each
 * write, so that a later run or --detach restores what a killed process
 * left; a memory.low that someone else changed is theirs: left alone from
 * then on.
 *
 * The kernel caps a group's effective memory.low by its ancestors' (and
 * memory_recursiveprot does not lift that cap: it hands an ancestor's
 * protection down to children that claim none).  So the cgroups between
 * the domain's cgroup and the group, if any, are raised too, each to the
 * sum of what the groups below it are shielded with, with the same care
 * and a state file of their own (".memory-low-above"); a domain that is
 * the group's own cgroup (a pod with a nested sidecar group) cannot
 * shield it at all, and the give-back (reclaimctl.c) still works there.
 */
#ifndef MEMCG_PRIO_LOADER_KERNEL_LOWCTL_H
#define MEMCG_PRIO_LOADER_KERNEL_LOWCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "kernel/savedvals.h"
#include "policy/prio.h"

struct prio_status;

struct prio_lowctl {
	uint64_t page_size;
	uint32_t n_groups;
	struct prio_group_cfg cfg[PRIO_MAX_GROUPS];
	struct prio_savedvals low;	/* memory.low: .v[i].ours is raised */
	/*
	 * The cgroups above the groups that a shield went through, as they
	 * come: name, the first group that needed it; path, the cgroup.
	 */
	struct prio_group_cfg above_cfg[PRIO_MAX_GROUPS];
	struct prio_savedvals above;	/* their memory.low; .n of them */
};

/* The state file for the policy pinned at pin_path, into buf. */
int prio_lowctl_state_file(const char *pin_path, char *buf, size_t len);

/*
 * Set up control of memory.low for the groups cfg[0..n) and write the state
 * files (state_file, and state_file with "-above" for the cgroups above
 * them) with this process as their owner.  0 or -errno with a message.
 */
int prio_lowctl_init(struct prio_lowctl *l, const char *state_file,
		     const struct prio_group_cfg *cfg, uint32_t n, bool dry_run,
		     char *err, size_t errlen);

/*
 * One poll: shield[i] says whether group i is pressed now in a domain with
 * a throttled lower group, domain[i] is that domain's cgroup id.  Raise,
 * keep or restore each group's memory.low, and that of the cgroups between
 * it and the domain; a line per change to out.
 */
void prio_lowctl_update(struct prio_lowctl *l, const bool *shield,
			const uint64_t *domain, const struct prio_status *st,
			FILE *out);

/* Restore every memory.low we raised and remove the state file. */
int prio_lowctl_restore_all(struct prio_lowctl *l, FILE *out);

/*
 * As prio_highctl_recover(), for memory.low: restore what a gone owner of
 * state_file (and of its "-above" file) left raised, remove the files.
 * The number restored, 0 when there is no file, -EBUSY if the owner runs,
 * or -errno; with a message.
 */
int prio_lowctl_recover(const char *state_file, FILE *out, char *err,
			size_t errlen);

/*
 * Fill each group's memory.low fields of st from state_file, and
 * st->low_above from its "-above" file.  0 or -errno.
 */
int prio_lowctl_read_state(const char *state_file, struct prio_status *st);

#endif

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
 * Protection reaches the group only from the domain's cgroup down: the
 * kernel caps a group's effective memory.low by its ancestors', so the
 * cgroups between the domain and the group need a memory.low of their
 * own, which memcg-prio does not write yet (memory_recursiveprot does not
 * help: it hands an ancestor's protection down, and these have none);
 * and a domain that is the group's own cgroup (a pod with a nested
 * sidecar group) cannot shield it at all.  The give-back (reclaimctl.c)
 * still works in both cases.
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
};

/* The state file for the policy pinned at pin_path, into buf. */
int prio_lowctl_state_file(const char *pin_path, char *buf, size_t len);

/*
 * Set up control of memory.low for the groups cfg[0..n) and write the state
 * file with this process as its owner.  0 or -errno with a message.
 */
int prio_lowctl_init(struct prio_lowctl *l, const char *state_file,
		     const struct prio_group_cfg *cfg, uint32_t n, bool dry_run,
		     char *err, size_t errlen);

/*
 * One poll: shield[i] says whether group i is pressed now in a domain with
 * a throttled lower group.  Raise, keep or restore each group's memory.low;
 * a line per change to out.
 */
void prio_lowctl_update(struct prio_lowctl *l, const bool *shield,
			const struct prio_status *st, FILE *out);

/* Restore every memory.low we raised and remove the state file. */
int prio_lowctl_restore_all(struct prio_lowctl *l, FILE *out);

/*
 * As prio_highctl_recover(), for memory.low: restore what a gone owner of
 * state_file left raised, remove the file.  The number restored, 0 when
 * there is no file, -EBUSY if the owner runs, or -errno; with a message.
 */
int prio_lowctl_recover(const char *state_file, FILE *out, char *err,
			size_t errlen);

/* Fill each group's memory.low fields of st from state_file.  0 or -errno. */
int prio_lowctl_read_state(const char *state_file, struct prio_status *st);

#endif

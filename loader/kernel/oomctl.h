// SPDX-License-Identifier: GPL-2.0-only
/*
 * OOM priority on a kernel without an OOM hook: the stock fallback of
 * [global] oom = priority.  The kernel, not memcg-prio, picks the victim
 * of an OOM: the task of the OOM's domain with the highest badness, its
 * memory (rss, swap, page tables, in pages) plus oom_score_adj / 1000 of
 * the domain's memory (RAM plus swap for a global OOM, the limit plus its
 * swap for a memcg OOM).  memcg-prio --foreground steers that choice: it
 * keeps the oom_score_adj of every process in the groups' cgroups
 * (recursively, a nested group taking over its subtree) in a band per
 * priority, the lowest priority 1000 and the highest 0, evenly spaced in
 * between (prio_oom_band()).  So, in one OOM's domain, a task of a lower
 * group is chosen before a task of a higher group unless the higher one
 * holds more memory than the lower one by more than the bands' distance
 * / 1000 of the domain's memory; with two priorities the distance is
 * 1000: the lower group loses as long as it has a killable task there.
 *
 * What it cannot do: choose (the kernel does; a task outside every group
 * keeps its own value); catch a process that enters a group within the
 * poll period (100 ms in mode memory.high, 200 ms with the hook) before
 * an OOM does (a child forked inside a group inherits its parent's value
 * at once); make a group unkillable (oom_kill = false gives -999, the
 * last resort, never -1000).  It never touches a process whose
 * oom_score_adj is -1000, or not 0 when first seen and not a band's
 * value (someone set it); a process first seen at a band's value (a child
 * of one adjusted by a run before) counts as 0 originally.
 *
 * Nothing written is lost: each process's original value and the value
 * written go to a state file (PRIO_RUN_DIR, ".oom") before the write, so
 * that the exit, a later run or --detach restores it; a process that died
 * is skipped (its start time tells a reused pid), one whose value someone
 * else changed is left alone.  The same for memory.oom.group (oom_group
 * = yes|no) and the systemd-oomd xattrs (oomd_preference).  The kills
 * themselves are counted from each group's memory.events.
 */
#ifndef MEMCG_PRIO_LOADER_KERNEL_OOMCTL_H
#define MEMCG_PRIO_LOADER_KERNEL_OOMCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "conf/priority.h"
#include "policy/prio.h"

#define PRIO_OOM_ADJ_MAX	1000	/* the lowest priority's band */
#define PRIO_OOM_ADJ_NO_KILL	(-999)	/* oom_kill = false */
#define PRIO_OOM_ADJ_UNKILLABLE	(-1000)	/* never touched */

struct prio_status;

/* Who carries out [global] oom = priority on this kernel. */
enum prio_oom_backend {
	PRIO_OOM_BACKEND_NONE,		/* oom = kernel: only count kills */
	PRIO_OOM_BACKEND_SCORE_ADJ,	/* no OOM hook: oom_score_adj bands */
	PRIO_OOM_BACKEND_HOOK,		/* the kernel asks the policy */
};

/*
 * The backend for setting oom on a kernel with (has_hook: bpf_oom_ops and
 * a cgroup attach for it, prio_kernel.oom_abi) or without an OOM hook:
 * NONE for oom = kernel, else HOOK or SCORE_ADJ.  The one place that
 * chooses.
 */
enum prio_oom_backend prio_oom_backend(enum prio_oom setting, bool has_hook);

/*
 * oom_score_adj of group i of the priorities prio[0..n): the lowest
 * priority PRIO_OOM_ADJ_MAX, the highest 0, the distinct priorities in
 * between evenly spaced (rounded down); PRIO_OOM_ADJ_NO_KILL if the group
 * may not be killed.  Bands never go below 0, so that the groups' tasks
 * are not made safer than tasks outside every group.
 */
int prio_oom_band(const uint32_t *prio, uint32_t n, uint32_t i, bool oom_kill);

/* The smallest distance between two bands of prio[0..n), 1000 if one. */
int prio_oom_band_spacing(const uint32_t *prio, uint32_t n);

struct prio_oom_task {
	pid_t pid;
	uint64_t start;			/* /proc/PID/stat starttime: reuse */
	int original, written;		/* written == original: untouched */
	uint32_t group;
	bool hands_off;			/* -1000, or someone else's value */
	bool seen;			/* in a group's cgroup this poll */
};

struct prio_oomctl_group {
	char name[PRIO_NAME_LEN];
	char path[PRIO_CGROUP_PATH_LEN];	/* absolute */
	uint32_t priority;
	int band;
	enum prio_oom_group oom_group;
	enum prio_oomd_pref oomd;
	int oom_group_original;		/* -1: not written by us */
	bool xattr_set;			/* we created the oomd xattr */
	uint64_t events[3];		/* oom, oom_kill, oom_group_kill */
	uint32_t n_ancestors;		/* cgroups from the group's up, */
	char (*ancestors)[PRIO_CGROUP_PATH_LEN];	/* root excluded */
	uint64_t *ancestor_ooms;
	/* The nearest ancestor whose oom count rose, until a kill in the
	 * group is reported: the kernel counts the OOM before the kill, and
	 * a poll can come between the two. */
	bool domain_pending;
	uint32_t domain_index;		/* in ancestors */
	uint64_t domain_ns;		/* the poll that saw it */
	uint32_t adjusted;		/* processes in our band now */
};

struct prio_oomctl {
	char state_file[512];
	char cgroup_root[PRIO_PATH_MAX];
	enum prio_oom_backend backend;
	bool dry_run;
	uint32_t n_groups;
	struct prio_oomctl_group g[PRIO_MAX_GROUPS];
	size_t n_tasks, cap_tasks;
	struct prio_oom_task *tasks;
	const char *proc;		/* "/proc"; tests point elsewhere */
};

/* The state file for the policy pinned at pin_path, into buf. */
int prio_oomctl_state_file(const char *pin_path, char *buf, size_t len);

/*
 * Take charge of OOM for the groups of c (paths under its cgroup_root):
 * memory.oom.group and the xattrs now, oom_score_adj from the first poll.
 * Writes the state file with this process as its owner.  0 or -errno
 * with a message.  prio_oomctl_free() frees it.
 */
int prio_oomctl_init(struct prio_oomctl *o, const char *state_file,
		     const struct prio_config *c, enum prio_oom_backend backend,
		     bool dry_run, FILE *out, char *err, size_t errlen);

/*
 * One poll at now_ns (for the time stamps): adjust new processes, restore
 * those that left, and print a line per OOM kill seen in a group.
 */
void prio_oomctl_update(struct prio_oomctl *o, uint64_t now_ns, FILE *out);

/* Restore everything written, remove the state file, free.  0 or -EIO. */
int prio_oomctl_restore_all(struct prio_oomctl *o, FILE *out);

/*
 * Restore what a gone owner of state_file left, remove the file.  The
 * number of things restored, 0 when there is no file, -EBUSY if the owner
 * runs, or -errno; with a message.  proc is "/proc" but in tests.
 */
int prio_oomctl_recover(const char *state_file, const char *proc, FILE *out,
			char *err, size_t errlen);

/*
 * Fill each group's OOM counters of st from its memory.events and the
 * count of processes in band from state_file (NULL: none).
 */
void prio_oomctl_read_status(const char *state_file, struct prio_status *st);

/*
 * oomevents.c: memory.events oom, oom_kill and oom_group_kill of the
 * cgroup at path into v[0..2]; a key it cannot read leaves its v.  0 or
 * -errno.
 */
int prio_oom_events_read(const char *path, uint64_t v[3]);

/* Print a line if group i lost tasks to an OOM since the last call. */
void prio_oomctl_report_kills(struct prio_oomctl *o, uint32_t i,
			      uint64_t now_ns, FILE *out);

/*
 * oomevents.c: a line for the OOM hook's last kill if it killed since
 * old; cur->last.index indexes o's groups (the config's order).
 */
struct prio_oom_state;
void prio_oomctl_report_hook(const struct prio_oomctl *o,
			     const struct prio_oom_state *old,
			     const struct prio_oom_state *cur, uint64_t now_ns,
			     FILE *out);

/* The domain of an OOM in words: "global", "limit of PATH" with PATH the
 * ancestor of group_path whose cgroup id is domain_id, else "limit of
 * cgroup N". */
void prio_oom_domain_name(const char *group_path, uint64_t domain_id,
			  char *buf, size_t len);

/* user.oomd_avoid or user.oomd_omit, NULL for none. */
const char *prio_oomd_xattr(enum prio_oomd_pref p);

#endif

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Values of a cgroup file saved before we changed them, kept in a state
 * file, restored exactly: the memory.high that highctl.c lowers and the
 * memory.low that lowctl.c raises.
 *
 * Record, then write: each group's original value, the value we wrote
 * last and the one before it (a crash may fall between recording and
 * writing) go to the state file (PRIO_RUN_DIR, one per pin path and
 * file) before the cgroup file is written, so that a later run or
 * --detach puts back what a killed process left.  A file that no longer
 * holds what we wrote belongs to another writer: its value is kept, and
 * the group is left alone from then on.
 *
 * The state file, written atomically (tmp file, fsync, rename):
 *
 *	MAGIC
 *	pid OWNER
 *	group NAME ORIGINAL WRITTEN PREV PATH
 *	...
 *
 * oomctl.c keeps other lines under the same first two, through
 * prio_savedvals_write_file() and prio_savedvals_owner().
 */
#ifndef MEMCG_PRIO_LOADER_KERNEL_SAVEDVALS_H
#define MEMCG_PRIO_LOADER_KERNEL_SAVEDVALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "policy/prio.h"

struct prio_status;
struct prio_group_status;

/* Which cgroup file, and the words its state file and messages use. */
struct prio_savedvals_kind {
	const char *magic;	/* the state file's first line */
	const char *file;	/* "memory.high" */
	const char *changed;	/* "lowered": what we did to it */
	const char *state;	/* "throttled": what the group is meanwhile */
	int open_flags;		/* added to each write (O_NONBLOCK) */
	bool max_word;		/* PRIO_CG_MAX is "max" in the file and lines */
	bool say_unreadable;	/* recover: a line for a file it cannot read */
	bool say_path;		/* restore's line names the file by its path:
				 * the entry's cgroup is not its group's */
};

/* One group's file. */
struct prio_savedval {
	bool ours;			/* the file holds what we wrote */
	bool yielded;			/* another writer changed it: hands off */
	uint64_t original;		/* the value before us */
	uint64_t written, prev;		/* the last value we wrote, and the one
					 * before it (a crash may fall between) */
};

struct prio_savedvals {
	const struct prio_savedvals_kind *kind;
	char state_file[512];
	bool dry_run;			/* nothing written, no state file */
	uint32_t n;
	const struct prio_group_cfg *cfg;	/* the n groups' names and paths */
	struct prio_savedval v[PRIO_MAX_GROUPS];
};

/* A "group" line of a state file. */
struct prio_savedval_entry {
	char name[PRIO_NAME_LEN];
	char path[PRIO_CGROUP_PATH_LEN];
	uint64_t original, written, prev;
};

/*
 * Write state_file atomically: magic, "pid <this process>", then what
 * lines(f, ctx) prints; its directory is created if missing.  0 or -errno.
 */
int prio_savedvals_write_file(const char *state_file, const char *magic,
			      void (*lines)(FILE *f, const void *ctx),
			      const void *ctx);

/*
 * The owner recorded in state_file (0 if its first line is not magic),
 * and whether it runs and is not this process.  0, or -errno of the open
 * (-ENOENT: no state file).
 */
int prio_savedvals_owner(const char *state_file, const char *magic,
			 pid_t *ret_pid, bool *ret_alive);

/*
 * Start with no file of the groups cfg[0..n) changed (cfg must stay where
 * it is while s is used) and write the state file with this process as
 * its owner.  0 or -errno of the write.
 */
int prio_savedvals_init(struct prio_savedvals *s,
			const struct prio_savedvals_kind *kind,
			const char *state_file, const struct prio_group_cfg *cfg,
			uint32_t n, bool dry_run);

/* Write the state file (nothing when dry_run).  0 or -errno. */
int prio_savedvals_save(const struct prio_savedvals *s);

/*
 * Another writer changed group i's file from what we wrote to cur: if
 * so, let it go for good (the state file forgets it), print a line after
 * the time stamp now_ns, and return true.
 */
bool prio_savedvals_lost(struct prio_savedvals *s, uint32_t i, uint64_t cur,
			 uint64_t now_ns, FILE *out);

/*
 * Write v to group i's file, whose value was cur when the caller read it;
 * first record it (and cur as the original, if the file is not ours yet)
 * in the state file.  The save syncs the file, which can take long enough
 * for another writer to come in, so the value is read again just before
 * the write: if it is no longer cur, the record is undone, the change
 * handled as prio_savedvals_lost() does (at the time stamp now_ns, a line
 * to out) and nothing written.  0 after the write, 1 if another writer
 * came in, or -errno of the save, the read or the write.
 */
int prio_savedvals_set(struct prio_savedvals *s, uint32_t i, uint64_t cur,
		       uint64_t v, uint64_t now_ns, FILE *out);

/*
 * Put group i's original value back, unless another writer changed it
 * (prio_savedvals_lost()) or the cgroup is gone; a line to out.  0 or
 * -errno (the file is still ours then).
 */
int prio_savedvals_restore(struct prio_savedvals *s, uint32_t i,
			   uint64_t now_ns, FILE *out);

/* Restore every group's file and remove the state file.  0 or -errno. */
int prio_savedvals_restore_all(struct prio_savedvals *s, FILE *out);

/*
 * Restore what the process recorded in state_file left, if that process
 * is gone, and remove the file.  The number of groups restored (0 also
 * when there is no file), or -EBUSY with a message if the owner still
 * runs (its pid into *ret_owner if not NULL), or -errno with a message.
 * A line about each group to out.
 */
int prio_savedvals_recover(const struct prio_savedvals_kind *kind,
			   const char *state_file, FILE *out, pid_t *ret_owner,
			   char *err, size_t errlen);

/* Call fn(ctx, e) for each entry e of the state file.  0 or -errno. */
int prio_savedvals_each(const struct prio_savedvals_kind *kind,
			const char *state_file,
			void (*fn)(void *ctx, const struct prio_savedval_entry *e),
			void *ctx);

/*
 * Call fill(g, e) for each group g of st that the state file has an entry
 * e for.  0 or -errno.
 */
int prio_savedvals_read(const struct prio_savedvals_kind *kind,
			const char *state_file, struct prio_status *st,
			void (*fill)(struct prio_group_status *g,
				     const struct prio_savedval_entry *e));

/* v as the state file and the lines have it ("max" or a number), into buf. */
void prio_savedvals_format(const struct prio_savedvals_kind *kind, uint64_t v,
			   char *buf, size_t len);

#endif

// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "kernel/cgfile.h"
#include "kernel/highctl.h"
#include "kernel/lowctl.h"
#include "print/status.h"
#include "util.h"
#include "kernel/view.h"

#define STATE_MAGIC	"memcg-prio memory.low state 1"

/* --- The state file -------------------------------------------------------- */

int prio_lowctl_state_file(const char *pin_path, char *buf, size_t len)
{
	return prio_run_state_file(pin_path, ".memory-low", buf, len);
}

/* The raised groups of l, atomically: tmp file, fsync, rename. */
static int state_save(const struct prio_lowctl *l)
{
	char tmp[sizeof(l->state_file) + 8];
	FILE *f;
	int r = 0;

	if (l->dry_run)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s", l->state_file);
	if (strrchr(tmp, '/'))
		*strrchr(tmp, '/') = '\0';
	if (tmp[0] && mkdir(tmp, 0700) < 0 && errno != EEXIST)
		return -errno;
	snprintf(tmp, sizeof(tmp), "%s.new", l->state_file);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fchmod(fileno(f), 0600);
	fprintf(f, "%s\npid %ld\n", STATE_MAGIC, (long)getpid());
	for (uint32_t i = 0; i < l->n_groups; i++) {
		const struct prio_lowctl_group *g = &l->g[i];

		if (g->raised)
			fprintf(f, "group %s %" PRIu64 " %" PRIu64 " %" PRIu64
				" %s\n", l->cfg[i].name, g->original, g->written,
				g->prev, l->cfg[i].path);
	}
	if (fflush(f) || fsync(fileno(f)))
		r = -errno;
	if (fclose(f) && !r)
		r = -errno;
	if (!r && rename(tmp, l->state_file) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

struct low_entry {
	char name[PRIO_NAME_LEN];
	char path[PRIO_CGROUP_PATH_LEN];
	uint64_t original, written, prev;
};

/* "group NAME ORIGINAL WRITTEN PREV PATH" */
static int parse_entry(const char *line, struct low_entry *e)
{
	int off = 0;

	if (sscanf(line, "group %32s %" SCNu64 " %" SCNu64 " %" SCNu64 " %n",
		   e->name, &e->original, &e->written, &e->prev, &off) != 4 ||
	    !off)
		return -EINVAL;
	snprintf(e->path, sizeof(e->path), "%s", line + off);
	e->path[strcspn(e->path, "\n")] = '\0';
	return e->path[0] == '/' ? 0 : -EINVAL;
}

/* The owner's pid recorded in f (after the magic line), 0 if none. */
static long read_owner(FILE *f)
{
	char line[64];
	long pid = 0;

	if (!fgets(line, sizeof(line), f) ||
	    strncmp(line, STATE_MAGIC, strlen(STATE_MAGIC)) ||
	    fscanf(f, "pid %ld\n", &pid) != 1)
		return 0;
	return pid;
}

static bool pid_alive(long pid)
{
	return pid > 0 && pid != getpid() &&
	       (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/* Put back what e recorded, if memory.low is still what we wrote. */
static bool recover_entry(const struct low_entry *e, long owner, FILE *out)
{
	uint64_t cur;
	int r;

	r = prio_cg_read_u64(e->path, "memory.low", &cur);
	if (r < 0 || cur == e->original)
		return false;
	if (cur != e->written && cur != e->prev) {
		fprintf(out, "memcg-prio: group '%s': %s/memory.low is %" PRIu64
			", not what memcg-prio wrote: left as it is (it was %"
			PRIu64 ")\n", e->name, e->path, cur, e->original);
		return false;
	}
	r = prio_cg_write_u64(e->path, "memory.low", e->original, 0);
	if (r < 0) {
		fprintf(out, "memcg-prio: group '%s': cannot restore "
			"%s/memory.low to %" PRIu64 ": %s\n", e->name, e->path,
			e->original, strerror(-r));
		return false;
	}
	fprintf(out, "memcg-prio: group '%s': restored %s/memory.low from %"
		PRIu64 " to %" PRIu64 " (left raised by pid %ld)\n", e->name,
		e->path, cur, e->original, owner);
	return true;
}

int prio_lowctl_recover(const char *state_file, FILE *out, char *err,
			size_t errlen)
{
	char line[PRIO_CGROUP_PATH_LEN + 128];
	struct low_entry e;
	long pid;
	FILE *f;
	int n = 0;

	f = fopen(state_file, "re");
	if (!f)
		return errno == ENOENT ? 0 : prio_fail(err, errlen, -errno,
			"cannot read %s: %s", state_file, strerror(errno));
	pid = read_owner(f);
	if (pid_alive(pid)) {
		fclose(f);
		return prio_fail(err, errlen, -EBUSY, "memcg-prio --foreground "
				 "(pid %ld) controls memory.low for this policy "
				 "(%s): stop it first (SIGTERM restores what it "
				 "raised)", pid, state_file);
	}
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "group ", 6) && parse_entry(line, &e) == 0)
			n += recover_entry(&e, pid, out);
	fclose(f);
	if (unlink(state_file) < 0 && errno != ENOENT)
		return prio_fail(err, errlen, -errno, "cannot remove %s: %s",
				 state_file, strerror(errno));
	return n;
}

int prio_lowctl_read_state(const char *state_file, struct prio_status *st)
{
	char line[PRIO_CGROUP_PATH_LEN + 128];
	struct low_entry e;
	FILE *f = fopen(state_file, "re");

	if (!f)
		return -errno;
	read_owner(f);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "group ", 6) || parse_entry(line, &e) < 0)
			continue;
		for (uint32_t i = 0; i < st->n_groups; i++) {
			struct prio_group_status *g = &st->groups[i];

			if (strcmp(g->cfg.path, e.path))
				continue;
			g->low_raised = true;
			g->low_original = e.original;
			g->low_written = e.written;
		}
	}
	fclose(f);
	return 0;
}

/* --- Control --------------------------------------------------------------- */

int prio_lowctl_init(struct prio_lowctl *l, const char *state_file,
		     const struct prio_group_cfg *cfg, uint32_t n, bool dry_run,
		     char *err, size_t errlen)
{
	int r;

	memset(l, 0, sizeof(*l));
	snprintf(l->state_file, sizeof(l->state_file), "%s", state_file);
	l->dry_run = dry_run;
	l->page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	l->n_groups = n;
	memcpy(l->cfg, cfg, n * sizeof(*cfg));
	r = state_save(l);
	return r < 0 ? prio_fail(err, errlen, r, "cannot write %s: %s",
				 state_file, strerror(-r)) : 0;
}

static void stamp(const struct prio_status *st, FILE *out)
{
	prio_status_stamp(st->now_ns, out);
}

/* memory.low changed under us: say so, forget the group for good. */
static void yield(struct prio_lowctl *l, uint32_t i, uint64_t cur,
		  const struct prio_status *st, FILE *out)
{
	l->g[i].raised = false;
	l->g[i].yielded = true;
	state_save(l);
	stamp(st, out);
	fprintf(out, "group '%s': %s/memory.low changed to %" PRIu64 " by "
		"another writer: memcg-prio no longer touches it\n",
		l->cfg[i].name, l->cfg[i].path, cur);
}

/*
 * The shield of group i: its usage, at most its own memory.max and
 * memory.high, in whole pages.  0 if a file cannot be read.
 */
static uint64_t shield_of(const struct prio_lowctl *l, uint32_t i)
{
	uint64_t usage, max, high, v;

	if (prio_cg_read_u64(l->cfg[i].path, "memory.current", &usage) < 0 ||
	    prio_cg_read_u64(l->cfg[i].path, "memory.max", &max) < 0 ||
	    prio_cg_read_u64(l->cfg[i].path, "memory.high", &high) < 0)
		return 0;
	v = usage < max ? usage : max;
	v = v < high ? v : high;
	return v / l->page_size * l->page_size;
}

static void raise_low(struct prio_lowctl *l, uint32_t i,
		      const struct prio_status *st, FILE *out)
{
	struct prio_lowctl_group *g = &l->g[i];
	uint64_t cur, want;
	int r;

	if (prio_cg_read_u64(l->cfg[i].path, "memory.low", &cur) < 0)
		return;
	if (g->raised && !l->dry_run && cur != g->written) {
		yield(l, i, cur, st, out);
		return;
	}
	want = shield_of(l, i);
	/* Only upwards, by a step of at least 1 MiB: no churn. */
	if (want <= (g->raised ? g->written : cur) ||
	    (g->raised && want < g->written + (1u << 20)))
		return;
	if (!g->raised)
		g->original = cur;
	g->prev = g->raised ? g->written : want;
	g->written = want;
	g->raised = true;
	r = state_save(l);
	if (!r && !l->dry_run)
		r = prio_cg_write_u64(l->cfg[i].path, "memory.low", want, 0);
	if (r < 0) {
		stamp(st, out);
		fprintf(out, "group '%s': cannot raise %s/memory.low: %s\n",
			l->cfg[i].name, l->cfg[i].path, strerror(-r));
		return;
	}
	if (g->prev != g->written)
		return;		/* grown with the usage: no line */
	stamp(st, out);
	fprintf(out, "group '%s' %sshielded (memory.low %" PRIu64 " -> %"
		PRIu64 ", its usage)\n", l->cfg[i].name,
		l->dry_run ? "would be " : "", g->original, want);
}

static int restore(struct prio_lowctl *l, uint32_t i,
		   const struct prio_status *st, FILE *out)
{
	struct prio_lowctl_group *g = &l->g[i];
	uint64_t cur;
	int r = 0;

	if (!l->dry_run) {
		r = prio_cg_read_u64(l->cfg[i].path, "memory.low", &cur);
		if (r == -ENOENT) {
			g->raised = false;	/* the cgroup is gone */
			return state_save(l);
		}
		if (!r && cur != g->written) {
			yield(l, i, cur, st, out);
			return 0;
		}
		if (!r)
			r = prio_cg_write_u64(l->cfg[i].path, "memory.low",
					      g->original, 0);
	}
	stamp(st, out);
	if (r < 0) {
		fprintf(out, "group '%s': cannot restore %s/memory.low: %s\n",
			l->cfg[i].name, l->cfg[i].path, strerror(-r));
		return r;
	}
	g->raised = false;
	fprintf(out, "group '%s' no longer %sshielded (memory.low back to %"
		PRIu64 ")\n", l->cfg[i].name, l->dry_run ? "would be " : "",
		g->original);
	return state_save(l);
}

void prio_lowctl_update(struct prio_lowctl *l, const bool *shield,
			const struct prio_status *st, FILE *out)
{
	for (uint32_t i = 0; i < l->n_groups; i++) {
		if (l->g[i].yielded)
			continue;
		if (shield[i])
			raise_low(l, i, st, out);
		else if (l->g[i].raised)
			restore(l, i, st, out);
	}
	fflush(out);
}

int prio_lowctl_restore_all(struct prio_lowctl *l, FILE *out)
{
	struct prio_status *st = calloc(1, sizeof(*st));
	struct timespec ts;
	int r = 0;

	if (!st)
		return -ENOMEM;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	st->now_ns = (uint64_t)ts.tv_sec * 1000000000ULL +
		     (uint64_t)ts.tv_nsec;
	for (uint32_t i = 0; i < l->n_groups; i++)
		if (l->g[i].raised && restore(l, i, st, out) < 0)
			r = -EIO;
	free(st);
	if (!r && !l->dry_run && unlink(l->state_file) < 0 && errno != ENOENT)
		r = -errno;
	fflush(out);
	return r;
}

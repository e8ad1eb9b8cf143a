// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "kernel/highctl.h"
#include "kernel/cgfile.h"
#include "print/status.h"
#include "util.h"
#include "kernel/view.h"

#include "policy/prio_math.h"

_Static_assert(PRIO_HIGH_MAX == PRIO_CG_MAX, "memory.high's max is cgfile.c's");

#define STATE_MAGIC	"memcg-prio memory.high state 1"

/* --- memory.high and memory.current -------------------------------------- */

void prio_high_format(uint64_t v, char *buf, size_t len)
{
	if (v == PRIO_HIGH_MAX)
		snprintf(buf, len, "max");
	else
		snprintf(buf, len, "%" PRIu64, v);
}

/* Write memory.high without reclaiming in this process (O_NONBLOCK). */
static int write_high(const char *dir, uint64_t v)
{
	return prio_cg_write_u64(dir, "memory.high", v, O_NONBLOCK);
}

/* --- The state file ------------------------------------------------------- */

int prio_highctl_state_file(const char *pin_path, char *buf, size_t len)
{
	return prio_run_state_file(pin_path, ".memory-high", buf, len);
}

/* Write the lowered groups of h, atomically: tmp file, fsync, rename. */
static int state_save(const struct prio_highctl *h)
{
	char tmp[sizeof(h->state_file) + 8], orig[32];
	FILE *f;
	int r = 0;

	if (h->dry_run)
		return 0;
	/* Its directory, PRIO_RUN_DIR unless a test says otherwise. */
	snprintf(tmp, sizeof(tmp), "%s", h->state_file);
	if (strrchr(tmp, '/'))
		*strrchr(tmp, '/') = '\0';
	if (tmp[0] && mkdir(tmp, 0700) < 0 && errno != EEXIST)
		return -errno;
	snprintf(tmp, sizeof(tmp), "%s.new", h->state_file);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fchmod(fileno(f), 0600);
	fprintf(f, "%s\npid %ld\n", STATE_MAGIC, (long)getpid());
	for (uint32_t i = 0; i < h->n_groups; i++) {
		const struct prio_highctl_group *g = &h->g[i];

		if (!g->lowered)
			continue;
		prio_high_format(g->original, orig, sizeof(orig));
		fprintf(f, "group %s %s %" PRIu64 " %" PRIu64 " %s\n",
			h->cfg[i].name, orig, g->written, g->prev,
			h->cfg[i].path);
	}
	if (fflush(f) || fsync(fileno(f)))
		r = -errno;
	if (fclose(f) && !r)
		r = -errno;
	if (!r && rename(tmp, h->state_file) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

struct state_entry {
	char name[PRIO_NAME_LEN];
	char path[PRIO_CGROUP_PATH_LEN];
	uint64_t original, written, prev;
};

/* Parse one "group NAME ORIGINAL WRITTEN PREV PATH" line. */
static int parse_entry(const char *line, struct state_entry *e)
{
	char orig[32];
	int off = 0;

	if (sscanf(line, "group %32s %31s %" SCNu64 " %" SCNu64 " %n", e->name,
		   orig, &e->written, &e->prev, &off) != 4 || !off)
		return -EINVAL;
	snprintf(e->path, sizeof(e->path), "%s", line + off);
	e->path[strcspn(e->path, "\n")] = '\0';
	if (strcmp(orig, "max") == 0)
		e->original = PRIO_HIGH_MAX;
	else if (sscanf(orig, "%" SCNu64, &e->original) != 1)
		return -EINVAL;
	return e->path[0] == '/' ? 0 : -EINVAL;
}

static bool pid_alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

int prio_highctl_owner(const char *state_file, pid_t *ret_pid, bool *ret_alive)
{
	char line[64];
	long pid = 0;
	FILE *f = fopen(state_file, "re");

	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f) || strncmp(line, STATE_MAGIC,
						      strlen(STATE_MAGIC)) ||
	    fscanf(f, "pid %ld", &pid) != 1)
		pid = 0;
	fclose(f);
	*ret_pid = (pid_t)pid;
	*ret_alive = pid_alive((pid_t)pid) && (pid_t)pid != getpid();
	return 0;
}

/* Put back what entry e recorded, if memory.high is still what we wrote. */
static bool recover_entry(const struct state_entry *e, pid_t owner, FILE *out)
{
	char orig[32], now[32];
	uint64_t cur;
	int r;

	prio_high_format(e->original, orig, sizeof(orig));
	r = prio_cg_read_u64(e->path, "memory.high", &cur);
	if (r < 0) {
		fprintf(out, "memcg-prio: group '%s': cannot read %s/memory.high "
			"(%s): nothing to restore\n", e->name, e->path,
			strerror(-r));
		return false;
	}
	if (cur == e->original)
		return false;
	prio_high_format(cur, now, sizeof(now));
	if (cur != e->written && cur != e->prev) {
		fprintf(out, "memcg-prio: group '%s': %s/memory.high is %s, not "
			"what memcg-prio wrote: left as it is (it was %s)\n",
			e->name, e->path, now, orig);
		return false;
	}
	r = write_high(e->path, e->original);
	if (r < 0) {
		fprintf(out, "memcg-prio: group '%s': cannot restore "
			"%s/memory.high to %s: %s\n", e->name, e->path, orig,
			strerror(-r));
		return false;
	}
	fprintf(out, "memcg-prio: group '%s': restored %s/memory.high from %s "
		"to %s (left lowered by pid %ld)\n", e->name, e->path, now, orig,
		(long)owner);
	return true;
}

int prio_highctl_recover(const char *state_file, FILE *out, pid_t *ret_owner,
			 char *err, size_t errlen)
{
	struct state_entry e;
	char line[PRIO_CGROUP_PATH_LEN + 128];
	bool alive;
	pid_t pid;
	FILE *f;
	int n = 0;

	if (prio_highctl_owner(state_file, &pid, &alive) < 0)
		return errno == ENOENT ? 0 : prio_fail(err, errlen, -errno,
			"cannot read %s: %s", state_file, strerror(errno));
	if (ret_owner)
		*ret_owner = pid;
	if (alive)
		return prio_fail(err, errlen, -EBUSY, "memcg-prio --foreground "
				 "(pid %ld) controls memory.high for this "
				 "policy (%s): stop it first (SIGTERM "
				 "restores what it lowered)", (long)pid,
				 state_file);
	f = fopen(state_file, "re");
	if (!f)
		return prio_fail(err, errlen, -errno, "cannot read %s: %s",
				 state_file, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "group ", 6) == 0 && parse_entry(line, &e) == 0)
			n += recover_entry(&e, pid, out);
	fclose(f);
	if (unlink(state_file) < 0 && errno != ENOENT)
		return prio_fail(err, errlen, -errno, "cannot remove %s: %s",
				 state_file, strerror(errno));
	return n;
}

int prio_highctl_read_state(const char *state_file, struct prio_status *st)
{
	char line[PRIO_CGROUP_PATH_LEN + 128];
	struct state_entry e;
	bool alive;
	pid_t pid;
	FILE *f;

	if (prio_highctl_owner(state_file, &pid, &alive) < 0)
		return -errno;
	st->owner_pid = pid;
	st->owner_alive = alive || pid == getpid();
	f = fopen(state_file, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "group ", 6) || parse_entry(line, &e) < 0)
			continue;
		for (uint32_t i = 0; i < st->n_groups; i++) {
			struct prio_group_status *g = &st->groups[i];

			if (strcmp(g->cfg.path, e.path))
				continue;
			g->high_lowered = true;
			g->high_original = e.original;
			g->high_written = e.written;
			g->throttled = true;
		}
	}
	fclose(f);
	return 0;
}

/* --- Control --------------------------------------------------------------- */

/* The cgroup ids of dir and its ancestors up to cgroup_root. */
static int find_ancestors(struct prio_highctl_group *g, const char *dir,
			  const char *cgroup_root)
{
	char path[PRIO_CGROUP_PATH_LEN];
	struct stat st;
	char *slash;

	snprintf(path, sizeof(path), "%s", dir);
	g->n_ancestors = 0;
	for (;;) {
		if (stat(path, &st) < 0)
			return -errno;
		if (g->n_ancestors == ARRAY_SIZE(g->ancestors))
			return -ELOOP;
		g->ancestors[g->n_ancestors++] = st.st_ino;
		if (!strcmp(path, cgroup_root))
			return 0;
		slash = strrchr(path, '/');
		if (!slash || slash == path)
			return -ENOENT;
		*slash = '\0';
	}
}

int prio_highctl_init(struct prio_highctl *h, const char *state_file,
		      const struct prio_group_cfg *cfg, uint32_t n,
		      const char *cgroup_root, bool dry_run, char *err,
		      size_t errlen)
{
	char file[PATH_MAX];
	int r;

	memset(h, 0, sizeof(*h));
	snprintf(h->state_file, sizeof(h->state_file), "%s", state_file);
	h->dry_run = dry_run;
	h->page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	h->n_groups = n;
	memcpy(h->cfg, cfg, n * sizeof(*cfg));
	for (uint32_t i = 0; i < n; i++) {
		if (!(cfg[i].link_flags & PRIO_LINK_MEMORY_HIGH))
			continue;
		if (prio_path_join(file, sizeof(file), cfg[i].path,
				   "memory.high") < 0 ||
		    faccessat(AT_FDCWD, file, W_OK, AT_EACCESS) < 0)
			return prio_fail(err, errlen, -errno, "group '%s': "
					 "cannot write %s/memory.high: %s",
					 cfg[i].name, cfg[i].path,
					 strerror(errno));
		r = find_ancestors(&h->g[i], cfg[i].path, cgroup_root);
		if (r < 0)
			return prio_fail(err, errlen, r, "group '%s': cannot "
					 "find the cgroups above %s: %s",
					 cfg[i].name, cfg[i].path, strerror(-r));
		for (uint32_t j = 0; j < n; j++)
			if (cfg[j].priority > cfg[i].priority &&
			    prio_path_contains(cfg[i].path, cfg[j].path))
				return prio_fail(err, errlen, -EINVAL, "group "
					"'%s' (%s) lies inside group '%s' of lower "
					"priority: mode = memory.high would "
					"throttle it with '%s'; use mode = hook",
					cfg[j].name, cfg[j].path, cfg[i].name,
					cfg[i].name);
	}
	r = state_save(h);
	return r < 0 ? prio_fail(err, errlen, r, "cannot write %s: %s",
				 state_file, strerror(-r)) : 0;
}

/* A domain of a higher group pressed now that contains group i, or NULL. */
static const struct prio_domain_state *
pressing(const struct prio_highctl *h, const struct prio_status *st,
	 uint32_t i, uint32_t *ret_by)
{
	const struct prio_highctl_group *g = &h->g[i];

	for (uint32_t j = 0; j < st->n_groups && j < h->n_groups; j++) {
		if (h->cfg[j].priority <= h->cfg[i].priority)
			break;
		for (int k = 0; k < PRIO_MAX_DOMAINS; k++) {
			const struct prio_domain_state *d =
				&st->groups[j].state.domains[k];

			if (!d->cgroup_id || d->pressured_until_ns <= st->now_ns)
				continue;
			for (uint32_t a = 0; a < g->n_ancestors; a++) {
				if (g->ancestors[a] == d->cgroup_id) {
					*ret_by = j;
					return d;
				}
			}
		}
	}
	return NULL;
}

uint32_t prio_highctl_presser(const struct prio_highctl *h,
			      const struct prio_status *st, uint32_t i)
{
	uint32_t by = PRIO_NO_GROUP;

	if (i >= h->n_groups || h->g[i].yielded ||
	    !(h->cfg[i].link_flags & PRIO_LINK_MEMORY_HIGH) ||
	    !pressing(h, st, i, &by))
		return PRIO_NO_GROUP;
	return by;
}

static void stamp(const struct prio_status *st, FILE *out)
{
	prio_status_stamp(st->now_ns, out);
}

/* memory.high changed under us: say so, forget the group for good. */
static void yield(struct prio_highctl *h, uint32_t i, uint64_t cur,
		  const struct prio_status *st, FILE *out)
{
	char now[32];

	prio_high_format(cur, now, sizeof(now));
	h->g[i].lowered = false;
	h->g[i].yielded = true;
	state_save(h);
	stamp(st, out);
	fprintf(out, "group '%s': %s/memory.high changed to %s by another "
		"writer: memcg-prio no longer touches it\n", h->cfg[i].name,
		h->cfg[i].path, now);
}

/* Record, then write: a crash in between leaves a value recover accepts. */
static int lower(struct prio_highctl *h, uint32_t i, uint64_t target)
{
	struct prio_highctl_group *g = &h->g[i];
	int r;

	g->prev = g->lowered ? g->written : target;
	g->written = target;
	g->lowered = true;
	r = state_save(h);
	if (!r && !h->dry_run)
		r = write_high(h->cfg[i].path, target);
	return r;
}

static int restore(struct prio_highctl *h, uint32_t i,
		   const struct prio_status *st, FILE *out);

/* No starvation: group i reached a bound or is under relief: restore. */
static bool spared(struct prio_highctl *h, uint32_t i,
		   const struct prio_status *st, FILE *out)
{
	const struct prio_group_cfg *c = &h->cfg[i];
	uint32_t v = prio_bound_check(c, &h->g[i].bound, st->now_ns);

	if (v == PRIO_BOUND_OK)
		return false;
	if (v != PRIO_BOUND_RELIEF) {
		stamp(st, out);
		if (v == PRIO_BOUND_HIT_CONTINUOUS)
			fprintf(out, "group '%s' gets %u ms of relief: throttled "
				"for %u ms without a break (throttle_max_ms)\n",
				c->name, c->relief_ms, c->throttle_max_ms);
		else
			fprintf(out, "group '%s' gets %u ms of relief: throttled "
				"for %u %% of %u ms (throttle_max_share)\n",
				c->name, c->relief_ms, c->throttle_max_share,
				c->throttle_window_ms);
	}
	if (h->g[i].lowered)
		restore(h, i, st, out);
	return true;
}

static void throttle(struct prio_highctl *h, uint32_t i, uint32_t by,
		     const struct prio_domain_state *d,
		     const struct prio_status *st, FILE *out)
{
	struct prio_highctl_group *g = &h->g[i];
	uint64_t cur, usage, pen, target;
	char domain[PRIO_CGROUP_PATH_LEN + 64], was[32];
	int r;

	if (spared(h, i, st, out))
		return;
	if (prio_cg_read_u64(h->cfg[i].path, "memory.high", &cur) < 0 ||
	    prio_cg_read_u64(h->cfg[i].path, "memory.current", &usage) < 0)
		return;
	if (g->lowered && !h->dry_run && cur != g->written) {
		yield(h, i, cur, st, out);
		return;
	}
	pen = (uint64_t)prio_penalty_pages(&h->cfg[i], d->severity) *
	      h->page_size;
	target = usage > 2 * pen ? (usage - pen) / h->page_size * h->page_size
				 : pen;
	/* Lower again only once the group came down to the last value. */
	if (g->lowered && (target >= g->written || usage > g->written + pen))
		return;
	if (!g->lowered && cur != PRIO_HIGH_MAX && target >= cur)
		return;		/* its own memory.high is lower already */
	if (!g->lowered)
		g->original = cur;
	r = lower(h, i, target);
	if (r < 0) {
		stamp(st, out);
		fprintf(out, "group '%s': cannot lower %s/memory.high: %s\n",
			h->cfg[i].name, h->cfg[i].path, strerror(-r));
		return;
	}
	if (g->prev != g->written)
		return;		/* a further step of the same throttling */
	g->by = by;
	prio_view_domain_name(h->cfg[by].path, d->cgroup_id, d->cause, domain,
			      sizeof(domain));
	prio_high_format(g->original, was, sizeof(was));
	stamp(st, out);
	fprintf(out, "group '%s' %sthrottled by '%s' (%s; memory.high %s -> "
		"%" PRIu64 ")\n", h->cfg[i].name, h->dry_run ? "would be " : "",
		h->cfg[by].name, domain, was, target);
}

static int restore(struct prio_highctl *h, uint32_t i,
		   const struct prio_status *st, FILE *out)
{
	struct prio_highctl_group *g = &h->g[i];
	char was[32];
	uint64_t cur;
	int r = 0;

	if (!h->dry_run) {
		r = prio_cg_read_u64(h->cfg[i].path, "memory.high", &cur);
		if (r == -ENOENT) {
			g->lowered = false;	/* the cgroup is gone */
			return state_save(h);
		}
		if (!r && cur != g->written) {
			yield(h, i, cur, st, out);
			return 0;
		}
		if (!r)
			r = write_high(h->cfg[i].path, g->original);
	}
	if (r < 0) {
		stamp(st, out);
		fprintf(out, "group '%s': cannot restore %s/memory.high: %s\n",
			h->cfg[i].name, h->cfg[i].path, strerror(-r));
		return r;
	}
	g->lowered = false;
	prio_high_format(g->original, was, sizeof(was));
	stamp(st, out);
	fprintf(out, "group '%s' no longer %sthrottled (memory.high back to "
		"%s)\n", h->cfg[i].name, h->dry_run ? "would be " : "", was);
	return state_save(h);
}

void prio_highctl_update(struct prio_highctl *h, const struct prio_status *st,
			 FILE *out)
{
	for (uint32_t i = 0; i < h->n_groups; i++) {
		const struct prio_domain_state *d;
		uint32_t by = 0;

		if (!(h->cfg[i].link_flags & PRIO_LINK_MEMORY_HIGH) ||
		    h->g[i].yielded)
			continue;
		d = pressing(h, st, i, &by);
		if (d)
			throttle(h, i, by, d, st, out);
		else if (h->g[i].lowered)
			restore(h, i, st, out);
	}
	fflush(out);
}

int prio_highctl_restore_all(struct prio_highctl *h, FILE *out)
{
	struct prio_status *st = calloc(1, sizeof(*st));
	struct timespec ts;
	int r = 0;

	if (!st)
		return -ENOMEM;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	st->now_ns = (uint64_t)ts.tv_sec * 1000000000ULL +
		     (uint64_t)ts.tv_nsec;
	for (uint32_t i = 0; i < h->n_groups; i++)
		if (h->g[i].lowered && restore(h, i, st, out) < 0)
			r = -EIO;
	free(st);
	if (!r && !h->dry_run && unlink(h->state_file) < 0 && errno != ENOENT)
		r = -errno;
	fflush(out);
	return r;
}

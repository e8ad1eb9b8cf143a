// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "kernel/cgfile.h"
#include "kernel/highctl.h"
#include "kernel/lowctl.h"
#include "kernel/savedvals.h"
#include "print/status.h"
#include "util.h"
#include "kernel/view.h"

static const struct prio_savedvals_kind low_kind = {
	.magic = "memcg-prio memory.low state 1",
	.file = "memory.low",
	.changed = "raised",
	.state = "shielded",
};

/* The cgroups between a shielded group and its domain's cgroup. */
static const struct prio_savedvals_kind above_kind = {
	.magic = "memcg-prio memory.low above state 1",
	.file = "memory.low",
	.changed = "raised",
	.state = "shielded through a cgroup above it",
	.say_path = true,
};

/* --- The state files ------------------------------------------------------- */

int prio_lowctl_state_file(const char *pin_path, char *buf, size_t len)
{
	return prio_run_state_file(pin_path, ".memory-low", buf, len);
}

static void above_file(const char *state_file, char *buf, size_t len)
{
	snprintf(buf, len, "%s-above", state_file);
}

int prio_lowctl_recover(const char *state_file, FILE *out, char *err,
			size_t errlen)
{
	char above[sizeof(((struct prio_savedvals *)0)->state_file)];
	int r, r2;

	r = prio_savedvals_recover(&low_kind, state_file, out, NULL, err,
				   errlen);
	if (r < 0)
		return r;
	above_file(state_file, above, sizeof(above));
	r2 = prio_savedvals_recover(&above_kind, above, out, NULL, err, errlen);
	return r2 < 0 ? r2 : r + r2;
}

static void fill_status(struct prio_group_status *g,
			const struct prio_savedval_entry *e)
{
	g->low_raised = true;
	g->low_original = e->original;
	g->low_written = e->written;
}

static void fill_above(void *ctx, const struct prio_savedval_entry *e)
{
	struct prio_status *st = ctx;
	struct prio_low_above *a;

	if (st->n_low_above == PRIO_MAX_GROUPS)
		return;
	a = &st->low_above[st->n_low_above++];
	memcpy(a->group, e->name, sizeof(a->group));
	memcpy(a->path, e->path, sizeof(a->path));
	a->original = e->original;
	a->written = e->written;
}

int prio_lowctl_read_state(const char *state_file, struct prio_status *st)
{
	char above[sizeof(((struct prio_savedvals *)0)->state_file)];
	int r = prio_savedvals_read(&low_kind, state_file, st, fill_status);

	if (r < 0)
		return r;
	st->n_low_above = 0;
	above_file(state_file, above, sizeof(above));
	r = prio_savedvals_each(&above_kind, above, fill_above, st);
	return r == -ENOENT ? 0 : r;
}

/* --- Control --------------------------------------------------------------- */

int prio_lowctl_init(struct prio_lowctl *l, const char *state_file,
		     const struct prio_group_cfg *cfg, uint32_t n, bool dry_run,
		     char *err, size_t errlen)
{
	int r;

	char above[sizeof(l->above.state_file)];

	memset(l, 0, sizeof(*l));
	l->page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	l->n_groups = n;
	memcpy(l->cfg, cfg, n * sizeof(*cfg));
	r = prio_savedvals_init(&l->low, &low_kind, state_file, l->cfg, n,
				dry_run);
	if (r < 0)
		return prio_fail(err, errlen, r, "cannot write %s: %s",
				 state_file, strerror(-r));
	above_file(state_file, above, sizeof(above));
	r = prio_savedvals_init(&l->above, &above_kind, above, l->above_cfg, 0,
				dry_run);
	return r < 0 ? prio_fail(err, errlen, r, "cannot write %s: %s", above,
				 strerror(-r)) : 0;
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
	const struct prio_savedval *v = &l->low.v[i];
	uint64_t cur, want;
	int r;

	if (prio_cg_read_u64(l->cfg[i].path, "memory.low", &cur) < 0)
		return;
	if (prio_savedvals_lost(&l->low, i, cur, st->now_ns, out))
		return;
	want = shield_of(l, i);
	/* Only upwards, by a step of at least 1 MiB: no churn. */
	if (want <= (v->ours ? v->written : cur) ||
	    (v->ours && want < v->written + (1u << 20)))
		return;
	r = prio_savedvals_set(&l->low, i, cur, want, st->now_ns, out);
	if (r < 0) {
		prio_status_stamp(st->now_ns, out);
		fprintf(out, "group '%s': cannot raise %s/memory.low: %s\n",
			l->cfg[i].name, l->cfg[i].path, strerror(-r));
		return;
	}
	if (r > 0 || v->prev != v->written)
		return;		/* another writer, or grown with the usage */
	prio_status_stamp(st->now_ns, out);
	fprintf(out, "group '%s' %sshielded (memory.low %" PRIu64 " -> %"
		PRIu64 ", its usage)\n", l->cfg[i].name,
		l->low.dry_run ? "would be " : "", v->original, want);
}

/*
 * The cgroups between the group at path and the domain whose cgroup id is
 * domain (the group's parent, its parent, ... up to the domain's child)
 * into above[], at most max; their number.  0 when the domain is the
 * group's parent, or not above it (the group's own cgroup: a pod's limit).
 */
static uint32_t between(const char *path, uint64_t domain,
			char (*above)[PRIO_CGROUP_PATH_LEN], uint32_t max)
{
	char p[PRIO_CGROUP_PATH_LEN], *slash;
	struct stat sb;
	uint32_t n = 0;
	dev_t dev;

	if (stat(path, &sb) < 0)
		return 0;
	dev = sb.st_dev;
	snprintf(p, sizeof(p), "%s", path);
	while ((slash = strrchr(p, '/')) && slash != p) {
		*slash = '\0';
		if (stat(p, &sb) < 0 || sb.st_dev != dev)
			return 0;
		if (sb.st_ino == domain)
			return n;
		if (n == max)
			return 0;
		snprintf(above[n++], PRIO_CGROUP_PATH_LEN, "%s", p);
	}
	return 0;
}

/* The slot of the cgroup at path above group i, made if new; or -1. */
static int above_slot(struct prio_lowctl *l, uint32_t i,
		      const char path[static PRIO_CGROUP_PATH_LEN])
{
	struct prio_group_cfg *c;
	uint32_t k;

	for (k = 0; k < l->above.n; k++)
		if (!strcmp(l->above_cfg[k].path, path))
			return (int)k;
	if (k == PRIO_MAX_GROUPS)
		return -1;
	c = &l->above_cfg[k];
	memcpy(c->name, l->cfg[i].name, sizeof(c->name));
	memcpy(c->path, path, sizeof(c->path));
	l->above.n = k + 1;
	return (int)k;
}

/* Cgroup k above: memory.low at want, never below the value it had. */
static void raise_above(struct prio_lowctl *l, uint32_t k, uint64_t want,
			const struct prio_status *st, FILE *out)
{
	const struct prio_group_cfg *c = &l->above_cfg[k];
	const struct prio_savedval *v = &l->above.v[k];
	uint64_t cur, to;
	int r;

	if (prio_cg_read_u64(c->path, "memory.low", &cur) < 0 ||
	    prio_savedvals_lost(&l->above, k, cur, st->now_ns, out))
		return;
	if (!v->ours) {
		if (want <= cur)
			return;		/* its own memory.low covers them */
		to = want;
	} else {
		to = want > v->original ? want : v->original;
		/* Steps of at least 1 MiB, either way: no churn. */
		if ((to > v->written ? to - v->written : v->written - to) <
		    (1u << 20))
			return;
		if (to == v->original) {
			prio_savedvals_restore(&l->above, k, st->now_ns, out);
			return;
		}
	}
	r = prio_savedvals_set(&l->above, k, cur, to, st->now_ns, out);
	if (r < 0) {
		prio_status_stamp(st->now_ns, out);
		fprintf(out, "group '%s': cannot raise %s/memory.low: %s\n",
			c->name, c->path, strerror(-r));
		return;
	}
	if (r > 0 || v->prev != v->written)
		return;		/* another writer, or a further step */
	prio_status_stamp(st->now_ns, out);
	fprintf(out, "group '%s' %sshielded through %s (memory.low %" PRIu64
		" -> %" PRIu64 ", what the groups below it are shielded with)\n",
		c->name, l->above.dry_run ? "would be " : "", c->path,
		v->original, to);
}

/*
 * Each cgroup between a shielded group and its domain: raised to the sum
 * of the shields below it; put back once no shield goes through it.
 */
static void update_above(struct prio_lowctl *l, const bool *shield,
			 const uint64_t *domain, const struct prio_status *st,
			 FILE *out)
{
	char above[PRIO_MAX_DEPTH][PRIO_CGROUP_PATH_LEN];
	uint64_t want[PRIO_MAX_GROUPS] = { 0 };
	uint32_t n;
	int slot;

	for (uint32_t i = 0; i < l->n_groups; i++) {
		if (!shield[i] || !l->low.v[i].ours)
			continue;
		n = between(l->cfg[i].path, domain[i], above, PRIO_MAX_DEPTH);
		for (uint32_t j = 0; j < n; j++) {
			slot = above_slot(l, i, above[j]);
			if (slot >= 0)
				want[slot] += l->low.v[i].written;
		}
	}
	for (uint32_t k = 0; k < l->above.n; k++) {
		if (l->above.v[k].yielded)
			continue;
		if (want[k])
			raise_above(l, k, want[k], st, out);
		else if (l->above.v[k].ours)
			prio_savedvals_restore(&l->above, k, st->now_ns, out);
	}
}

void prio_lowctl_update(struct prio_lowctl *l, const bool *shield,
			const uint64_t *domain, const struct prio_status *st,
			FILE *out)
{
	for (uint32_t i = 0; i < l->n_groups; i++) {
		if (l->low.v[i].yielded)
			continue;
		if (shield[i])
			raise_low(l, i, st, out);
		else if (l->low.v[i].ours)
			prio_savedvals_restore(&l->low, i, st->now_ns, out);
	}
	update_above(l, shield, domain, st, out);
	fflush(out);
}

/*
 * The cgroups above first: their state file goes before the groups', which
 * a later run looks for (clear_stale_low() in cli/context.c).
 */
int prio_lowctl_restore_all(struct prio_lowctl *l, FILE *out)
{
	int r = prio_savedvals_restore_all(&l->above, out);
	int r2 = prio_savedvals_restore_all(&l->low, out);

	return r < 0 ? r : r2;
}

// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "kernel/highctl.h"
#include "kernel/cgfile.h"
#include "kernel/savedvals.h"
#include "print/status.h"
#include "util.h"
#include "kernel/view.h"

#include "policy/prio_math.h"

_Static_assert(PRIO_HIGH_MAX == PRIO_CG_MAX, "memory.high's max is cgfile.c's");

static const struct prio_savedvals_kind high_kind = {
	.magic = "memcg-prio memory.high state 1",
	.file = "memory.high",
	.changed = "lowered",
	.state = "throttled",
	.open_flags = O_NONBLOCK,	/* no reclaim in this process */
	.max_word = true,
	.say_unreadable = true,
};

/* --- memory.high and memory.current -------------------------------------- */

void prio_high_format(uint64_t v, char *buf, size_t len)
{
	prio_savedvals_format(&high_kind, v, buf, len);
}

/* --- The state file ------------------------------------------------------- */

int prio_highctl_state_file(const char *pin_path, char *buf, size_t len)
{
	return prio_run_state_file(pin_path, ".memory-high", buf, len);
}

int prio_highctl_recover(const char *state_file, FILE *out, pid_t *ret_owner,
			 char *err, size_t errlen)
{
	return prio_savedvals_recover(&high_kind, state_file, out, ret_owner,
				      err, errlen);
}

static void fill_status(struct prio_group_status *g,
			const struct prio_savedval_entry *e)
{
	g->high_lowered = true;
	g->high_original = e->original;
	g->high_written = e->written;
	g->throttled = true;
}

int prio_highctl_read_state(const char *state_file, struct prio_status *st)
{
	bool alive;
	pid_t pid;
	int r;

	r = prio_savedvals_owner(state_file, high_kind.magic, &pid, &alive);
	if (r < 0)
		return r;
	st->owner_pid = pid;
	st->owner_alive = alive || pid == getpid();
	return prio_savedvals_read(&high_kind, state_file, st, fill_status);
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
	r = prio_savedvals_init(&h->high, &high_kind, state_file, h->cfg, n,
				dry_run);
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
			      const struct prio_status *st, uint32_t i,
			      uint64_t *domain)
{
	const struct prio_domain_state *d;
	uint32_t by = PRIO_NO_GROUP;

	if (i >= h->n_groups || h->high.v[i].yielded ||
	    !(h->cfg[i].link_flags & PRIO_LINK_MEMORY_HIGH))
		return PRIO_NO_GROUP;
	d = pressing(h, st, i, &by);
	if (!d)
		return PRIO_NO_GROUP;
	if (domain)
		*domain = d->cgroup_id;
	return by;
}

static void stamp(const struct prio_status *st, FILE *out)
{
	prio_status_stamp(st->now_ns, out);
}

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
	if (h->high.v[i].ours)
		prio_savedvals_restore(&h->high, i, st->now_ns, out);
	return true;
}

static void throttle(struct prio_highctl *h, uint32_t i, uint32_t by,
		     const struct prio_domain_state *d,
		     const struct prio_status *st, FILE *out)
{
	const struct prio_savedval *v = &h->high.v[i];
	uint64_t cur, usage, pen, target;
	char domain[PRIO_CGROUP_PATH_LEN + 64], was[32];
	int r;

	if (spared(h, i, st, out))
		return;
	if (prio_cg_read_u64(h->cfg[i].path, "memory.high", &cur) < 0 ||
	    prio_cg_read_u64(h->cfg[i].path, "memory.current", &usage) < 0)
		return;
	if (prio_savedvals_lost(&h->high, i, cur, st->now_ns, out))
		return;
	pen = (uint64_t)prio_penalty_pages(&h->cfg[i], d->severity) *
	      h->page_size;
	target = usage > 2 * pen ? (usage - pen) / h->page_size * h->page_size
				 : pen;
	/* Lower again only once the group came down to the last value. */
	if (v->ours && (target >= v->written || usage > v->written + pen))
		return;
	if (!v->ours && cur != PRIO_HIGH_MAX && target >= cur)
		return;		/* its own memory.high is lower already */
	r = prio_savedvals_set(&h->high, i, cur, target, st->now_ns, out);
	if (r < 0) {
		stamp(st, out);
		fprintf(out, "group '%s': cannot lower %s/memory.high: %s\n",
			h->cfg[i].name, h->cfg[i].path, strerror(-r));
		return;
	}
	if (r > 0 || v->prev != v->written)
		return;		/* a further step of the same throttling */
	h->g[i].by = by;
	prio_view_domain_name(h->cfg[by].path, d->cgroup_id, d->cause, domain,
			      sizeof(domain));
	prio_high_format(v->original, was, sizeof(was));
	stamp(st, out);
	fprintf(out, "group '%s' %sthrottled by '%s' (%s; memory.high %s -> "
		"%" PRIu64 ")\n", h->cfg[i].name,
		h->high.dry_run ? "would be " : "", h->cfg[by].name, domain, was,
		target);
}

void prio_highctl_update(struct prio_highctl *h, const struct prio_status *st,
			 FILE *out)
{
	for (uint32_t i = 0; i < h->n_groups; i++) {
		const struct prio_domain_state *d;
		uint32_t by = 0;

		if (!(h->cfg[i].link_flags & PRIO_LINK_MEMORY_HIGH) ||
		    h->high.v[i].yielded)
			continue;
		d = pressing(h, st, i, &by);
		if (d)
			throttle(h, i, by, d, st, out);
		else if (h->high.v[i].ours)
			prio_savedvals_restore(&h->high, i, st->now_ns, out);
	}
	fflush(out);
}

int prio_highctl_restore_all(struct prio_highctl *h, FILE *out)
{
	return prio_savedvals_restore_all(&h->high, out);
}

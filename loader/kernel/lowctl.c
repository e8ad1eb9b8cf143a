// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* --- The state file -------------------------------------------------------- */

int prio_lowctl_state_file(const char *pin_path, char *buf, size_t len)
{
	return prio_run_state_file(pin_path, ".memory-low", buf, len);
}

int prio_lowctl_recover(const char *state_file, FILE *out, char *err,
			size_t errlen)
{
	return prio_savedvals_recover(&low_kind, state_file, out, NULL, err,
				      errlen);
}

static void fill_status(struct prio_group_status *g,
			const struct prio_savedval_entry *e)
{
	g->low_raised = true;
	g->low_original = e->original;
	g->low_written = e->written;
}

int prio_lowctl_read_state(const char *state_file, struct prio_status *st)
{
	return prio_savedvals_read(&low_kind, state_file, st, fill_status);
}

/* --- Control --------------------------------------------------------------- */

int prio_lowctl_init(struct prio_lowctl *l, const char *state_file,
		     const struct prio_group_cfg *cfg, uint32_t n, bool dry_run,
		     char *err, size_t errlen)
{
	int r;

	memset(l, 0, sizeof(*l));
	l->page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	l->n_groups = n;
	memcpy(l->cfg, cfg, n * sizeof(*cfg));
	r = prio_savedvals_init(&l->low, &low_kind, state_file, l->cfg, n,
				dry_run);
	return r < 0 ? prio_fail(err, errlen, r, "cannot write %s: %s",
				 state_file, strerror(-r)) : 0;
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

void prio_lowctl_update(struct prio_lowctl *l, const bool *shield,
			const struct prio_status *st, FILE *out)
{
	for (uint32_t i = 0; i < l->n_groups; i++) {
		if (l->low.v[i].yielded)
			continue;
		if (shield[i])
			raise_low(l, i, st, out);
		else if (l->low.v[i].ours)
			prio_savedvals_restore(&l->low, i, st->now_ns, out);
	}
	fflush(out);
}

int prio_lowctl_restore_all(struct prio_lowctl *l, FILE *out)
{
	return prio_savedvals_restore_all(&l->low, out);
}

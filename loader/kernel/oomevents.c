// SPDX-License-Identifier: GPL-2.0-only
/*
 * The OOM kills memcg-prio sees (oomctl.h): each group's memory.events,
 * the line --foreground prints per kill, and --status's counters.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/cgfile.h"
#include "kernel/oomctl.h"
#include "kernel/view.h"
#include "plan/oomplan.h"
#include "print/status.h"

static const char *const event_keys[3] = { "oom", "oom_kill", "oom_group_kill" };

int prio_oom_events_read(const char *path, uint64_t v[3])
{
	int r = 0, q;

	for (int e = 0; e < 3; e++) {
		q = prio_cg_read_key(path, "memory.events", event_keys[e], &v[e]);
		if (q < 0)
			r = q;
	}
	return r;
}

/*
 * How long a rise of an ancestor's oom count names the domain of a kill
 * reported later: the kernel counts the OOM, then asks the hook or its
 * killer, then counts the kill, and a poll can land in between.  Far
 * longer than that under TCG, far shorter than OOMs of different domains
 * usually are apart.
 */
#define PRIO_OOM_DOMAIN_NS (5ULL * 1000 * 1000 * 1000)

/* Note the nearest cgroup from group g's up whose memory.events oom rose
 * since the last poll. */
static void oom_domain_update(struct prio_oomctl_group *g, uint64_t now_ns)
{
	bool found = false;

	for (uint32_t a = 0; a < g->n_ancestors; a++) {
		uint64_t v = 0;

		if (prio_cg_read_key(g->ancestors[a], "memory.events", "oom",
				     &v) < 0)
			continue;
		if (v > g->ancestor_ooms[a] && !found) {
			found = true;
			g->domain_pending = true;
			g->domain_index = a;
			g->domain_ns = now_ns;
		}
		g->ancestor_ooms[a] = v;
	}
}

/* The domain of a kill in group g reported now: the cgroup whose oom
 * rose last, if recently, else none (a global OOM).  Consumed. */
static const char *oom_domain_take(struct prio_oomctl_group *g,
				   uint64_t now_ns)
{
	bool recent = g->domain_pending && g->domain_index < g->n_ancestors &&
		      now_ns - g->domain_ns <= PRIO_OOM_DOMAIN_NS;

	g->domain_pending = false;
	return recent ? g->ancestors[g->domain_index] : NULL;
}

void prio_oomctl_report_kills(struct prio_oomctl *o, uint32_t i,
			      uint64_t now_ns, FILE *out)
{
	struct prio_oomctl_group *g = &o->g[i];
	uint64_t v[3];
	const char *domain;

	memcpy(v, g->events, sizeof(v));
	prio_oom_events_read(g->path, v);
	oom_domain_update(g, now_ns);
	if (v[1] > g->events[1]) {
		domain = oom_domain_take(g, now_ns);
		prio_status_stamp(now_ns, out);
		fprintf(out, "OOM: group '%s' (%s) lost %" PRIu64 " task%s to the "
			"OOM killer%s (domain: %s%s); ", g->name, g->path,
			v[1] - g->events[1], v[1] - g->events[1] == 1 ? "" : "s",
			v[2] > g->events[2] ? ", killed as a whole" : "",
			domain ? "limit of " : "global",
			domain ? domain : "");
		if (o->backend == PRIO_OOM_BACKEND_SCORE_ADJ)
			fprintf(out, "the kernel chose, memcg-prio had put its "
				"tasks in oom_score_adj band %d\n", g->band);
		else if (o->backend == PRIO_OOM_BACKEND_HOOK)
			fprintf(out, "memcg-prio's OOM hook chose where it has "
				"an 'OOM hook:' line, the kernel otherwise\n");
		else
			fprintf(out, "the kernel chose (oom = kernel)\n");
	}
	memcpy(g->events, v, sizeof(v));
}

/* --- The OOM hook's kills ------------------------------------------------ */

void prio_oom_domain_name(const char *group_path, uint64_t domain_id,
			  char *buf, size_t len)
{
	char up[PRIO_CGROUP_PATH_LEN], *slash;
	struct stat st, own;

	if (!domain_id) {
		snprintf(buf, len, "global");
		return;
	}
	snprintf(up, sizeof(up), "%s", group_path);
	/* Above the cgroup2 mount, inode numbers are another file system's. */
	own.st_dev = 0;
	stat(up, &own);
	for (;;) {
		if (stat(up, &st) == 0 && st.st_dev == own.st_dev &&
		    st.st_ino == domain_id) {
			snprintf(buf, len, "limit of %s", up);
			return;
		}
		slash = strrchr(up, '/');
		if (!slash || slash == up)
			break;
		*slash = '\0';
	}
	snprintf(buf, len, "limit of cgroup %" PRIu64, domain_id);
}

void prio_oomctl_report_hook(const struct prio_oomctl *o,
			     const struct prio_oom_state *old,
			     const struct prio_oom_state *cur, uint64_t now_ns,
			     FILE *out)
{
	const struct prio_oom_kill *k = &cur->last;
	const struct prio_oomctl_group *g;
	char domain[PRIO_CGROUP_PATH_LEN + 32];
	uint64_t n = cur->kills - old->kills;

	if (!n || k->index >= o->n_groups)
		return;
	g = &o->g[k->index];
	prio_oom_domain_name(g->path, k->domain_id, domain, sizeof(domain));
	prio_status_stamp(now_ns, out);
	fprintf(out, "OOM hook: killed pid %d (%.16s, %" PRIu64 " KiB) of "
		"group '%s' (%s) (domain: %s): %s; the hook's kills in the "
		"group: %" PRIu64, k->pid, k->comm,
		(uint64_t)k->rss_pages * (uint64_t)(sysconf(_SC_PAGESIZE) / 1024),
		g->name, g->path, domain, prio_oom_reason_text(k->reason),
		(uint64_t)cur->group[k->index][PRIO_OOM_STAT_KILLS]);
	if (n > 1)
		fprintf(out, " (%" PRIu64 " kills since the last poll, the "
			"last one shown)", n);
	fputc('\n', out);
}

/* --- --status ---------------------------------------------------------------- */

void prio_oomctl_read_status(const char *state_file, struct prio_status *st)
{
	char line[PRIO_CGROUP_PATH_LEN + 128], name[64];
	FILE *f = state_file ? fopen(state_file, "re") : NULL;
	int band, off;

	for (uint32_t i = 0; i < st->n_groups; i++) {
		struct prio_group_status *g = &st->groups[i];

		g->oom_known = prio_oom_events_read(g->cfg.path,
						    g->oom_events) == 0;
	}
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		off = 0;
		if (sscanf(line, "group %63s %d %n", name, &band, &off) == 2 &&
		    off) {
			line[strcspn(line, "\n")] = '\0';
			for (uint32_t i = 0; i < st->n_groups; i++)
				if (!strcmp(st->groups[i].cfg.path, line + off)) {
					st->groups[i].oom_band = band;
					st->groups[i].oom_banded = true;
				}
		} else if (sscanf(line, "task %*d %*u %*d %*d %63s",
				  name) == 1) {
			for (uint32_t i = 0; i < st->n_groups; i++)
				st->groups[i].oom_adjusted +=
					!strcmp(st->groups[i].cfg.name, name);
		}
	}
	fclose(f);
}

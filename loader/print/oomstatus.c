// SPDX-License-Identifier: GPL-2.0-only
/*
 * --status of the OOM hook alone: what memcg-prio --foreground in mode
 * hook pins (only PIN_PATH-oom; the throttling policy it runs is not
 * pinned).  The groups come from the hook's own map (oom_config).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "kernel/oomctl.h"
#include "plan/oomplan.h"
#include "print/status.h"

/* The walk's entry of config index idx, NULL if none. */
static const struct prio_oom_entry *entry_of(const struct prio_oom_config *cfg,
					     uint32_t idx)
{
	for (uint32_t k = 0; k < cfg->n_groups && k < PRIO_MAX_GROUPS; k++)
		if (cfg->order[k].index == idx)
			return &cfg->order[k];
	return NULL;
}

static uint64_t ms_ago(uint64_t now_ns, uint64_t t)
{
	return now_ns > t ? (now_ns - t) / 1000000 : 0;
}

static void text(const char *pin_dir, const struct prio_oom_config *cfg,
		 const struct prio_oom_state *os, uint64_t now_ns, FILE *out)
{
	const struct prio_oom_kill *k = &os->last;
	const struct prio_oom_entry *e;
	char domain[PRIO_CGROUP_PATH_LEN + 32];

	fprintf(out, "oom hook: attached to the root cgroup by memcg-prio "
		"--foreground, pinned at %s; asked in %" PRIu64 " OOMs, chose "
		"nobody in %" PRIu64 ", killed %" PRIu64 "\n", pin_dir,
		(uint64_t)os->calls, (uint64_t)os->declined,
		(uint64_t)os->kills);
	for (uint32_t i = 0; i < cfg->n_groups && i < PRIO_MAX_GROUPS; i++) {
		const __u64 *g;

		e = &cfg->order[i];
		if (e->index >= PRIO_MAX_GROUPS)
			continue;
		g = os->group[e->index];
		fprintf(out, "group '%s' (%s)%s: %" PRIu64 " kills, %" PRIu64
			" OOMs left to an earlier victim, skipped %" PRIu64
			" times as too small and %" PRIu64 " times with nothing "
			"to kill, %" PRIu64 " kills refused\n", e->name, e->path,
			e->flags & PRIO_OOM_F_KILL ? "" : " (oom_kill = false)",
			(uint64_t)g[PRIO_OOM_STAT_KILLS],
			(uint64_t)g[PRIO_OOM_STAT_WAITS],
			(uint64_t)g[PRIO_OOM_STAT_SMALL],
			(uint64_t)g[PRIO_OOM_STAT_UNKILLABLE],
			(uint64_t)g[PRIO_OOM_STAT_FAILED]);
	}
	e = os->kills ? entry_of(cfg, k->index) : NULL;
	if (!e)
		return;
	prio_oom_domain_name(e->path, k->domain_id, domain, sizeof(domain));
	fprintf(out, "last kill: pid %d (%.16s) of group '%s', domain %s, %"
		PRIu64 " ms ago: %s\n", k->pid, k->comm, e->name, domain,
		ms_ago(now_ns, k->time_ns), prio_oom_reason_text(k->reason));
}

static void json_last(const struct prio_oom_config *cfg,
		      const struct prio_oom_state *os, uint64_t now_ns,
		      FILE *out)
{
	const struct prio_oom_kill *k = &os->last;
	const struct prio_oom_entry *e = os->kills ?
					 entry_of(cfg, k->index) : NULL;
	char domain[PRIO_CGROUP_PATH_LEN + 32], comm[17];

	if (!e) {
		fputs("null", out);
		return;
	}
	prio_oom_domain_name(e->path, k->domain_id, domain, sizeof(domain));
	snprintf(comm, sizeof(comm), "%.16s", k->comm);
	fprintf(out, "{\"pid\":%d,\"comm\":", k->pid);
	prio_status_json_str(comm, out);
	fputs(",\"group\":", out);
	prio_status_json_str(e->name, out);
	fprintf(out, ",\"domain_id\":%" PRIu64 ",\"domain\":",
		(uint64_t)k->domain_id);
	prio_status_json_str(domain, out);
	fputs(",\"reason\":", out);
	prio_status_json_str(prio_oom_reason_name(k->reason), out);
	fprintf(out, ",\"rss_pages\":%" PRIu64 ",\"ms_ago\":%" PRIu64 "}",
		(uint64_t)k->rss_pages, ms_ago(now_ns, k->time_ns));
}

static void json(const char *pin_path, const struct prio_oom_config *cfg,
		 const struct prio_oom_state *os, uint64_t now_ns, FILE *out)
{
	fputs("{\"attached\":false,\"pin_path\":", out);
	prio_status_json_str(pin_path, out);
	fprintf(out, ",\"oom_hook\":{\"calls\":%" PRIu64 ",\"declined\":%"
		PRIu64 ",\"kills\":%" PRIu64 ",\"groups\":[",
		(uint64_t)os->calls, (uint64_t)os->declined,
		(uint64_t)os->kills);
	for (uint32_t i = 0; i < cfg->n_groups && i < PRIO_MAX_GROUPS; i++) {
		const struct prio_oom_entry *e = &cfg->order[i];
		const __u64 *g;

		if (e->index >= PRIO_MAX_GROUPS)
			continue;
		g = os->group[e->index];
		fputs(i ? ",{\"name\":" : "{\"name\":", out);
		prio_status_json_str(e->name, out);
		fputs(",\"cgroup\":", out);
		prio_status_json_str(e->path, out);
		fprintf(out, ",\"oom_kill\":%s,\"kills\":%" PRIu64 ",\"waits\":%"
			PRIu64 ",\"small\":%" PRIu64 ",\"unkillable\":%" PRIu64
			",\"failed\":%" PRIu64 "}",
			e->flags & PRIO_OOM_F_KILL ? "true" : "false",
			(uint64_t)g[PRIO_OOM_STAT_KILLS],
			(uint64_t)g[PRIO_OOM_STAT_WAITS],
			(uint64_t)g[PRIO_OOM_STAT_SMALL],
			(uint64_t)g[PRIO_OOM_STAT_UNKILLABLE],
			(uint64_t)g[PRIO_OOM_STAT_FAILED]);
	}
	fputs("],\"last_kill\":", out);
	json_last(cfg, os, now_ns, out);
	fputs("}}\n", out);
}

void prio_status_print_oom_only(const char *pin_path, const char *pin_dir,
				const struct prio_oom_config *cfg,
				const struct prio_oom_state *os,
				uint64_t now_ns, bool as_json, FILE *out)
{
	if (as_json)
		json(pin_path, cfg, os, now_ns, out);
	else
		text(pin_dir, cfg, os, now_ns, out);
}

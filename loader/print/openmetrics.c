// SPDX-License-Identifier: GPL-2.0-only
/*
 * OpenMetrics text of a running policy.  Three tables say what is written:
 * the per-group counters of the policy's stats map, the global ones, and
 * the families that need a little code (state gauges, domains).  A family
 * spans consecutive rows of one name; HELP and TYPE come with its first.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "kernel/probe.h"
#include "print/openmetrics.h"
#include "util.h"

#define PREFIX "memcg_prio_"

enum om_type { OM_GAUGE, OM_COUNTER };

struct om_out {
	FILE *f;
	bool openmetrics;	/* else the Prometheus text format (0.0.4) */
};

/* What a per-group counter row counts in: events, or pages given in bytes. */
enum om_scale { OM_EVENTS, OM_PAGES };

struct om_group_counter {
	const char *name;		/* without prefix and _total */
	uint32_t stat;			/* enum prio_stat */
	enum om_scale scale;
	const char *cause;		/* value of the cause label, or NULL */
	const char *help;
};

static const struct om_group_counter group_counters[] = {
	{ "group_reclaim_reports", PRIO_STAT_SCAN_EVENTS, OM_EVENTS, NULL,
	  "Reports of reclaim in the group's cgroups that the policy saw." },
	{ "group_reclaim_scanned_bytes", PRIO_STAT_PAGES_SCANNED, OM_PAGES, NULL,
	  "Memory scanned by reclaim in the group's cgroups." },
	{ "group_reclaimed_bytes", PRIO_STAT_PAGES_RECLAIMED, OM_PAGES, NULL,
	  "Memory reclaimed from the group's cgroups." },
	{ "group_pressure_windows", PRIO_STAT_WINDOWS, OM_EVENTS, NULL,
	  "Reclaim evaluation windows of the group that closed." },
	{ "group_pressed_windows", PRIO_STAT_WINDOWS_PRESSURED, OM_EVENTS, NULL,
	  "Closed windows whose pressure reached the group's pressure_level." },
	{ "group_ignored_scanned_bytes", PRIO_STAT_IGNORED_OWN, OM_PAGES, "own_limit",
	  "Memory scanned in the group that pressed nobody, by cause: a limit of "
	  "the group's own, or the level the policy lowered." },
	{ "group_ignored_scanned_bytes", PRIO_STAT_IGNORED_POLICY, OM_PAGES, "policy",
	  NULL },
	{ "group_charges_checked", PRIO_STAT_HOOK_CALLS, OM_EVENTS, NULL,
	  "Charges of the group that the policy's hook checked, and its checks of "
	  "a throttled task every 50 ms of its sleep (mode hook)." },
	{ "group_charges_throttled", PRIO_STAT_THROTTLED, OM_EVENTS, NULL,
	  "Checks that gave a penalty: charges, and the sleeps they prolonged (mode hook)." },
	{ "group_charges_dry_run_throttled", PRIO_STAT_DRY_RUN_THROTTLED, OM_EVENTS, NULL,
	  "Checked charges that would have been given a penalty (dry run)." },
	{ "group_reported_over_high_bytes", PRIO_STAT_PAGES_REPORTED, OM_PAGES, NULL,
	  "Sum of the penalties reported as over memory.high (mode hook)." },
	{ "group_charges_pressed_elsewhere", PRIO_STAT_NOT_IN_DOMAIN, OM_EVENTS, NULL,
	  "Checked charges left alone: the pressure above was in domains without "
	  "this group's cgroup." },
	{ "group_domain_evictions", PRIO_STAT_DOMAIN_EVICTIONS, OM_EVENTS, NULL,
	  "Domain slots of the group taken over while still in use." },
	{ "group_reliefs", PRIO_STAT_BOUND_CONTINUOUS, OM_EVENTS, "throttle_max_ms",
	  "Reliefs from throttling given to the group, by the bound reached." },
	{ "group_reliefs", PRIO_STAT_BOUND_SHARE, OM_EVENTS, "throttle_max_share",
	  NULL },
	{ "group_relief_spared_charges", PRIO_STAT_SPARED, OM_EVENTS, NULL,
	  "Charges that a relief spared a penalty." },
	{ "group_charge_reclaimed_bytes", PRIO_STAT_CHARGE_RECLAIMED, OM_PAGES, NULL,
	  "Memory the group's own charges had to reclaim in a domain that "
	  "pressed it: what it lacked (mode memory.high's give-back is sized "
	  "by it)." },
	{ "group_shield_passes", PRIO_STAT_SHIELDED, OM_EVENTS, NULL,
	  "Reclaim passes told to leave the group's memcgs alone while it was "
	  "pressed (mode hook, memcg_below_low)." },
	{ "group_giveback_asked_bytes", PRIO_STAT_GIVEBACK_ASKED, OM_PAGES, NULL,
	  "Memory the policy asked the group to give back (mode hook, "
	  "bpf_memcg_reclaim)." },
	{ "group_giveback_taken_bytes", PRIO_STAT_GIVEBACK_TAKEN, OM_PAGES, NULL,
	  "Memory the group gave back when asked (mode hook)." },
	{ "group_giveback_calls", PRIO_STAT_GIVEBACK_CALLS, OM_EVENTS, NULL,
	  "Give-back requests made of the group (mode hook)." },
	{ "group_giveback_dropped_bytes", PRIO_STAT_GIVEBACK_DROPPED, OM_PAGES, NULL,
	  "Memory owed by the group but not asked for: the pressure had ended, "
	  "the group had relief, or it had just given less than half of what "
	  "it was asked (mode hook)." },
	{ "group_workingset_refaults", PRIO_STAT_REFAULTS, OM_EVENTS, NULL,
	  "Refaults of the group: pages reclaim took that its tasks needed "
	  "back." },
	{ "group_thrash_pressures", PRIO_STAT_THRASH_PRESSURES, OM_EVENTS, NULL,
	  "Pressures that started because the group thrashed while its "
	  "charges reclaimed in a domain shared with a lower group." },
	{ "group_giveback_refill_bytes", PRIO_STAT_GIVEBACK_REFILL, OM_PAGES, NULL,
	  "Memory the group was asked to give back for memory given back "
	  "before that the pressed group took (mode hook; part of "
	  "giveback_asked)." },
	{ "group_charges_at_floor", PRIO_STAT_AT_FLOOR, OM_EVENTS, NULL,
	  "The hook's calls while a higher group was pressed that found the "
	  "group at the memory.low (or memory.min) it has in that domain: no "
	  "penalty, the throttle never takes it below (mode hook)." },
	{ "group_shield_renewals", PRIO_STAT_SHIELD_RENEWALS, OM_EVENTS, NULL,
	  "Reclaim passes for a charge that the shield turned "
	  "away from the group's memory and that renewed its pressure (mode "
	  "hook)." },
	{ "group_giveback_kicked_tasks", PRIO_STAT_GIVEBACK_KICKED, OM_EVENTS, NULL,
	  "Tasks of the group sent to throttle themselves at once, before a "
	  "give-back call, summed over calls (mode hook, bpf_memcg_kick)." },
};

struct om_global_counter {
	const char *name;
	uint32_t gstat;			/* enum prio_gstat */
	const char *help;
};

static const struct om_global_counter global_counters[] = {
	{ "reclaim_reports", PRIO_GSTAT_EVENTS,
	  "Per-memcg reclaim reports the policy saw." },
	{ "reclaim_reports_outside_groups", PRIO_GSTAT_NO_GROUP,
	  "Reclaim reports in cgroups outside every group." },
	{ "cgroup_lookup_misses", PRIO_GSTAT_CACHE_MISS,
	  "Cgroup-to-group lookups that had to walk up the tree." },
	{ "charges_outside_groups", PRIO_GSTAT_HOOK_NO_GROUP,
	  "Hook calls for cgroups outside every group." },
	{ "charges_unpressed", PRIO_GSTAT_HOOK_UNPRESSED,
	  "Hook calls while no group above was pressed." },
	{ "cgroups_online", PRIO_GSTAT_ONLINE,
	  "Cgroups that came online while the policy was attached." },
	{ "cgroups_offline", PRIO_GSTAT_OFFLINE,
	  "Cgroups that went offline while the policy was attached." },
	{ "memcg_reclaims", PRIO_GSTAT_MEMCG_RECLAIMS,
	  "Calls of try_to_free_mem_cgroup_pages()." },
	{ "proactive_reclaims_ignored", PRIO_GSTAT_PROACTIVE,
	  "Reclaims for memory.reclaim, which press nobody." },
	{ "reclaims_without_context", PRIO_GSTAT_NO_CONTEXT,
	  "Reclaim contexts that did not fit the policy's map." },
	{ "reclaim_reports_unattributed", PRIO_GSTAT_UNATTRIBUTED,
	  "Reclaim reports in a task with no reclaim the policy saw start." },
};

static void header(const char *name, enum om_type type, const char *help,
		   const struct om_out *o)
{
	/* The Prometheus text format names a counter by its samples' name. */
	const char *sfx = type == OM_COUNTER && !o->openmetrics ? "_total" : "";

	fprintf(o->f, "# HELP " PREFIX "%s%s %s\n# TYPE " PREFIX "%s%s %s\n",
		name, sfx, help, name, sfx,
		type == OM_COUNTER ? "counter" : "gauge");
}

/* A label value: backslash, double quote and newline escaped. */
static void label_value(const char *s, const struct om_out *o)
{
	FILE *out = o->f;

	fputc('"', out);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(out, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

/* NAME{group="..",cgroup=".."[,domain=".."][,cause=".."]} with the
 * sample's suffix; the value follows. */
static void sample(const char *name, bool counter,
		   const struct prio_group_status *g, const char *domain,
		   const char *cause, const struct om_out *o)
{
	FILE *out = o->f;

	fprintf(out, PREFIX "%s%s", name, counter ? "_total" : "");
	if (!g && !cause) {
		fputc(' ', out);
		return;
	}
	fputc('{', out);
	if (g) {
		fputs("group=", out);
		label_value(g->cfg.name, o);
		fputs(",cgroup=", out);
		label_value(g->cfg.path, o);
	}
	if (domain) {
		fputs(",domain=", out);
		label_value(domain, o);
	}
	if (cause) {
		fputs(g ? ",cause=" : "cause=", out);
		label_value(cause, o);
	}
	fputs("} ", out);
}

static void group_counter_rows(const struct prio_status *st, long page_bytes,
			       const struct om_out *o)
{
	FILE *out = o->f;

	for (size_t r = 0; r < ARRAY_SIZE(group_counters); r++) {
		const struct om_group_counter *c = &group_counters[r];
		uint64_t scale = c->scale == OM_PAGES ? (uint64_t)page_bytes : 1;

		if (c->help)
			header(c->name, OM_COUNTER, c->help, o);
		for (uint32_t i = 0; i < st->n_groups; i++) {
			sample(c->name, true, &st->groups[i], NULL, c->cause, o);
			fprintf(out, "%" PRIu64 "\n",
				st->groups[i].stats[c->stat] * scale);
		}
	}
}

static void global_counter_rows(const struct prio_status *st, const struct om_out *o)
{
	FILE *out = o->f;

	for (size_t r = 0; r < ARRAY_SIZE(global_counters); r++) {
		const struct om_global_counter *c = &global_counters[r];

		header(c->name, OM_COUNTER, c->help, o);
		sample(c->name, true, NULL, NULL, NULL, o);
		fprintf(out, "%" PRIu64 "\n", st->gstats[c->gstat]);
	}
}

/* Throttled now: a recent penalty with the hook, a lowered memory.high in
 * mode memory.high. */
static bool throttled_now(const struct prio_status *st,
			  const struct prio_group_status *g)
{
	return st->backend == PRIO_BACKEND_MEMORY_HIGH ? g->high_lowered :
							 g->throttled;
}

/* A per-group gauge: one sample per group, its value from get(). */
static void group_gauge(const struct prio_status *st, const char *name,
			const char *help,
			uint64_t (*get)(const struct prio_status *,
					const struct prio_group_status *),
			const struct om_out *o)
{
	FILE *out = o->f;

	header(name, OM_GAUGE, help, o);
	for (uint32_t i = 0; i < st->n_groups; i++) {
		sample(name, false, &st->groups[i], NULL, NULL, o);
		fprintf(out, "%" PRIu64 "\n", get(st, &st->groups[i]));
	}
}

static uint64_t get_priority(const struct prio_status *st,
			     const struct prio_group_status *g)
{
	(void)st;
	return g->cfg.priority;
}

static uint64_t get_pressed(const struct prio_status *st,
			    const struct prio_group_status *g)
{
	(void)st;
	return g->pressed;
}

static uint64_t get_throttled(const struct prio_status *st,
			      const struct prio_group_status *g)
{
	return throttled_now(st, g);
}

/* Mode memory.high: the memory.low that the shield wrote, 0 when the
 * group's own value stands. */
static uint64_t get_shield(const struct prio_status *st,
			   const struct prio_group_status *g)
{
	(void)st;
	return g->low_raised ? g->low_written : 0;
}

static uint64_t get_relief(const struct prio_status *st,
			   const struct prio_group_status *g)
{
	return g->state.bound.relief_until_ns > st->now_ns;
}

/* The domain of a reclaim as a label: "global", or the cgroup directory
 * whose limit it was ("limit of DIR: cause" in --status). */
static void domain_label(const struct prio_status *st, uint32_t presser,
			 uint64_t id, uint32_t cause, char *buf, size_t len)
{
	const char *path = presser < st->n_groups ? st->groups[presser].cfg.path : "";
	char name[PRIO_CGROUP_PATH_LEN + 64];
	char *colon;

	prio_view_domain_name(path, id, cause, name, sizeof(name));
	if (cause == PRIO_CAUSE_KSWAPD || cause == PRIO_CAUSE_DIRECT) {
		snprintf(buf, len, "global");
		return;
	}
	colon = strrchr(name, ':');
	if (colon)
		*colon = '\0';
	snprintf(buf, len, "%s", strncmp(name, "limit of ", 9) == 0 ?
		 name + 9 : name);
}

static void pressure_seconds(const struct prio_status *st, const struct om_out *o)
{
	static const char name[] = "group_pressure_seconds";
	FILE *out = o->f;

	header(name, OM_COUNTER, "Time the group was pressed, in all domains.", o);
	for (uint32_t i = 0; i < st->n_groups; i++) {
		uint64_t ns = st->groups[i].state.pressure_ns;

		sample(name, true, &st->groups[i], NULL, NULL, o);
		fprintf(out, "%" PRIu64 ".%09" PRIu64 "\n", ns / 1000000000,
			ns % 1000000000);
	}
}

/* One gauge sample per domain a group was pressed in. */
static void domain_gauge(const struct prio_status *st, const char *name,
			 const char *help, bool severity, const struct om_out *o)
{
	char dom[PRIO_CGROUP_PATH_LEN + 64];
	FILE *out = o->f;

	header(name, OM_GAUGE, help, o);
	for (uint32_t i = 0; i < st->n_groups; i++) {
		const struct prio_group_status *g = &st->groups[i];

		for (int k = 0; k < PRIO_MAX_DOMAINS; k++) {
			const struct prio_domain_state *d = &g->state.domains[k];

			if (!d->cgroup_id)
				continue;
			domain_label(st, i, d->cgroup_id, d->cause, dom, sizeof(dom));
			sample(name, false, g, dom, prio_cause_name(d->cause), o);
			fprintf(out, "%" PRIu64 "\n", severity ? d->severity :
				(uint64_t)(d->pressured_until_ns > st->now_ns));
		}
	}
}

/* Where the group was throttled last: 1 for that domain and cause while it
 * is throttled, 0 after. */
static void throttle_domain(const struct prio_status *st, const struct om_out *o)
{
	static const char name[] = "group_throttle_domain";
	char dom[PRIO_CGROUP_PATH_LEN + 64];
	FILE *out = o->f;

	header(name, OM_GAUGE, "The domain and cause of the group's last "
	       "throttling by a higher group; 1 while it is throttled.", o);
	for (uint32_t i = 0; i < st->n_groups; i++) {
		const struct prio_group_status *g = &st->groups[i];

		if (!g->state.last_throttled_ns)
			continue;
		domain_label(st, g->state.throttled_by, g->state.throttled_domain,
			     g->state.throttled_cause, dom, sizeof(dom));
		sample(name, false, g, dom,
		       prio_cause_name(g->state.throttled_cause), o);
		fprintf(out, "%d\n", throttled_now(st, g));
	}
}

/* OOM kills and OOMs per group, from its memory.events (the kernel's
 * counts since the cgroup was made, subtree included). */
static void oom_counters(const struct prio_status *st, const struct om_out *o)
{
	static const struct { const char *name, *help; int e; } rows[] = {
		{ "group_oom_kills", "Tasks of the group killed by an OOM "
		  "killer (memory.events oom_kill).", 1 },
		{ "group_oom_group_kills", "OOM kills of the group as a whole "
		  "(memory.events oom_group_kill).", 2 },
		{ "group_ooms", "OOMs at the limits of the group's cgroup or "
		  "below (memory.events oom).", 0 },
	};
	FILE *out = o->f;

	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		header(rows[r].name, OM_COUNTER, rows[r].help, o);
		for (uint32_t i = 0; i < st->n_groups; i++) {
			const struct prio_group_status *g = &st->groups[i];

			if (!g->oom_known)
				continue;
			sample(rows[r].name, true, g, NULL, NULL, o);
			fprintf(out, "%" PRIu64 "\n", g->oom_events[rows[r].e]);
		}
	}
}

/*
 * What the OOM hook did per group, by cause: "kill" (its kills, which
 * memory.events oom_kill above counts too), "wait" (an OOM left to an
 * earlier victim), "small", "unkillable" (skipped), "failed" (a kill
 * refused, the kernel chose).  No samples without a hook.
 */
static void oom_hook_counters(const struct prio_status *st,
			      const struct om_out *o)
{
	static const char *const causes[PRIO_OOM_NR_STATS] = {
		[PRIO_OOM_STAT_KILLS] = "kill",
		[PRIO_OOM_STAT_WAITS] = "wait",
		[PRIO_OOM_STAT_SMALL] = "small",
		[PRIO_OOM_STAT_UNKILLABLE] = "unkillable",
		[PRIO_OOM_STAT_FAILED] = "failed",
	};
	FILE *out = o->f;

	header("group_oom_hook_decisions", OM_COUNTER, "The OOM hook's "
	       "decisions about the group, by cause: kill, wait (for an "
	       "earlier victim), small and unkillable (skipped), failed (the "
	       "kernel chose).", o);
	for (uint32_t i = 0; i < st->n_groups; i++) {
		const struct prio_group_status *g = &st->groups[i];

		if (!g->oom_hooked)
			continue;
		for (int c = 0; c < PRIO_OOM_NR_STATS; c++) {
			sample("group_oom_hook_decisions", true, g, NULL,
			       causes[c], o);
			fprintf(out, "%" PRIu64 "\n", g->oom_policy[c]);
		}
	}
}

static void attached(bool yes, const struct om_out *o)
{
	FILE *out = o->f;

	header("attached", OM_GAUGE, "1 if a policy is attached.", o);
	sample("attached", false, NULL, NULL, NULL, o);
	fprintf(out, "%d\n", yes);
}

static void print_all(const struct prio_status *st, long page_bytes,
		      const struct om_out *o)
{
	FILE *out = o->f;

	attached(true, o);
	header("info", OM_GAUGE, "The running policy: its mode (hook or "
	       "memory.high) and the source of its reclaim reports.", o);
	fputs(PREFIX "info{mode=", out);
	label_value(prio_backend_name(st->backend), o);
	fputs(",source=", out);
	label_value(prio_source_name(st->source), o);
	fputs("} 1\n", out);
	header("dry_run", OM_GAUGE, "1 if the policy only counts and never "
	       "throttles.", o);
	fprintf(out, PREFIX "dry_run %d\n", st->dry_run);
	group_gauge(st, "group_priority", "The group's priority (higher "
		    "outranks lower).", get_priority, o);
	group_gauge(st, "group_pressed", "1 while the group is pressed in a "
		    "domain.", get_pressed, o);
	group_gauge(st, "group_throttled", "1 while the group is throttled by "
		    "a higher one (mode hook: a penalty within the last second; "
		    "mode memory.high: its memory.high lowered).", get_throttled, o);
	group_gauge(st, "group_relief", "1 while the group is spared "
		    "throttling after reaching a starvation bound.", get_relief, o);
	group_gauge(st, "group_memory_low_shield_bytes", "The memory.low "
		    "written while the group is pressed (mode memory.high's "
		    "shield); 0 while its own value stands.", get_shield, o);
	pressure_seconds(st, o);
	group_counter_rows(st, page_bytes, o);
	domain_gauge(st, "domain_pressed", "1 while the group is pressed in "
		     "this domain, by this cause.", false, o);
	domain_gauge(st, "domain_severity", "Severity of the group's last "
		     "window in this domain.", true, o);
	throttle_domain(st, o);
	oom_counters(st, o);
	oom_hook_counters(st, o);
	global_counter_rows(st, o);
	if (o->openmetrics)
		fputs("# EOF\n", out);
}

void prio_openmetrics_print(const struct prio_status *st, long page_bytes,
			    bool openmetrics, FILE *out)
{
	const struct om_out o = { out, openmetrics };

	print_all(st, page_bytes, &o);
}

void prio_openmetrics_print_detached(bool openmetrics, FILE *out)
{
	const struct om_out o = { out, openmetrics };

	attached(false, &o);
	if (openmetrics)
		fputs("# EOF\n", out);
}

// SPDX-License-Identifier: GPL-2.0-only
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kernel/highctl.h"
#include "kernel/oomctl.h"
#include "priority.h"
#include "kernel/probe.h"
#include "prio_math.h"
#include "plan/oomplan.h"
#include "print/status.h"
#include "util.h"

static const char *level_name(uint32_t level)
{
	const char *name = prio_level_to_string((enum prio_level)level);

	return name ? name : "?";
}

static uint64_t ms(uint64_t ns)
{
	return ns / 1000000ULL;
}

/* ns from then to now, 0 if then is later (a racing update). */
static uint64_t ago_ns(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

static const char *throttler(const struct prio_status *st,
			     const struct prio_group_status *g)
{
	return g->state.throttled_by < st->n_groups ?
	       st->groups[g->state.throttled_by].cfg.name : "?";
}

/* The domain of g's last throttle, in words. */
static void throttle_domain(const struct prio_status *st,
			    const struct prio_group_status *g, char *buf,
			    size_t len);

static void text_link(const struct prio_group_status *g, FILE *out)
{
	const char *ovr = (g->cfg.link_flags & PRIO_LINK_OVERRIDE) ?
			  ", allows override below" : "";
	char was[32];

	if (g->cfg.link_flags & PRIO_LINK_MEMORY_HIGH) {
		prio_high_format(g->high_original, was, sizeof(was));
		if (g->high_lowered)
			fprintf(out, "none: memory.high lowered to %" PRIu64
				" by memcg-prio (was %s)\n", g->high_written,
				was);
		else
			fputs("none: memory.high, not lowered now\n", out);
	} else if (!(g->cfg.link_flags & PRIO_LINK_ATTACHED))
		fputs("none (no group has a higher priority)\n", out);
	else if (!g->link.present)
		fputs("missing (pin removed?)\n", out);
	else if (!g->link.attached)
		fprintf(out, "detached (cgroup removed?), link %u\n", g->link.id);
	else
		fprintf(out, "attached, link %u%s\n", g->link.id, ovr);
}

static void domain_name(const struct prio_status *st, uint32_t presser,
			uint64_t id, uint32_t cause, char *buf, size_t len)
{
	const char *path = presser < st->n_groups ?
			   st->groups[presser].cfg.path : "";

	prio_view_domain_name(path, id, cause, buf, len);
}

static void text_domains(const struct prio_status *st, uint32_t i, FILE *out)
{
	const struct prio_group_status *g = &st->groups[i];
	char name[PRIO_CGROUP_PATH_LEN + 64];

	for (int k = 0; k < PRIO_MAX_DOMAINS; k++) {
		const struct prio_domain_state *d = &g->state.domains[k];

		if (!d->cgroup_id)
			continue;
		domain_name(st, i, d->cgroup_id, d->cause, name, sizeof(name));
		fprintf(out, "    domain %s: ", name);
		if (d->pressured_until_ns > st->now_ns)
			fprintf(out, "pressed for %" PRIu64 " ms more",
				ms(d->pressured_until_ns - st->now_ns));
		else
			fputs("not pressed", out);
		fprintf(out, " (last window: %s, severity %u), last reclaim %"
			PRIu64 " ms ago\n", level_name(d->last_level),
			d->severity, ms(ago_ns(st->now_ns, d->last_seen_ns)));
	}
}

static void text_pressure(const struct prio_status *st, uint32_t i, FILE *out)
{
	const struct prio_group_status *g = &st->groups[i];
	const uint64_t *s = g->stats;

	if (g->pressed &&
	    prio_hold_cap(g->state.hold_shift, g->cfg.hold_doublings))
		fprintf(out, "pressed for %" PRIu64 " ms more (held %" PRIu64
			" ms after its last window: it came back within its "
			"hold)\n", ms(g->state.pressured_until_ns - st->now_ns),
			(uint64_t)prio_hold_ns(g->cfg.hold_ms,
					       g->state.hold_shift,
					       g->cfg.hold_doublings));
	else if (g->pressed)
		fprintf(out, "pressed for %" PRIu64 " ms more\n",
			ms(g->state.pressured_until_ns - st->now_ns));
	else if (s[PRIO_STAT_WINDOWS])
		fputs("not pressed\n", out);
	else
		fputs("not pressed (no reclaim window closed yet)\n", out);
	text_domains(st, i, out);
	fprintf(out, "  reclaim:    %" PRIu64 " pages scanned, %" PRIu64
		" reclaimed, in %" PRIu64 " reports; %" PRIu64 " windows, %"
		PRIu64 " pressed; %" PRIu64 " ms pressed in all\n",
		s[PRIO_STAT_PAGES_SCANNED], s[PRIO_STAT_PAGES_RECLAIMED],
		s[PRIO_STAT_SCAN_EVENTS], s[PRIO_STAT_WINDOWS],
		s[PRIO_STAT_WINDOWS_PRESSURED], ms(g->state.pressure_ns));
	fprintf(out, "  ignored:    %" PRIu64 " pages scanned for a limit of "
		"its own, %" PRIu64 " for the level the policy lowered\n",
		s[PRIO_STAT_IGNORED_OWN], s[PRIO_STAT_IGNORED_POLICY]);
	if (s[PRIO_STAT_REFAULTS])
		fprintf(out, "  thrashing:  %" PRIu64 " refaults of its working "
			"set; %" PRIu64 " pressures started by them where its "
			"charges reclaimed\n", s[PRIO_STAT_REFAULTS],
			s[PRIO_STAT_THRASH_PRESSURES]);
}

/* Mode memory.high: the cgroups above g that its shield raised. */
static void text_low_above(const struct prio_status *st,
			   const struct prio_group_status *g, FILE *out)
{
	for (uint32_t k = 0; k < st->n_low_above; k++) {
		const struct prio_low_above *a = &st->low_above[k];

		if (strcmp(a->group, g->cfg.name))
			continue;
		fprintf(out, "  shield:     through %s: memory.low raised to %"
			PRIu64 " for the groups shielded below it (was %"
			PRIu64 ")\n", a->path, a->written, a->original);
	}
}

static const char *bound_name(uint32_t reason)
{
	return reason == PRIO_BOUND_HIT_SHARE ? "throttle_max_share" :
	       reason == PRIO_BOUND_HIT_CONTINUOUS ? "throttle_max_ms" : NULL;
}

/* No starvation: the bounds hit, and the relief now. */
static void text_relief(const struct prio_status *st,
			const struct prio_group_status *g, FILE *out)
{
	const struct prio_bound *b = &g->state.bound;
	const uint64_t *s = g->stats;

	if (!s[PRIO_STAT_BOUND_CONTINUOUS] && !s[PRIO_STAT_BOUND_SHARE])
		return;
	fputs("  relief:     ", out);
	if (b->relief_until_ns > st->now_ns)
		fprintf(out, "now, for %" PRIu64 " ms more (%s); ",
			ms(b->relief_until_ns - st->now_ns),
			bound_name(b->last_reason));
	fprintf(out, "%" PRIu64 " times after throttle_max_ms, %" PRIu64
		" after throttle_max_share; %" PRIu64 " charges spared\n",
		s[PRIO_STAT_BOUND_CONTINUOUS], s[PRIO_STAT_BOUND_SHARE],
		s[PRIO_STAT_SPARED]);
}

static void text_throttle(const struct prio_status *st,
			  const struct prio_group_status *g, FILE *out)
{
	const uint64_t *s = g->stats;
	const char *would = st->dry_run ? "would be " : "";
	char dom[PRIO_CGROUP_PATH_LEN + 64] = "";

	fputs("  throttling: ", out);
	if (g->cfg.link_flags & PRIO_LINK_MEMORY_HIGH) {
		fprintf(out, "%s, by lowering memory.high\n",
			g->high_lowered ? "now" : "not now");
		return;
	}
	if (!(g->cfg.link_flags & PRIO_LINK_ATTACHED) ||
	    g->cfg.priority >= st->groups[0].cfg.priority) {
		fputs("never (highest priority)\n", out);
		return;
	}
	if (g->state.last_throttled_ns)
		throttle_domain(st, g, dom, sizeof(dom));
	if (g->throttled)
		fprintf(out, "%sthrottled by '%s' (domain %s), %" PRIu64
			" ms ago", would, throttler(st, g), dom,
			ms(ago_ns(st->now_ns, g->state.last_throttled_ns)));
	else if (g->state.last_throttled_ns)
		fprintf(out, "not now (last %sby '%s', domain %s, %" PRIu64
			" ms ago)", would, throttler(st, g), dom,
			ms(ago_ns(st->now_ns, g->state.last_throttled_ns)));
	else
		fputs("not yet", out);
	fprintf(out, "; %" PRIu64 " checks (charges, sleeps), %" PRIu64 " %sthrottled, %"
		PRIu64 " pages reported over memory.high\n",
		s[PRIO_STAT_HOOK_CALLS],
		st->dry_run ? s[PRIO_STAT_DRY_RUN_THROTTLED] :
			      s[PRIO_STAT_THROTTLED],
		would, s[PRIO_STAT_PAGES_REPORTED]);
	if (s[PRIO_STAT_NOT_IN_DOMAIN])
		fprintf(out, "              %" PRIu64 " charges left alone: the "
			"pressure above was in domains without this cgroup\n",
			s[PRIO_STAT_NOT_IN_DOMAIN]);
	if (s[PRIO_STAT_AT_FLOOR])
		fprintf(out, "              %" PRIu64 " checks found it at the "
			"memory.low it has in the pressed domain: not "
			"throttled below it\n", s[PRIO_STAT_AT_FLOOR]);
	text_relief(st, g, out);
}

/* Mode hook: what reclaim left alone, and what the group gave back. */
static void text_yield(const struct prio_group_status *g, FILE *out)
{
	const uint64_t *s = g->stats;

	if (s[PRIO_STAT_SHIELDED])
		fprintf(out, "  shield:     reclaim passed over its memcgs %"
			PRIu64 " times while it was pressed and a lower "
			"group's memory was there to take (memcg_below_low); "
			"%" PRIu64 " passes for a charge renewed "
			"its pressure\n",
			s[PRIO_STAT_SHIELDED], s[PRIO_STAT_SHIELD_RENEWALS]);
	if (s[PRIO_STAT_GIVEBACK_CALLS] || s[PRIO_STAT_GIVEBACK_DROPPED])
		fprintf(out, "  give-back:  gave %" PRIu64 " of %" PRIu64
			" KiB asked, in %" PRIu64 " calls, for what the group "
			"that presses it lacked (bpf_memcg_reclaim; %" PRIu64
			" KiB of it for memory given back that it took); %"
			PRIu64 " KiB owed were left (the pressure had ended, "
			"relief, or it had little left to give); its tasks "
			"were sent to throttle themselves %" PRIu64 " times "
			"(bpf_memcg_kick)\n",
			s[PRIO_STAT_GIVEBACK_TAKEN] * 4,
			s[PRIO_STAT_GIVEBACK_ASKED] * 4,
			s[PRIO_STAT_GIVEBACK_CALLS],
			s[PRIO_STAT_GIVEBACK_REFILL] * 4,
			s[PRIO_STAT_GIVEBACK_DROPPED] * 4,
			s[PRIO_STAT_GIVEBACK_KICKED]);
}

static void throttle_domain(const struct prio_status *st,
			    const struct prio_group_status *g, char *buf,
			    size_t len)
{
	domain_name(st, g->state.throttled_by, g->state.throttled_domain,
		    g->state.throttled_cause, buf, len);
}

static void text_watch_links(const struct prio_status *st, FILE *out)
{
	for (int w = 0; w < PRIO_NR_WATCH; w++)
		if (w > PRIO_WATCH_PAGES && !st->watch_link_id[w])
			continue;	/* optional */
		else if (st->watch_link_id[w])
			fprintf(out, " %u", st->watch_link_id[w]);
		else
			fputs(" missing (pin removed?)", out);
}

/* Which source counts, and the silence of the configured one. */
static void text_source(const struct prio_status *st, FILE *out)
{
	const struct prio_source_state *ss = &st->source_state;
	uint64_t now = st->now_ns;

	if (!st->source_known)
		return;
	fprintf(out, "pages source: %s in use", prio_source_name(ss->active));
	if (ss->switched_ns)
		fprintf(out, " since %" PRIu64 " ms ago (%s)",
			ms(ago_ns(now, ss->switched_ns)),
			prio_source_hook(ss->active));
	if (ss->found_silent_ns)
		fprintf(out, "; %s found silent %" PRIu64 " ms ago: %" PRIu64
			" reclaims, %" PRIu64 " pages, without a report from it "
			"since %" PRIu64 " ms ago%s\n", prio_source_name(st->source),
			ms(ago_ns(now, ss->found_silent_ns)),
			(uint64_t)ss->unheard_reclaims,
			(uint64_t)ss->unheard_pages,
			ms(ago_ns(now, ss->silent_since_ns)),
			ss->switched_ns ? "" : "; no fallback: nothing counts");
	else if (st->fallback < PRIO_NR_SOURCES)
		fprintf(out, "; %s takes over if it falls silent (not so far)\n",
			prio_source_name(st->fallback));
	else
		fputs("; no fallback if it falls silent\n", out);
}

/* The global counters: " name N," for text, "\"name\":N," for JSON. */
static void print_gstats(const struct prio_status *st, bool json, FILE *out)
{
	for (uint32_t k = 0; k < PRIO_NR_GSTATS; k++)
		fprintf(out, json ? "%s\"%s\":%" PRIu64 : "%s %s %" PRIu64,
			k ? "," : "", prio_gstat_names[k], st->gstats[k]);
}

/* OOM kills counted by the kernel (memory.events), and the band. */
static void text_oom(const struct prio_group_status *g, FILE *out)
{
	if (!g->oom_known)
		return;
	fprintf(out, "  oom:        %" PRIu64 " OOM kills (%" PRIu64 " as a "
		"group), %" PRIu64 " OOMs at its limits (memory.events)",
		g->oom_events[1], g->oom_events[2], g->oom_events[0]);
	if (g->oom_banded)
		fprintf(out, "; oom_score_adj band %d, %u processes moved to "
			"it by memcg-prio --foreground", g->oom_band,
			g->oom_adjusted);
	fputc('\n', out);
	if (g->oom_hooked)
		fprintf(out, "  oom hook:   %" PRIu64 " kills, %" PRIu64 " OOMs "
			"left to an earlier victim, skipped %" PRIu64 " times "
			"as too small and %" PRIu64 " times with nothing to "
			"kill, %" PRIu64 " kills refused\n",
			g->oom_policy[PRIO_OOM_STAT_KILLS],
			g->oom_policy[PRIO_OOM_STAT_WAITS],
			g->oom_policy[PRIO_OOM_STAT_SMALL],
			g->oom_policy[PRIO_OOM_STAT_UNKILLABLE],
			g->oom_policy[PRIO_OOM_STAT_FAILED]);
}

/* The OOM hook: how often it was asked, and its last kill. */
static void text_oom_hook(const struct prio_status *st, FILE *out)
{
	const struct prio_oom_kill *k = &st->oom_last;
	const struct prio_group_status *g;
	char domain[PRIO_CGROUP_PATH_LEN + 32];

	if (!st->oom_hook)
		return;
	fprintf(out, "oom hook: attached to the root cgroup; asked in %"
		PRIu64 " OOMs, chose nobody in %" PRIu64 ", killed %" PRIu64
		"\n", st->oom_calls, st->oom_declined, st->oom_kills);
	if (!st->oom_kills || st->oom_last_group >= st->n_groups)
		return;
	g = &st->groups[st->oom_last_group];
	prio_oom_domain_name(g->cfg.path, k->domain_id, domain, sizeof(domain));
	fprintf(out, "  last kill:  pid %d (%.16s) of group '%s', domain %s, "
		"%" PRIu64 " ms ago: %s\n", k->pid, k->comm, g->cfg.name,
		domain, ms(ago_ns(st->now_ns, k->time_ns)),
		prio_oom_reason_text(k->reason));
}

void prio_status_print_text(const struct prio_status *st, const char *where,
			    FILE *out)
{
	fprintf(out, "memcg-prio: attached%s%s%s\n", where ? ", pinned at " : "",
		where ? where : " by this process", st->dry_run ?
		" (dry run: nothing is throttled)" : "");
	if (st->backend == PRIO_BACKEND_MEMORY_HIGH)
		fprintf(out, "mode: memory.high, lowered by memcg-prio "
			"--foreground, pid %ld%s\n", st->owner_pid,
			st->owner_alive ? "" : ", which is gone: memcg-prio "
			"--detach restores what it left");
	else
		fputs("mode: hook (memcg_bpf_ops)\n", out);
	fprintf(out, "reclaim seen through: %s (source %s) and fentry/fexit "
		"on try_to_free_mem_cgroup_pages(); links",
		prio_source_hook(st->source), prio_source_name(st->source));
	if (st->backend == PRIO_BACKEND_MEMORY_HIGH)
		fprintf(out, " held by pid %ld", st->owner_pid);
	else
		text_watch_links(st, out);
	fputc('\n', out);
	text_source(st, out);
	for (uint32_t i = 0; i < st->n_groups; i++) {
		const struct prio_group_status *g = &st->groups[i];

		fprintf(out, "group '%s': priority %u, cgroup %s\n", g->cfg.name,
			g->cfg.priority, g->cfg.path);
		fputs("  link:       ", out);
		text_link(g, out);
		if (g->low_raised)	/* mode memory.high: lowctl.c */
			fprintf(out, "  shield:     memory.low raised to %"
				PRIu64 " by memcg-prio while it is pressed "
				"(was %" PRIu64 ")\n", g->low_written,
				g->low_original);
		text_low_above(st, g, out);
		fputs("  pressure:   ", out);
		text_pressure(st, i, out);
		text_throttle(st, g, out);
		text_yield(g, out);
		text_oom(g, out);
	}
	text_oom_hook(st, out);
	fputs("counters:", out);
	print_gstats(st, false, out);
	fputc('\n', out);
}

/* A JSON string: quotes, backslashes and control characters escaped. */
void prio_status_json_str(const char *s, FILE *out)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* ,"memory_low_above":[{"path":...,"raised_to":N,"original":N}...] */
static void json_low_above(const struct prio_status *st,
			   const struct prio_group_status *g, FILE *out)
{
	bool first = true;

	fputs(",\"memory_low_above\":[", out);
	for (uint32_t k = 0; k < st->n_low_above; k++) {
		const struct prio_low_above *a = &st->low_above[k];

		if (strcmp(a->group, g->cfg.name))
			continue;
		fputs(first ? "{\"path\":" : ",{\"path\":", out);
		first = false;
		prio_status_json_str(a->path, out);
		fprintf(out, ",\"raised_to\":%" PRIu64 ",\"original\":%"
			PRIu64 "}", a->written, a->original);
	}
	fputc(']', out);
}

/* The OOM hook's counters of group g, null without a hook. */
static void json_oom_hook_group(const struct prio_group_status *g, FILE *out)
{
	fputs(",\"oom_hook\":", out);
	if (!g->oom_hooked) {
		fputs("null", out);
		return;
	}
	fprintf(out, "{\"kills\":%" PRIu64 ",\"waits\":%" PRIu64 ",\"small\":%"
		PRIu64 ",\"unkillable\":%" PRIu64 ",\"failed\":%" PRIu64 "}",
		g->oom_policy[PRIO_OOM_STAT_KILLS],
		g->oom_policy[PRIO_OOM_STAT_WAITS],
		g->oom_policy[PRIO_OOM_STAT_SMALL],
		g->oom_policy[PRIO_OOM_STAT_UNKILLABLE],
		g->oom_policy[PRIO_OOM_STAT_FAILED]);
}

static const char *link_state(const struct prio_group_status *g)
{
	if (!(g->cfg.link_flags & PRIO_LINK_ATTACHED))
		return "none";
	if (!g->link.present)
		return "missing";
	return g->link.attached ? "attached" : "detached";
}

static void json_domain(const struct prio_status *st, uint32_t i,
			const struct prio_domain_state *d, FILE *out)
{
	bool pressed = d->pressured_until_ns > st->now_ns;
	char name[PRIO_CGROUP_PATH_LEN + 64];

	domain_name(st, i, d->cgroup_id, d->cause, name, sizeof(name));
	fprintf(out, "{\"cgroup_id\":%" PRIu64 ",\"name\":",
		(uint64_t)d->cgroup_id);
	prio_status_json_str(name, out);
	fprintf(out, ",\"global\":%s,\"cause\":",
		d->cause == PRIO_CAUSE_KSWAPD || d->cause == PRIO_CAUSE_DIRECT ?
		"true" : "false");
	prio_status_json_str(prio_cause_name(d->cause), out);
	fprintf(out, ",\"pressed\":%s,\"remaining_ms\":%" PRIu64
		",\"last_level\":", pressed ? "true" : "false",
		pressed ? ms(d->pressured_until_ns - st->now_ns) : 0);
	prio_status_json_str(level_name(d->last_level), out);
	fprintf(out, ",\"severity\":%u,\"last_seen_ms_ago\":%" PRIu64 "}",
		d->severity, ms(ago_ns(st->now_ns, d->last_seen_ns)));
}

static void json_pressure(const struct prio_status *st, uint32_t i, FILE *out)
{
	const struct prio_group_status *g = &st->groups[i];
	const struct prio_domain_state *main;
	bool first = true;

	main = prio_group_main_domain(g, st->now_ns);
	fprintf(out, ",\"pressure\":{\"pressed\":%s,\"remaining_ms\":%" PRIu64
		",\"last_level\":", g->pressed ? "true" : "false",
		g->pressed ? ms(g->state.pressured_until_ns - st->now_ns) : 0);
	if (g->stats[PRIO_STAT_WINDOWS] && main)
		prio_status_json_str(level_name(main->last_level), out);
	else
		fputs("null", out);
	fprintf(out, ",\"severity\":%u,\"total_ms\":%" PRIu64 ",\"hold_ms\":%"
		PRIu64 ",\"domains\":[", main ? main->severity : 0,
		ms(g->state.pressure_ns),
		(uint64_t)prio_hold_ns(g->cfg.hold_ms, g->state.hold_shift,
				       g->cfg.hold_doublings));
	for (int k = 0; k < PRIO_MAX_DOMAINS; k++) {
		if (!g->state.domains[k].cgroup_id)
			continue;
		if (!first)
			fputc(',', out);
		first = false;
		json_domain(st, i, &g->state.domains[k], out);
	}
	fputs("]}", out);
}

static void json_relief(const struct prio_status *st,
			const struct prio_group_status *g, FILE *out)
{
	const struct prio_bound *b = &g->state.bound;
	const char *reason = bound_name(b->last_reason);
	bool now = b->relief_until_ns > st->now_ns;

	fprintf(out, ",\"relief\":{\"now\":%s,\"remaining_ms\":%" PRIu64
		",\"last_reason\":", now ? "true" : "false",
		now ? ms(b->relief_until_ns - st->now_ns) : 0);
	if (reason)
		prio_status_json_str(reason, out);
	else
		fputs("null", out);
	fputc('}', out);
}

static void json_group(const struct prio_status *st, uint32_t i, FILE *out)
{
	const struct prio_group_status *g = &st->groups[i];
	char name[PRIO_CGROUP_PATH_LEN + 64];

	fputs("{\"name\":", out);
	prio_status_json_str(g->cfg.name, out);
	fprintf(out, ",\"priority\":%u,\"cgroup\":", g->cfg.priority);
	prio_status_json_str(g->cfg.path, out);
	fprintf(out, ",\"cgroup_id\":%" PRIu64 ",\"link\":{\"state\":\"%s\","
		"\"id\":%u,\"allow_override\":%s}", (uint64_t)g->cfg.cgroup_id,
		link_state(g), g->link.id,
		(g->cfg.link_flags & PRIO_LINK_OVERRIDE) ? "true" : "false");
	json_pressure(st, i, out);
	fputs(",\"memory_high\":", out);
	if (g->high_lowered) {
		prio_high_format(g->high_original, name, sizeof(name));
		fprintf(out, "{\"lowered_to\":%" PRIu64 ",\"original\":",
			g->high_written);
		prio_status_json_str(name, out);
		fputs("}", out);
	} else {
		fputs("null", out);
	}
	fputs(",\"memory_low\":", out);
	if (g->low_raised)
		fprintf(out, "{\"raised_to\":%" PRIu64 ",\"original\":%" PRIu64
			"}", g->low_written, g->low_original);
	else
		fputs("null", out);
	json_low_above(st, g, out);
	json_relief(st, g, out);
	fputs(",\"oom\":", out);
	if (g->oom_known) {
		fprintf(out, "{\"ooms\":%" PRIu64 ",\"oom_kills\":%" PRIu64
			",\"oom_group_kills\":%" PRIu64 ",\"band\":",
			g->oom_events[0], g->oom_events[1], g->oom_events[2]);
		if (g->oom_banded)
			fprintf(out, "%d,\"adjusted\":%u}", g->oom_band,
				g->oom_adjusted);
		else
			fputs("null,\"adjusted\":0}", out);
	} else {
		fputs("null", out);
	}
	json_oom_hook_group(g, out);
	fputs(",\"throttled\":", out);
	if (g->state.last_throttled_ns) {
		throttle_domain(st, g, name, sizeof(name));
		fprintf(out, "{\"now\":%s,\"by\":", g->throttled ? "true" : "false");
		prio_status_json_str(throttler(st, g), out);
		fprintf(out, ",\"domain_id\":%" PRIu64 ",\"domain\":",
			(uint64_t)g->state.throttled_domain);
		prio_status_json_str(name, out);
		fputs(",\"cause\":", out);
		prio_status_json_str(prio_cause_name(g->state.throttled_cause), out);
		fprintf(out, ",\"ms_ago\":%" PRIu64 "}",
			ms(ago_ns(st->now_ns, g->state.last_throttled_ns)));
	} else {
		fputs("null", out);
	}
	fputs(",\"counters\":{", out);
	for (uint32_t k = 0; k < PRIO_NR_STATS; k++)
		fprintf(out, "%s\"%s\":%" PRIu64, k ? "," : "",
			prio_stat_names[k], g->stats[k]);
	fputs("}}", out);
}

/* ms since t as a JSON number, null for 0 (never). */
static void json_ago(const struct prio_status *st, uint64_t t, FILE *out)
{
	if (t)
		fprintf(out, "%" PRIu64, ms(ago_ns(st->now_ns, t)));
	else
		fputs("null", out);
}

/* "active", "fallback" and "silence" of the source object. */
static void json_source(const struct prio_status *st, FILE *out)
{
	const struct prio_source_state *ss = &st->source_state;

	fputs(",\"active\":", out);
	prio_status_json_str(prio_source_name(st->source_known ? ss->active : st->source),
		 out);
	fputs(",\"fallback\":", out);
	if (st->source_known && st->fallback < PRIO_NR_SOURCES)
		prio_status_json_str(prio_source_name(st->fallback), out);
	else
		fputs("null", out);
	if (!st->source_known) {
		fputs(",\"silence\":null", out);
		return;
	}
	fprintf(out, ",\"silence\":{\"found\":%s,\"found_ms_ago\":",
		ss->found_silent_ns ? "true" : "false");
	json_ago(st, ss->found_silent_ns, out);
	fprintf(out, ",\"switched\":%s,\"switched_ms_ago\":",
		ss->switched_ns ? "true" : "false");
	json_ago(st, ss->switched_ns, out);
	fprintf(out, ",\"unheard_reclaims\":%" PRIu64 ",\"unheard_pages\":%"
		PRIu64 ",\"unheard_since_ms_ago\":", (uint64_t)ss->unheard_reclaims,
		(uint64_t)ss->unheard_pages);
	json_ago(st, ss->silent_since_ns, out);
	fputc('}', out);
}

/* The OOM hook and its last kill, null without one. */
static void json_oom_hook(const struct prio_status *st, FILE *out)
{
	const struct prio_oom_kill *k = &st->oom_last;
	const struct prio_group_status *g;
	char domain[PRIO_CGROUP_PATH_LEN + 32], comm[17];

	fputs(",\"oom_hook\":", out);
	if (!st->oom_hook) {
		fputs("null", out);
		return;
	}
	fprintf(out, "{\"calls\":%" PRIu64 ",\"declined\":%" PRIu64
		",\"kills\":%" PRIu64 ",\"last_kill\":", st->oom_calls,
		st->oom_declined, st->oom_kills);
	if (!st->oom_kills || st->oom_last_group >= st->n_groups) {
		fputs("null}", out);
		return;
	}
	g = &st->groups[st->oom_last_group];
	prio_oom_domain_name(g->cfg.path, k->domain_id, domain, sizeof(domain));
	snprintf(comm, sizeof(comm), "%.16s", k->comm);
	fprintf(out, "{\"pid\":%d,\"comm\":", k->pid);
	prio_status_json_str(comm, out);
	fputs(",\"group\":", out);
	prio_status_json_str(g->cfg.name, out);
	fprintf(out, ",\"domain_id\":%" PRIu64 ",\"domain\":",
		(uint64_t)k->domain_id);
	prio_status_json_str(domain, out);
	fputs(",\"reason\":", out);
	prio_status_json_str(prio_oom_reason_name(k->reason), out);
	fprintf(out, ",\"rss_pages\":%" PRIu64 ",\"ms_ago\":%" PRIu64 "}}",
		(uint64_t)k->rss_pages, ms(ago_ns(st->now_ns, k->time_ns)));
}

void prio_status_print_json(const struct prio_status *st, const char *where,
			    FILE *out)
{
	fputs("{\"attached\":true,\"pin_path\":", out);
	if (where)
		prio_status_json_str(where, out);
	else
		fputs("null", out);
	fprintf(out, ",\"dry_run\":%s,\"mode\":\"%s\",\"owner_pid\":%ld,"
		"\"owner_alive\":%s,\"source\":{\"name\":",
		st->dry_run ? "true" : "false", prio_backend_name(st->backend),
		st->owner_pid, st->owner_alive ? "true" : "false");
	prio_status_json_str(prio_source_name(st->source), out);
	fputs(",\"hook\":", out);
	prio_status_json_str(prio_source_hook(st->source), out);
	fputs(",\"link_ids\":[", out);
	for (int w = 0; w < PRIO_NR_WATCH; w++)
		fprintf(out, "%s%u", w ? "," : "", st->watch_link_id[w]);
	fputc(']', out);
	json_source(st, out);
	fputs("},\"groups\":[", out);
	for (uint32_t i = 0; i < st->n_groups; i++) {
		if (i)
			fputc(',', out);
		json_group(st, i, out);
	}
	fputs("]", out);
	json_oom_hook(st, out);
	fputs(",\"counters\":{", out);
	print_gstats(st, true, out);
	fputs("}}\n", out);
}

void prio_status_print_json_detached(const char *pin_path, FILE *out)
{
	fputs("{\"attached\":false,\"pin_path\":", out);
	prio_status_json_str(pin_path, out);
	fputs("}\n", out);
}

void prio_status_stamp(uint64_t ns, FILE *out)
{
	fprintf(out, "[%" PRIu64 ".%03" PRIu64 "] ", ns / 1000000000,
		ns / 1000000 % 1000);
}

/* t if it is a time of the past that is not older than since, else now. */
static uint64_t when(uint64_t t, uint64_t since, uint64_t now)
{
	return t && t >= since && t <= now ? t : now;
}

static void print_pressed(const struct prio_status *old,
			  const struct prio_status *st, uint32_t i, FILE *out)
{
	const struct prio_group_status *g = &st->groups[i];
	const struct prio_domain_state *d = prio_group_main_domain(g, st->now_ns);
	char name[PRIO_CGROUP_PATH_LEN + 64] = "?";

	if (d)
		domain_name(st, i, d->cgroup_id, d->cause, name, sizeof(name));
	prio_status_stamp(when(g->state.pressure_onset_ns, old->now_ns, st->now_ns), out);
	fprintf(out, "group '%s' pressed (%s, level %s, severity %u)\n",
		g->cfg.name, name, d ? level_name(d->last_level) : "?",
		d ? d->severity : 0);
}

/*
 * The times come from the policy: pressure onset and end, first penalty
 * and first hook call without one; the poll's time where there is none.
 */
/* Mode hook: the first shield of a group, and each poll's give-back. */
static void print_yield_changes(const struct prio_group_status *o,
				const struct prio_group_status *n,
				const struct prio_status *new, FILE *out)
{
	const uint64_t *a = o->stats, *b = n->stats;

	if (!a[PRIO_STAT_SHIELDED] && b[PRIO_STAT_SHIELDED]) {
		prio_status_stamp(new->now_ns, out);
		fprintf(out, "group '%s' shielded: reclaim passes over its "
			"memcgs while it is pressed (memcg_below_low)\n",
			n->cfg.name);
	}
	if (b[PRIO_STAT_GIVEBACK_CALLS] != a[PRIO_STAT_GIVEBACK_CALLS]) {
		prio_status_stamp(new->now_ns, out);
		fprintf(out, "group '%s' gave back %" PRIu64 " KiB of %" PRIu64
			" asked to '%s' (bpf_memcg_reclaim; %" PRIu64 " of its "
			"tasks sent to throttle themselves, bpf_memcg_kick)\n",
			n->cfg.name,
			(b[PRIO_STAT_GIVEBACK_TAKEN] - a[PRIO_STAT_GIVEBACK_TAKEN]) * 4,
			(b[PRIO_STAT_GIVEBACK_ASKED] - a[PRIO_STAT_GIVEBACK_ASKED]) * 4,
			throttler(new, n),
			b[PRIO_STAT_GIVEBACK_KICKED] - a[PRIO_STAT_GIVEBACK_KICKED]);
	}
	if (b[PRIO_STAT_GIVEBACK_DROPPED] != a[PRIO_STAT_GIVEBACK_DROPPED]) {
		prio_status_stamp(new->now_ns, out);
		fprintf(out, "group '%s' left %" PRIu64 " KiB owed: the "
			"pressure ended, relief, or it had little left to "
			"give\n", n->cfg.name,
			(b[PRIO_STAT_GIVEBACK_DROPPED] -
			 a[PRIO_STAT_GIVEBACK_DROPPED]) * 4);
	}
}

void prio_status_print_changes(const struct prio_status *old,
			       const struct prio_status *new, FILE *out)
{
	const char *would = new->dry_run ? "would be " : "";
	uint64_t since = old->now_ns, now = new->now_ns;
	char name[PRIO_CGROUP_PATH_LEN + 64];

	if (!old->source_state.switched_ns && new->source_state.switched_ns) {
		prio_status_stamp(when(new->source_state.switched_ns, since, now),
				  out);
		fprintf(out, "pages source %s found silent: %s takes over\n",
			prio_source_name(new->source),
			prio_source_name(new->source_state.active));
	}
	for (uint32_t i = 0; i < new->n_groups; i++) {
		const struct prio_group_status *o = &old->groups[i];
		const struct prio_group_status *n = &new->groups[i];
		const struct prio_group_state *s = &n->state;

		if (!o->pressed && n->pressed) {
			print_pressed(old, new, i, out);
		} else if (o->pressed && !n->pressed) {
			prio_status_stamp(when(s->pressured_until_ns, since, now), out);
			fprintf(out, "group '%s' released", n->cfg.name);
			if (n->stats[PRIO_STAT_SHIELDED])
				fprintf(out, " (shielded from %" PRIu64 " reclaim "
					"passes so far, %" PRIu64 " of which renewed "
					"its pressure)", n->stats[PRIO_STAT_SHIELDED],
					n->stats[PRIO_STAT_SHIELD_RENEWALS]);
			fputc('\n', out);
		}
		print_yield_changes(o, n, new, out);
		if (!o->throttled && n->throttled) {
			throttle_domain(new, n, name, sizeof(name));
			prio_status_stamp(when(s->throttle_onset_ns, since, now), out);
			fprintf(out, "group '%s' %sthrottled by '%s' (%s)\n",
				n->cfg.name, would, throttler(new, n), name);
		} else if (o->throttled && !n->throttled) {
			prio_status_stamp(when(s->throttle_end_ns, since - PRIO_THROTTLE_RECENT_NS,
				   now), out);
			fprintf(out, "group '%s' no longer %sthrottled\n",
				n->cfg.name, would);
		}
		if (o->link.attached && !n->link.attached)
			fprintf(out, "group '%s': link detached (cgroup %s "
				"removed?)\n", n->cfg.name, n->cfg.path);
	}
	fflush(out);
}

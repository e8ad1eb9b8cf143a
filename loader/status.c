// SPDX-License-Identifier: GPL-2.0-only
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "status.h"
#include "util.h"

static const char *const level_names[] = { "low", "medium", "critical" };

static const char *level_name(uint32_t level)
{
	return level < ARRAY_SIZE(level_names) ? level_names[level] : "?";
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
	return st->groups[g->state.throttled_by].cfg.name;
}

static void text_link(const struct prio_group_status *g, FILE *out)
{
	const char *ovr = (g->cfg.link_flags & PRIO_LINK_OVERRIDE) ?
			  ", allows override below" : "";

	if (!(g->cfg.link_flags & PRIO_LINK_ATTACHED))
		fputs("none (no group has a higher priority)\n", out);
	else if (!g->link.present)
		fputs("missing (pin removed?)\n", out);
	else if (!g->link.attached)
		fprintf(out, "detached (cgroup removed?), link %u\n", g->link.id);
	else
		fprintf(out, "attached, link %u%s\n", g->link.id, ovr);
}

static void text_pressure(const struct prio_status *st,
			  const struct prio_group_status *g, FILE *out)
{
	const uint64_t *s = g->stats;

	if (g->pressed)
		fprintf(out, "pressed for %" PRIu64 " ms more (last window: %s, "
			"severity %u)\n",
			ms(g->state.pressured_until_ns - st->now_ns),
			level_name(g->state.last_level), g->state.severity);
	else if (s[PRIO_STAT_WINDOWS])
		fprintf(out, "not pressed (last window: %s)\n",
			level_name(g->state.last_level));
	else
		fputs("not pressed (no reclaim window closed yet)\n", out);
	fprintf(out, "  reclaim:    %" PRIu64 " pages scanned, %" PRIu64
		" reclaimed, in %" PRIu64 " updates; %" PRIu64 " windows, %"
		PRIu64 " pressed; %" PRIu64 " ms pressed in all\n",
		s[PRIO_STAT_PAGES_SCANNED], s[PRIO_STAT_PAGES_RECLAIMED],
		s[PRIO_STAT_SCAN_EVENTS], s[PRIO_STAT_WINDOWS],
		s[PRIO_STAT_WINDOWS_PRESSURED], ms(g->state.pressure_ns));
}

static void text_throttle(const struct prio_status *st,
			  const struct prio_group_status *g, FILE *out)
{
	const uint64_t *s = g->stats;
	const char *would = st->dry_run ? "would be " : "";

	fputs("  throttling: ", out);
	if (!(g->cfg.link_flags & PRIO_LINK_ATTACHED)) {
		fputs("never (highest priority)\n", out);
		return;
	}
	if (g->throttled)
		fprintf(out, "%sthrottled by '%s', %" PRIu64 " ms ago",
			would, throttler(st, g),
			ms(ago_ns(st->now_ns, g->state.last_throttled_ns)));
	else if (g->state.last_throttled_ns)
		fprintf(out, "not now (last %sby '%s', %" PRIu64 " ms ago)",
			would, throttler(st, g),
			ms(ago_ns(st->now_ns, g->state.last_throttled_ns)));
	else
		fputs("not yet", out);
	fprintf(out, "; %" PRIu64 " charges checked, %" PRIu64 " %sthrottled, %"
		PRIu64 " pages reported over memory.high\n",
		s[PRIO_STAT_HOOK_CALLS],
		st->dry_run ? s[PRIO_STAT_DRY_RUN_THROTTLED] :
			      s[PRIO_STAT_THROTTLED],
		would, s[PRIO_STAT_PAGES_REPORTED]);
}

void prio_status_print_text(const struct prio_status *st, const char *where,
			    FILE *out)
{
	fprintf(out, "memcg-prio: attached%s%s%s\n", where ? ", pinned at " : "",
		where ? where : " by this process", st->dry_run ?
		" (dry run: nothing is throttled)" : "");
	if (st->tp_link_id)
		fprintf(out, "tracepoint: %s, link %u\n",
			*st->tp_name ? st->tp_name : "?", st->tp_link_id);
	else
		fputs("tracepoint: missing (pin removed?)\n", out);
	for (uint32_t i = 0; i < st->n_groups; i++) {
		const struct prio_group_status *g = &st->groups[i];

		fprintf(out, "group '%s': priority %u, cgroup %s\n", g->cfg.name,
			g->cfg.priority, g->cfg.path);
		fputs("  link:       ", out);
		text_link(g, out);
		fputs("  pressure:   ", out);
		text_pressure(st, g, out);
		text_throttle(st, g, out);
	}
	fputs("counters:", out);
	for (uint32_t k = 0; k < PRIO_NR_GSTATS; k++)
		fprintf(out, "%s %s %" PRIu64, k ? "," : "",
			prio_gstat_names[k], st->gstats[k]);
	fputc('\n', out);
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void json_str(const char *s, FILE *out)
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

static const char *link_state(const struct prio_group_status *g)
{
	if (!(g->cfg.link_flags & PRIO_LINK_ATTACHED))
		return "none";
	if (!g->link.present)
		return "missing";
	return g->link.attached ? "attached" : "detached";
}

static void json_group(const struct prio_status *st,
		       const struct prio_group_status *g, FILE *out)
{
	fputs("{\"name\":", out);
	json_str(g->cfg.name, out);
	fprintf(out, ",\"priority\":%u,\"cgroup\":", g->cfg.priority);
	json_str(g->cfg.path, out);
	fprintf(out, ",\"cgroup_id\":%" PRIu64 ",\"link\":{\"state\":\"%s\","
		"\"id\":%u,\"allow_override\":%s}", (uint64_t)g->cfg.cgroup_id,
		link_state(g), g->link.id,
		(g->cfg.link_flags & PRIO_LINK_OVERRIDE) ? "true" : "false");
	fprintf(out, ",\"pressure\":{\"pressed\":%s,\"remaining_ms\":%" PRIu64
		",\"last_level\":", g->pressed ? "true" : "false",
		g->pressed ? ms(g->state.pressured_until_ns - st->now_ns) : 0);
	if (g->stats[PRIO_STAT_WINDOWS])
		json_str(level_name(g->state.last_level), out);
	else
		fputs("null", out);
	fprintf(out, ",\"severity\":%u,\"total_ms\":%" PRIu64 "}",
		g->state.severity, ms(g->state.pressure_ns));
	fputs(",\"throttled\":", out);
	if (g->state.last_throttled_ns) {
		fprintf(out, "{\"now\":%s,\"by\":", g->throttled ? "true" : "false");
		json_str(throttler(st, g), out);
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

void prio_status_print_json(const struct prio_status *st, const char *where,
			    FILE *out)
{
	fputs("{\"attached\":true,\"pin_path\":", out);
	if (where)
		json_str(where, out);
	else
		fputs("null", out);
	fprintf(out, ",\"dry_run\":%s,\"tracepoint\":{\"name\":",
		st->dry_run ? "true" : "false");
	json_str(st->tp_name, out);
	fprintf(out, ",\"link_id\":%u},\"groups\":[", st->tp_link_id);
	for (uint32_t i = 0; i < st->n_groups; i++) {
		if (i)
			fputc(',', out);
		json_group(st, &st->groups[i], out);
	}
	fputs("],\"counters\":{", out);
	for (uint32_t k = 0; k < PRIO_NR_GSTATS; k++)
		fprintf(out, "%s\"%s\":%" PRIu64, k ? "," : "",
			prio_gstat_names[k], st->gstats[k]);
	fputs("}}\n", out);
}

void prio_status_print_json_detached(const char *pin_path, FILE *out)
{
	fputs("{\"attached\":false,\"pin_path\":", out);
	json_str(pin_path, out);
	fputs("}\n", out);
}

void prio_status_print_changes(const struct prio_status *old,
			       const struct prio_status *new, FILE *out)
{
	const char *would = new->dry_run ? "would be " : "";

	for (uint32_t i = 0; i < new->n_groups; i++) {
		const struct prio_group_status *o = &old->groups[i];
		const struct prio_group_status *n = &new->groups[i];

		if (!o->pressed && n->pressed)
			fprintf(out, "group '%s' pressed (level %s, severity %u)\n",
				n->cfg.name, level_name(n->state.last_level),
				n->state.severity);
		else if (o->pressed && !n->pressed)
			fprintf(out, "group '%s' released\n", n->cfg.name);
		if (!o->throttled && n->throttled)
			fprintf(out, "group '%s' %sthrottled by '%s'\n",
				n->cfg.name, would, throttler(new, n));
		else if (o->throttled && !n->throttled)
			fprintf(out, "group '%s' no longer %sthrottled\n",
				n->cfg.name, would);
		if (o->link.attached && !n->link.attached)
			fprintf(out, "group '%s': link detached (cgroup %s "
				"removed?)\n", n->cfg.name, n->cfg.path);
	}
	fflush(out);
}

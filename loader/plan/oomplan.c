// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>

#include "plan/oomplan.h"

static const struct prio_plan_group *plan_group(const struct prio_plan *p,
					       uint32_t conf_index)
{
	for (uint32_t i = 0; i < p->n_groups; i++)
		if (p->groups[i].conf_index == conf_index)
			return &p->groups[i];
	return NULL;
}

static void fill_entry(const struct prio_config *c, const struct prio_plan *p,
		       uint32_t i, struct prio_oom_entry *ret)
{
	const struct prio_plan_group *pg = plan_group(p, i);
	const struct prio_conf_group *g = &c->groups[i];

	memset(ret, 0, sizeof(*ret));
	ret->cgroup_id = pg ? pg->cgroup_id : 0;
	ret->index = i;
	ret->flags = g->oom_kill ? PRIO_OOM_F_KILL : 0;
	snprintf(ret->name, sizeof(ret->name), "%s", g->name);
	if (pg)
		snprintf(ret->path, sizeof(ret->path), "%s", pg->path);
}

void prio_oom_plan(const struct prio_config *c, const struct prio_plan *p,
		   struct prio_oom_config *ret)
{
	uint32_t n = 0;

	memset(ret, 0, sizeof(*ret));
	ret->min_bytes = PRIO_OOM_MIN_BYTES;
	/* Insertion by priority: stable, so equal ones keep the file order. */
	for (uint32_t i = 0; i < c->n_groups && i < PRIO_MAX_GROUPS; i++) {
		const struct prio_conf_group *g = &c->groups[i];
		uint32_t at = n;

		while (at > 0 &&
		       c->groups[ret->order[at - 1].index].priority > g->priority) {
			ret->order[at] = ret->order[at - 1];
			at--;
		}
		fill_entry(c, p, i, &ret->order[at]);
		n++;
	}
	ret->n_groups = n;
}

void prio_oom_message(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "memcg-prio: %s", name);
}

static const struct {
	const char *name, *text;
} reasons[PRIO_OOM_NR_REASONS] = {
	[PRIO_OOM_REASON_LOWEST] = { "lowest",
		"the lowest group in the domain that may lose a task" },
	[PRIO_OOM_REASON_LOWER_SMALL] = { "lower_small",
		"the groups below it in the domain held too little to be "
		"worth a kill" },
	[PRIO_OOM_REASON_LOWER_UNKILLABLE] = { "lower_unkillable",
		"a group below it in the domain had no task that may be "
		"killed" },
};

const char *prio_oom_reason_name(uint32_t reason)
{
	return reason < PRIO_OOM_NR_REASONS ? reasons[reason].name : "?";
}

const char *prio_oom_reason_text(uint32_t reason)
{
	return reason < PRIO_OOM_NR_REASONS ? reasons[reason].text : "?";
}

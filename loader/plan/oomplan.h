// SPDX-License-Identifier: GPL-2.0-only
/*
 * From the config and its plan to what the OOM policy (policy/oom.bpf.c)
 * gets: the groups in the order it walks them, the lowest priority first,
 * with their cgroup ids and oom_kill, and the minimum a group must hold to
 * be worth a kill.  No BPF here: the unit tests check it on made-up plans.
 */
#ifndef MEMCG_PRIO_LOADER_PLAN_OOMPLAN_H
#define MEMCG_PRIO_LOADER_PLAN_OOMPLAN_H

#include <stddef.h>
#include <stdint.h>

#include "priority.h"
#include "plan/plan.h"
#include "policy/oom.h"

/*
 * The oom_config value for config c and its plan p into ret: every group
 * of c, by increasing priority, equal priorities in the config's order;
 * PRIO_OOM_F_KILL where oom_kill is true; name and cgroup path for
 * --status; min_bytes PRIO_OOM_MIN_BYTES.  A group p lacks (it cannot:
 * the plan holds them all) gets cgroup id 0, which the policy never
 * finds, and no path.
 */
void prio_oom_plan(const struct prio_config *c, const struct prio_plan *p,
		   struct prio_oom_config *ret);

/* The kill message of group name into buf: "memcg-prio: NAME". */
void prio_oom_message(const char *name, char *buf, size_t len);

/* enum prio_oom_reason in words ("lowest", ...), "?" if unknown. */
const char *prio_oom_reason_name(uint32_t reason);

/* The same, as a sentence's end: "no group below it in the domain"... */
const char *prio_oom_reason_text(uint32_t reason);

#endif

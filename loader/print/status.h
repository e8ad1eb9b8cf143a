// SPDX-License-Identifier: GPL-2.0-only
/* Printing snapshots of a running policy: --status, --foreground. */
#ifndef MEMCG_PRIO_LOADER_PRINT_STATUS_H
#define MEMCG_PRIO_LOADER_PRINT_STATUS_H

#include <stdio.h>

#include "kernel/view.h"

/* where: the pin path, or NULL for a policy of this process. */
void prio_status_print_text(const struct prio_status *st, const char *where,
			    FILE *out);
void prio_status_print_json(const struct prio_status *st, const char *where,
			    FILE *out);
/* --status --json when nothing is attached. */
void prio_status_print_json_detached(const char *pin_path, FILE *out);

/* A JSON string, quoted and escaped. */
void prio_status_json_str(const char *s, FILE *out);

/*
 * oomstatus.c: --status when only the OOM hook of a --foreground in mode
 * hook is pinned (at pin_dir): its groups (cfg), counters and last kill
 * (os), as text lines after "not attached", or as the JSON object
 * {"attached":false,"pin_path":...,"oom_hook":{...}}.
 */
void prio_status_print_oom_only(const char *pin_path, const char *pin_dir,
				const struct prio_oom_config *cfg,
				const struct prio_oom_state *os,
				uint64_t now_ns, bool json, FILE *out);

/* "[SECONDS.mmm] ", the time of an event (CLOCK_MONOTONIC ns): the
 * prefix of --foreground's lines. */
void prio_status_stamp(uint64_t ns, FILE *out);

/* One line per change from old to new (--foreground). */
void prio_status_print_changes(const struct prio_status *old,
			       const struct prio_status *new, FILE *out);

#endif

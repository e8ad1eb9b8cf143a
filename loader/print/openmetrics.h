// SPDX-License-Identifier: GPL-2.0-only
/*
 * --status --format=openmetrics: the counters of --status --json as
 * OpenMetrics text (Prometheus' exposition format), for node_exporter's
 * textfile collector or any scraper.
 *
 * Every family is written in both modes (hook and memory.high), with the
 * same name and type: a dashboard never depends on the mode.  Names follow
 * Prometheus' practice: prefix memcg_prio_, base units (_bytes, _seconds),
 * _total on counters; labels group, cgroup, domain, cause.
 */
#ifndef MEMCG_PRIO_LOADER_PRINT_OPENMETRICS_H
#define MEMCG_PRIO_LOADER_PRINT_OPENMETRICS_H

#include <stdbool.h>
#include <stdio.h>

#include "kernel/view.h"

/*
 * st as OpenMetrics 1.0 text (openmetrics: counter families named without
 * _total, "# EOF" at the end), or as the Prometheus text format 0.0.4 that
 * node_exporter's textfile collector and promtool read (the same samples;
 * HELP and TYPE name a counter with its _total).  page_bytes: the page
 * size, to give the policy's page counts in bytes.
 */
void prio_openmetrics_print(const struct prio_status *st, long page_bytes,
			    bool openmetrics, FILE *out);

/* Nothing attached: memcg_prio_attached 0 alone. */
void prio_openmetrics_print_detached(bool openmetrics, FILE *out);

#endif

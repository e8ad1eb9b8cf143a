// SPDX-License-Identifier: GPL-2.0-only
/*
 * Writes priority.ini(5): a hand-written frame around the key reference
 * that conf/ generates from its schema table.  Run at build time.
 *
 * Usage: gen-man OUTPUT VERSION CONFIG_PATH
 */
#include <stdio.h>

#include "priority.h"

static void head(FILE *out, const char *version, const char *config)
{
	fprintf(out,
		".TH PRIORITY.INI 5 \"\" \"memcg-prio %s\" \"File formats\"\n"
		".SH NAME\n"
		"priority.ini \\- memory priorities of cgroup groups for memcg-prio\n"
		".SH SYNOPSIS\n"
		"\\fI%s\\fR\n"
		".SH DESCRIPTION\n"
		"The configuration of \\fBmemcg-prio\\fR(8): named groups of\n"
		"cgroup v2 cgroups, each with a priority.\n"
		"A group is throttled while a group of strictly higher priority\n"
		"needs memory that the group's memory competes for: the kernel\n"
		"treats its cgroups as over their memory.high by the group's\n"
		"penalty, reclaims from them and slows their allocations.\n"
		".PP\n"
		"A group is pressed when reclaim scans its pages for a limit that\n"
		"other cgroups count against too, the reclaim's domain: global\n"
		"reclaim (the whole machine is short), or the memory.max or\n"
		"memory.high of a cgroup strictly above the group's cgroup.\n"
		"It then throttles only the lower groups inside that domain.\n"
		"Reclaim for a limit of the group's own (its cgroup's memory.max,\n"
		"or one below it), reclaim this policy forces on a throttled group,\n"
		"and proactive reclaim (memory.reclaim) press nobody.\n"
		"So a service that hits its own MemoryMax= does not freeze the\n"
		"others; give the groups that compete a common parent with a limit,\n"
		"or rely on the machine's memory.\n"
		"A group covers its cgroup and the whole subtree below it,\n"
		"including cgroups created later; a group nested in another may\n"
		"have a priority of its own, and its cgroups belong to it.\n"
		".PP\n"
		"Pressure is measured as \\fBvmpressure\\fR does: over a window of\n"
		"scanned pages, the share of them that reclaim could not free\n"
		"(the reclaim inefficiency) gives a level, \\fBlow\\fR (any),\n"
		"\\fBmedium\\fR (60%%) or \\fBcritical\\fR (95%%).\n"
		"Experts may use a raw threshold of scanned pages per time window\n"
		"instead.\n"
		".PP\n"
		"An OOM (a memory.max hit, or the whole machine out of memory)\n"
		"should kill in the lowest-priority group of its domain that\n"
		"holds memory worth killing (\\fBoom = priority\\fR).\n"
		"With the OOM hook in the kernel, \\fBmemcg-prio \\-\\-foreground\\fR\n"
		"attaches a BPF policy that kills the largest process of that\n"
		"group; without it, it keeps the groups' oom_score_adj in bands\n"
		"and the kernel still chooses; \\fBmemcg-prio\\fR(8), \"OOM\n"
		"priority\", says exactly what each guarantees.\n"
		"\\fBoom_kill\\fR, \\fBoom_group\\fR and\n"
		"\\fBoomd_preference\\fR tune it per group.\n"
		".PP\n"
		"Every error names the file, the line and the key or group;\n"
		"\\fBmemcg-prio \\-\\-check\\fR reports them without changing anything.\n",
		version, config);
}

static void tail(FILE *out)
{
	fputs(".SH EXAMPLE\n"
	      ".EX\n"
	      "[global]\n"
	      "cgroup_root = /sys/fs/cgroup\n"
	      "\n"
	      "[group.web]\n"
	      "path = web.slice\n"
	      "priority = high\n"
	      "pressure_level = medium\n"
	      "\n"
	      "[group.batch]\n"
	      "path = batch.slice\n"
	      "priority = low\n"
	      "penalty_pages = 1024\n"
	      ".EE\n"
	      ".PP\n"
	      "While reclaim in web.slice (or any cgroup below it) is at least\n"
	      "60% inefficient, every charge in batch.slice counts as 1024\n"
	      "pages over memory.high.\n"
	      ".SH \"SEE ALSO\"\n"
	      "\\fBmemcg-prio\\fR(8)\n", out);
}

int main(int argc, char **argv)
{
	FILE *out;
	int r;

	if (argc != 4) {
		fprintf(stderr, "usage: gen-man OUTPUT VERSION CONFIG_PATH\n");
		return 2;
	}
	out = fopen(argv[1], "we");
	if (!out) {
		perror(argv[1]);
		return 1;
	}
	head(out, argv[2], argv[3]);
	r = prio_schema_write_man(out);
	tail(out);
	if (fclose(out) != 0 || r < 0) {
		fprintf(stderr, "gen-man: cannot write %s\n", argv[1]);
		return 1;
	}
	return 0;
}

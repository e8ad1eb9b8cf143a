// SPDX-License-Identifier: GPL-2.0-only
/*
 * memcg-prio: throttle low-priority cgroups while high-priority ones are
 * under memory reclaim pressure.  See memcg-prio(8).
 *
 * main() parses the command line and runs the command it names through
 * the table in commands.c.
 */
#include <stdio.h>

#include "cli/cmdline.h"
#include "cli/commands.h"
#include "log.h"

#ifndef PRIO_VERSION
#define PRIO_VERSION "unknown"
#endif

int prio_cmd_help(struct prio_ctx *ctx)
{
	(void)ctx;
	prio_cmdline_help(stdout);
	return PRIO_EXIT_OK;
}

int prio_cmd_completion(struct prio_ctx *ctx)
{
	(void)ctx;
	prio_cmdline_completion(stdout);
	return PRIO_EXIT_OK;
}

int prio_cmd_version(struct prio_ctx *ctx)
{
	(void)ctx;
	printf("memcg-prio %s\n", PRIO_VERSION);
	return PRIO_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct prio_args a;
	int r;

	r = prio_cmdline_parse(argc, argv, &a, stderr);
	if (r != PRIO_EXIT_OK)
		return r;
	prio_log_init(a.verbose);
	return prio_command_run(prio_command_find(a.cmd), &a);
}

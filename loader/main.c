// SPDX-License-Identifier: GPL-2.0-only
/*
 * memcg-prio: throttle low-priority cgroups while high-priority ones are
 * under memory reclaim pressure.  See memcg-prio(8).
 */
#include <stdio.h>

#include "cmdline.h"
#include "commands.h"
#include "log.h"

#ifndef PRIO_VERSION
#define PRIO_VERSION "unknown"
#endif

int main(int argc, char **argv)
{
	struct prio_args a;
	int r;

	r = prio_cmdline_parse(argc, argv, &a, stderr);
	if (r != PRIO_EXIT_OK)
		return r;
	prio_log_init(a.verbose);
	switch (a.cmd) {
	case PRIO_CMD_HELP:
		prio_cmdline_help(stdout);
		return PRIO_EXIT_OK;
	case PRIO_CMD_VERSION:
		printf("memcg-prio %s\n", PRIO_VERSION);
		return PRIO_EXIT_OK;
	case PRIO_CMD_ATTACH:
		return prio_cmd_attach(&a);
	case PRIO_CMD_DETACH:
		return prio_cmd_detach(&a);
	case PRIO_CMD_STATUS:
		return prio_cmd_status(&a);
	case PRIO_CMD_CHECK:
		return prio_cmd_check(&a);
	case PRIO_CMD_FOREGROUND:
		return prio_cmd_foreground(&a);
	case PRIO_CMD_DUMP_CONFIG:
		return prio_cmd_dump_config(&a);
	case PRIO_CMD_NONE:
		break;
	}
	return PRIO_EXIT_USAGE;
}

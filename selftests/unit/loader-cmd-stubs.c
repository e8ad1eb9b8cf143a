// SPDX-License-Identifier: GPL-2.0-only
/*
 * The command handlers, for the tests of the command line: it takes the
 * real command table (loader/cli/commands.c), which names them, but never
 * calls them.
 */
#include "cli/commands.h"

#define STUB(name)						\
	int name(struct prio_ctx *ctx)				\
	{							\
		(void)ctx;					\
		return PRIO_EXIT_FAILURE;			\
	}

STUB(prio_cmd_attach)
STUB(prio_cmd_foreground)
STUB(prio_cmd_detach)
STUB(prio_cmd_status)
STUB(prio_cmd_check)
STUB(prio_cmd_dump_config)
STUB(prio_cmd_version)
STUB(prio_cmd_help)
STUB(prio_cmd_completion)

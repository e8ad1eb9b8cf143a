// SPDX-License-Identifier: GPL-2.0-only
/*
 * The table of commands.  The command line (cmdline.c) takes their options
 * and --help text from it, main() runs them through prio_command_run().
 */
#include "cli/commands.h"

/* What --attach and --foreground need before loading a policy. */
#define NEEDS_LOAD (PRIO_NEED_PRIVILEGES | PRIO_NEED_TRUSTED |		\
		    PRIO_NEED_CONFIG | PRIO_NEED_PIN_PATH |		\
		    PRIO_NEED_KERNEL | PRIO_NEED_LOAD)

const struct prio_command prio_commands[] = {
	{ PRIO_CMD_ATTACH, "attach", 'a',
	  NEEDS_LOAD | PRIO_NEED_HOOK | PRIO_NEED_PLAN | PRIO_NEED_NO_STALE,
	  false, prio_cmd_attach,
	  "attach the policy of the config file, pin it, exit;\n"
	  "replaces a policy attached before" },
	{ PRIO_CMD_DETACH, "detach", 'd',
	  PRIO_NEED_PRIVILEGES | PRIO_NEED_PIN_PATH | PRIO_NEED_KERNEL |
	  PRIO_NEED_NO_STALE,
	  false, prio_cmd_detach,
	  "remove all that --attach made, check nothing is left" },
	{ PRIO_CMD_STATUS, "status", 's',
	  PRIO_NEED_PRIVILEGES | PRIO_NEED_PIN_PATH,
	  false, prio_cmd_status,
	  "show groups, links, pressure, throttling, counters" },
	{ PRIO_CMD_CHECK, "check", 0,
	  PRIO_NEED_TRUSTED | PRIO_NEED_CONFIG | PRIO_NEED_PIN_PATH |
	  PRIO_NEED_KERNEL | PRIO_NEED_LOAD,
	  true, prio_cmd_check,
	  "check the config, the cgroups and the kernel;\n"
	  "change nothing" },
	{ PRIO_CMD_FOREGROUND, "foreground", 'f',
	  NEEDS_LOAD | PRIO_NEED_PLAN | PRIO_NEED_NO_STALE,
	  false, prio_cmd_foreground,
	  "attach without pinning, print a line per change\n"
	  "of state, detach on SIGINT or SIGTERM" },
	{ PRIO_CMD_DUMP_CONFIG, "dump-config", 0,
	  PRIO_NEED_CONFIG,
	  false, prio_cmd_dump_config,
	  "print the config with every key spelled out" },
	{ PRIO_CMD_VERSION, "version", 'V', 0, false, prio_cmd_version,
	  "print the version" },
	{ PRIO_CMD_HELP, "help", 'h', 0, false, prio_cmd_help,
	  "print this text" },
	{ PRIO_CMD_COMPLETION, "bash-completion", 0, 0, false,
	  prio_cmd_completion,
	  "print a bash completion script for memcg-prio" },
};

const size_t prio_n_commands = ARRAY_SIZE(prio_commands);

const struct prio_command *prio_command_find(enum prio_cmd cmd)
{
	for (size_t i = 0; i < prio_n_commands; i++)
		if (prio_commands[i].cmd == cmd)
			return &prio_commands[i];
	return NULL;
}

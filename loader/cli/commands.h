// SPDX-License-Identifier: GPL-2.0-only
/*
 * The commands of memcg-prio: one table (commands.c) says what each needs,
 * and main() runs it: the privileges checked, then the steps of
 * enum prio_need met in order on a struct prio_ctx (context.c), then the
 * command's handler.  Handlers return the process exit code
 * (enum prio_exit) and are, with the steps, the only code that logs.
 */
#ifndef MEMCG_PRIO_LOADER_CLI_COMMANDS_H
#define MEMCG_PRIO_LOADER_CLI_COMMANDS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli/cmdline.h"
#include "kernel/probe.h"
#include "plan/cgroups.h"
#include "plan/plan.h"
#include "util.h"

/* What the commands that touch the kernel prepare first. */
struct prio_ctx {
	const struct prio_args *args;
	const char *config_file;
	struct prio_config *config;	/* heap: it is large */
	bool config_loaded;		/* from the file, not defaults */
	struct prio_plan *plan;		/* heap */
	struct prio_kernel kernel;
	enum prio_backend backend;	/* from the config's mode and the kernel */
	struct prio_cgroups_made made;	/* undone by prio_ctx_free() ... */
	bool attached;			/* ... unless this is set */
	char pin_path[PATH_MAX];
	char err[PRIO_ERR_LEN];
};

/* The steps met before a handler runs, in this order. */
enum prio_need {
	PRIO_NEED_PRIVILEGES	= 1u << 0,	/* CAP_SYS_ADMIN, CAP_BPF, CAP_PERFMON */
	PRIO_NEED_TRUSTED	= 1u << 1,	/* the config file is root's alone */
	PRIO_NEED_CONFIG	= 1u << 2,	/* the config file, loaded */
	PRIO_NEED_PIN_PATH	= 1u << 3,	/* -p, else the config's; without
						 * NEED_CONFIG the default config
						 * file may be missing */
	PRIO_NEED_KERNEL	= 1u << 4,	/* the running kernel probed */
	PRIO_NEED_LOAD		= 1u << 5,	/* ... for loading: the reclaim
						 * source and the backend */
	PRIO_NEED_HOOK		= 1u << 6,	/* the backend is the hook */
	PRIO_NEED_PLAN		= 1u << 7,	/* cgroups made, bpffs checked,
						 * the plan built */
	PRIO_NEED_NO_STALE	= 1u << 8,	/* what a killed --foreground
						 * left lowered restored */
};

struct prio_command {
	enum prio_cmd cmd;
	const char *name;		/* the option: --NAME */
	char short_name;		/* -C, or 0 */
	unsigned int needs;		/* enum prio_need */
	bool answers_0_1;		/* every failure is exit code 1 */
	int (*run)(struct prio_ctx *ctx);
	const char *help;		/* for --help */
};

extern const struct prio_command prio_commands[];
extern const size_t prio_n_commands;

/* The table's entry of cmd, NULL for PRIO_CMD_NONE. */
const struct prio_command *prio_command_find(enum prio_cmd cmd);

/* The handlers (cmd_*.c). */
int prio_cmd_attach(struct prio_ctx *ctx);
int prio_cmd_foreground(struct prio_ctx *ctx);
int prio_cmd_detach(struct prio_ctx *ctx);
int prio_cmd_status(struct prio_ctx *ctx);
int prio_cmd_check(struct prio_ctx *ctx);
int prio_cmd_dump_config(struct prio_ctx *ctx);
int prio_cmd_version(struct prio_ctx *ctx);
int prio_cmd_help(struct prio_ctx *ctx);
int prio_cmd_completion(struct prio_ctx *ctx);

/* The frame (context.c). */

/* Run command c for args a: privileges, steps, handler.  Exit code. */
int prio_command_run(const struct prio_command *c, const struct prio_args *a);

/* Probe the kernel; logs what is missing.  Exit code. */
int prio_ctx_probe(struct prio_ctx *ctx);

/*
 * Restore the memory.high values a killed memcg-prio --foreground left
 * lowered for ctx->pin_path, and remove its pins.  Fails, logged, while
 * such a process still runs.  Exit code.
 */
int prio_ctx_clear_stale(struct prio_ctx *ctx);

#endif

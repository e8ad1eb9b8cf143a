// SPDX-License-Identifier: GPL-2.0-only
/*
 * The commands of memcg-prio.  Each returns the process exit code
 * (enum prio_exit) and is the only place, with main(), that logs.
 */
#ifndef MEMCG_PRIO_LOADER_COMMANDS_H
#define MEMCG_PRIO_LOADER_COMMANDS_H

#include <limits.h>
#include <stdbool.h>

#include "cgroups.h"
#include "cmdline.h"
#include "policy.h"
#include "probe.h"
#include "util.h"

/* What the commands that touch the kernel prepare first. */
struct prio_ctx {
	const struct prio_args *args;
	const char *config_file;
	struct prio_config *config;	/* heap: it is large */
	struct prio_plan *plan;		/* heap */
	struct prio_kernel kernel;
	enum prio_backend backend;	/* from the config's mode and the kernel */
	struct prio_cgroups_made made;	/* undone by prio_ctx_free() ... */
	bool attached;			/* ... unless this is set */
	char pin_path[PATH_MAX];
	char err[PRIO_ERR_LEN];
};

int prio_cmd_attach(const struct prio_args *a);
int prio_cmd_foreground(const struct prio_args *a);
int prio_cmd_detach(const struct prio_args *a);
int prio_cmd_status(const struct prio_args *a);
int prio_cmd_check(const struct prio_args *a);
int prio_cmd_dump_config(const struct prio_args *a);

/* Shared steps (common.c). */

/*
 * Fail, naming the missing capabilities, unless this process has
 * CAP_SYS_ADMIN, CAP_BPF and CAP_PERFMON; what names the command.
 */
int prio_need_privileges(const char *what);

/*
 * ctx for args a; free with prio_ctx_free(), which also removes the cgroups
 * prio_ctx_prepare() created unless ctx->attached was set.
 */
int prio_ctx_init(struct prio_ctx *ctx, const struct prio_args *a);
void prio_ctx_free(struct prio_ctx *ctx);

/* Load the config file (a->config or the default); logs the error. */
int prio_ctx_load_config(struct prio_ctx *ctx);

/* Refuse a config file that others than root could change; logs. */
int prio_ctx_trust_config(struct prio_ctx *ctx);

/* ctx->pin_path: --pin-path, else the config's, else the default. */
int prio_ctx_pin_path(struct prio_ctx *ctx);

/* Probe the kernel; logs what is missing.  Exit code. */
int prio_ctx_probe(struct prio_ctx *ctx);
/* The same, then $MEMCG_PRIO_SOURCE applied: for loading a policy. */
int prio_ctx_probe_for_load(struct prio_ctx *ctx);

/*
 * Everything --attach and --foreground do before loading: config, cgroup
 * root, kernel and backend, cgroups (created if the config says so),
 * bpffs, plan.
 */
int prio_ctx_prepare(struct prio_ctx *ctx);

/*
 * Restore the memory.high values a killed memcg-prio --foreground left
 * lowered for ctx->pin_path, and remove its pins.  Fails, logged, while
 * such a process still runs.  Exit code.
 */
int prio_ctx_clear_stale(struct prio_ctx *ctx);

#endif

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The commands about the config that change nothing: --check (the config,
 * the cgroups, the kernel, and whether --attach could replace what runs)
 * and --dump-config.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "kernel/oomctl.h"
#include "kernel/pins.h"
#include "kernel/replace.h"
#include "log.h"
#include "plan/cgroups.h"

static void print_plan(const struct prio_ctx *ctx)
{
	const struct prio_plan *p = ctx->plan;

	for (uint32_t i = 0; i < p->n_groups; i++) {
		const struct prio_plan_group *g = &p->groups[i];
		const struct prio_conf_group *cg = &ctx->config->groups[g->conf_index];

		printf("group '%s': priority %u, cgroup %s (id %llu), %s\n",
		       cg->name, cg->priority, g->path,
		       (unsigned long long)g->cgroup_id,
		       !g->attach ? "watched, never throttled" :
		       g->allow_override ? "throttled (link allows override "
					   "below)" : "throttled");
	}
}

/* Which OOM backend memcg-prio --foreground will use, and why. */
static void print_oom_backend(const struct prio_ctx *ctx)
{
	switch (prio_oom_backend(ctx->config->oom,
				 ctx->kernel.oom_abi != NULL)) {
	case PRIO_OOM_BACKEND_NONE:
		printf("oom: kernel: memcg-prio leaves OOM to the kernel and "
		       "counts the kills\n");
		break;
	case PRIO_OOM_BACKEND_HOOK:
		printf("oom: priority, through the OOM hook (bpf_oom_ops): "
		       "memcg-prio --foreground attaches it to the root cgroup "
		       "and it picks the victim, the largest process of the "
		       "lowest group in the OOM's domain (memcg-prio(8), OOM "
		       "priority)\n");
		break;
	default:
		printf("oom: priority, and %s: memcg-prio --foreground keeps "
		       "oom_score_adj in bands and the kernel chooses "
		       "(memcg-prio(8), OOM priority)\n",
		       ctx->kernel.no_oom_hook[0] ? ctx->kernel.no_oom_hook :
		       "this kernel has no OOM hook");
	}
}

/* With a policy attached: could --attach replace it?  -1 if not. */
static int check_replace(struct prio_ctx *ctx, bool have_plan)
{
	struct prio_replace *rep;

	printf("a policy is attached (pinned at %s)", ctx->pin_path);
	if (!have_plan || geteuid() != 0) {
		printf(": --attach would try to replace it\n");
		return 0;
	}
	if (prio_replace_plan(&rep, ctx->pin_path, ctx->kernel.abi,
			      ctx->config, ctx->plan, ctx->err,
			      sizeof(ctx->err)) < 0) {
		printf("\n");
		log_err("%s", ctx->err);
		return -1;
	}
	printf(": --attach would replace it, keeping %u links, adding %u, "
	       "removing %u\n", rep->diff.n_keep, rep->diff.n_add,
	       rep->diff.n_drop);
	prio_replace_free(rep);
	return 0;
}

/* The checks of --check that need the cgroups to exist. */
static int check_plan(struct prio_ctx *ctx, unsigned int missing)
{
	if (missing) {
		printf("%u cgroups do not exist yet; --attach would create them "
		       "(create_cgroups = true)\n", missing);
		return 0;
	}
	if (prio_plan_build(ctx->config, ctx->config->cgroup_root, ctx->plan,
			    ctx->err, sizeof(ctx->err)) < 0)
		return -EINVAL;
	print_plan(ctx);
	return 0;
}

int prio_cmd_check(struct prio_ctx *ctx)
{
	unsigned int missing = 0;

	if (prio_cgroup_check_root(ctx->config->cgroup_root, ctx->err,
				   sizeof(ctx->err)) < 0 ||
	    prio_cgroups_prepare(ctx->config, NULL, &missing, ctx->err,
				 sizeof(ctx->err)) < 0 ||
	    prio_pins_check_fs(ctx->pin_path, ctx->err, sizeof(ctx->err)) < 0 ||
	    check_plan(ctx, missing) < 0) {
		log_err("%s", ctx->err);
		return PRIO_EXIT_FAILURE;
	}
	if (prio_pins_present(ctx->pin_path) &&
	    check_replace(ctx, missing == 0) < 0)
		return PRIO_EXIT_FAILURE;
	if (geteuid() != 0)
		log_warn("not root: --attach will need root");
	printf("%s: fine: %u groups, kernel %s %s memcg_bpf_ops, reclaim "
	       "seen through %s (source %s; if it falls silent: %s)\n",
	       ctx->config_file, ctx->config->n_groups, ctx->kernel.release,
	       ctx->kernel.abi ? "with" : "without",
	       prio_source_hook(ctx->kernel.source),
	       prio_source_name(ctx->kernel.source),
	       ctx->kernel.fallback < PRIO_NR_SOURCES ?
	       prio_source_name(ctx->kernel.fallback) : "no fallback");
	if (ctx->backend == PRIO_BACKEND_HOOK)
		printf("mode: hook (mode = %s): memcg-prio --attach, or the "
		       "unit memcg-prio.service\n",
		       prio_mode_to_string(ctx->config->mode));
	else
		printf("mode: memory.high (mode = %s): memcg-prio --foreground "
		       "lowers memory.high itself; run it, or the unit "
		       "memcg-prio-foreground.service\n",
		       prio_mode_to_string(ctx->config->mode));
	print_oom_backend(ctx);
	return PRIO_EXIT_OK;
}

int prio_cmd_dump_config(struct prio_ctx *ctx)
{
	if (prio_config_dump(ctx->config, stdout) < 0) {
		log_err("cannot write the config: %s", strerror(EIO));
		return PRIO_EXIT_FAILURE;
	}
	return PRIO_EXIT_OK;
}

// SPDX-License-Identifier: GPL-2.0-only
/* The commands that change nothing: --status, --check, --dump-config. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroups.h"
#include "commands.h"
#include "highctl.h"
#include "log.h"
#include "pins.h"
#include "probe.h"
#include "status.h"
#include "view.h"

int prio_cmd_status(const struct prio_args *a)
{
	struct prio_status *st = NULL;
	char file[PATH_MAX];
	struct prio_ctx ctx;
	struct prio_view v;
	int r;

	r = prio_need_privileges("--status");
	if (r == PRIO_EXIT_OK)
		r = prio_ctx_init(&ctx, a);
	if (r != PRIO_EXIT_OK)
		return r;
	r = prio_ctx_pin_path(&ctx);
	if (r != PRIO_EXIT_OK)
		goto out;
	if (!prio_pins_present(ctx.pin_path)) {
		if (a->json)
			prio_status_print_json_detached(ctx.pin_path, stdout);
		else
			printf("memcg-prio: not attached (nothing pinned at "
			       "%s)\n", ctx.pin_path);
		r = PRIO_EXIT_NOT_ATTACHED;
		goto out;
	}
	r = prio_ctx_probe(&ctx);
	if (r != PRIO_EXIT_OK)
		goto out;
	if (prio_view_open_pins(&v, ctx.pin_path, ctx.err, sizeof(ctx.err)) < 0) {
		log_err("%s", ctx.err);
		r = PRIO_EXIT_FAILURE;
		goto out;
	}
	st = calloc(1, sizeof(*st));
	if (!st || prio_view_read(&v, ctx.kernel.abi, st) < 0) {
		log_err("cannot read the policy's maps at %s: %s", ctx.pin_path,
			strerror(st ? errno : ENOMEM));
		r = PRIO_EXIT_FAILURE;
		goto done;
	}
	if (st->backend == PRIO_BACKEND_MEMORY_HIGH &&
	    prio_highctl_state_file(ctx.pin_path, file, sizeof(file)) == 0)
		prio_highctl_read_state(file, st);
	if (a->json) {
		prio_status_print_json(st, ctx.pin_path, stdout);
	} else {
		prio_status_print_text(st, ctx.pin_path, stdout);
	}
done:
	free(st);
	prio_view_close(&v);
out:
	prio_ctx_free(&ctx);
	return r;
}

static void print_plan(const struct prio_ctx *ctx)
{
	const struct prio_plan *p = ctx->plan;

	for (uint32_t i = 0; i < p->n_groups; i++) {
		const struct prio_plan_group *g = &p->groups[i];
		const struct prio_group *cg = &ctx->config->groups[g->conf_index];

		printf("group '%s': priority %u, cgroup %s (id %llu), %s\n",
		       cg->name, cg->priority, g->path,
		       (unsigned long long)g->cgroup_id,
		       !g->attach ? "watched, never throttled" :
		       g->allow_override ? "throttled (link allows override "
					   "below)" : "throttled");
	}
}

/* With a policy attached: could --attach replace it?  -1 if not. */
static int check_replace(struct prio_ctx *ctx, bool have_plan)
{
	static struct prio_group_cfg old[PRIO_MAX_GROUPS];
	static struct prio_diff d;
	struct prio_view v;

	int r;

	printf("a policy is attached (pinned at %s)", ctx->pin_path);
	if (!have_plan || geteuid() != 0) {
		printf(": --attach would try to replace it\n");
		return 0;
	}
	r = prio_view_open_pins(&v, ctx->pin_path, ctx->err, sizeof(ctx->err));
	if (!r) {
		prio_view_live_groups(&v, ctx->kernel.abi, old);
		r = prio_plan_diff(old, v.n_groups, ctx->config, ctx->plan, &d,
				   ctx->err, sizeof(ctx->err));
		prio_view_close(&v);
	}
	if (r < 0) {
		printf("\n");
		log_err("--attach could not replace it: %s", ctx->err);
		return -1;
	}
	printf(": --attach would replace it, keeping %u links, adding %u, "
	       "removing %u\n", d.n_keep, d.n_add, d.n_drop);
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

int prio_cmd_check(const struct prio_args *a)
{
	struct prio_ctx ctx;
	unsigned int missing = 0;
	int r;

	r = prio_ctx_init(&ctx, a);
	if (r != PRIO_EXIT_OK)
		return r;
	r = prio_ctx_trust_config(&ctx);
	if (r == PRIO_EXIT_OK)
		r = prio_ctx_load_config(&ctx);
	if (r != PRIO_EXIT_OK)
		goto out;
	snprintf(ctx.pin_path, sizeof(ctx.pin_path), "%s",
		 a->pin_path ? a->pin_path : ctx.config->pin_path);
	/* --check answers 0 or 1, whatever is wrong. */
	if (prio_ctx_probe_for_load(&ctx) != PRIO_EXIT_OK) {
		r = PRIO_EXIT_FAILURE;
		goto out;
	}
	if (prio_kernel_backend(&ctx.kernel, ctx.config->mode, &ctx.backend,
				ctx.err, sizeof(ctx.err)) < 0) {
		log_err("%s: %s", ctx.config_file, ctx.err);
		r = PRIO_EXIT_FAILURE;
		goto out;
	}
	if (prio_cgroup_check_root(ctx.config->cgroup_root, ctx.err,
				   sizeof(ctx.err)) < 0 ||
	    prio_cgroups_prepare(ctx.config, NULL, &missing, ctx.err,
				 sizeof(ctx.err)) < 0 ||
	    prio_pins_check_fs(ctx.pin_path, ctx.err, sizeof(ctx.err)) < 0 ||
	    check_plan(&ctx, missing) < 0) {
		log_err("%s", ctx.err);
		r = PRIO_EXIT_FAILURE;
		goto out;
	}
	if (prio_pins_present(ctx.pin_path) &&
	    check_replace(&ctx, missing == 0) < 0) {
		r = PRIO_EXIT_FAILURE;
		goto out;
	}
	if (geteuid() != 0)
		log_warn("not root: --attach will need root");
	printf("%s: fine: %u groups, kernel %s %s memcg_bpf_ops, reclaim "
	       "seen through %s (source %s)\n", ctx.config_file,
	       ctx.config->n_groups, ctx.kernel.release,
	       ctx.kernel.abi ? "with" : "without",
	       prio_source_hook(ctx.kernel.source),
	       prio_source_name(ctx.kernel.source));
	if (ctx.backend == PRIO_BACKEND_HOOK)
		printf("mode: hook (mode = %s): memcg-prio --attach, or the "
		       "unit memcg-prio.service\n",
		       prio_mode_to_string(ctx.config->mode));
	else
		printf("mode: memory.high (mode = %s): memcg-prio --foreground "
		       "lowers memory.high itself; run it, or the unit "
		       "memcg-prio-foreground.service\n",
		       prio_mode_to_string(ctx.config->mode));
out:
	prio_ctx_free(&ctx);
	return r;
}

int prio_cmd_dump_config(const struct prio_args *a)
{
	struct prio_ctx ctx;
	int r;

	r = prio_ctx_init(&ctx, a);
	if (r != PRIO_EXIT_OK)
		return r;
	r = prio_ctx_load_config(&ctx);
	if (r == PRIO_EXIT_OK && prio_config_dump(ctx.config, stdout) < 0) {
		log_err("cannot write the config: %s", strerror(EIO));
		r = PRIO_EXIT_FAILURE;
	}
	prio_ctx_free(&ctx);
	return r;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * --attach: load, attach, pin, exit; or, with a policy already pinned,
 * replace it (kernel/replace.h) without a moment in which a group that
 * should be throttled is not.  All or nothing: on failure, what this run
 * made is undone and what was there before is left as it was.
 */
#include <stdio.h>

#include "cli/commands.h"
#include "kernel/pins.h"
#include "kernel/replace.h"
#include "kernel/session.h"
#include "log.h"

static int load(struct prio_ctx *ctx, struct prio_session *s)
{
	return prio_session_load(s, &ctx->kernel, ctx->config, ctx->plan,
				 ctx->backend, ctx->args->dry_run, ctx->err,
				 sizeof(ctx->err));
}

static int attach_fresh(struct prio_ctx *ctx)
{
	struct prio_session s;
	char dir[PATH_MAX];
	int r;

	r = prio_pins_sibling(ctx->pin_path, PRIO_PINS_NEW, dir, sizeof(dir));
	if (r < 0)
		prio_fail(ctx->err, sizeof(ctx->err), r, "pin path %s is too "
			  "long", ctx->pin_path);
	else
		r = load(ctx, &s);
	if (r < 0)
		goto out;
	r = prio_pins_mkdir(dir, ctx->err, sizeof(ctx->err));
	if (!r)
		r = prio_session_attach_all(&s, ctx->err, sizeof(ctx->err));
	if (!r)
		r = prio_session_pin(&s, dir, ctx->err, sizeof(ctx->err));
	if (!r)
		r = prio_pins_install(dir, ctx->pin_path, ctx->err,
				      sizeof(ctx->err));
	/* Pinned links stay; on failure the others go with their fds. */
	prio_session_close(&s);
	if (r < 0)
		prio_pins_remove(dir);
out:
	if (r < 0) {
		log_err("%s; nothing was attached", ctx->err);
		return PRIO_EXIT_FAILURE;
	}
	ctx->attached = true;
	log_info("attached %u groups, %u struct_ops links, pinned at %s%s",
		 ctx->plan->n_groups, ctx->plan->n_attach, ctx->pin_path,
		 ctx->args->dry_run ? " (dry run)" : "");
	return PRIO_EXIT_OK;
}

static int attach_replace(struct prio_ctx *ctx)
{
	struct prio_replace *rep;
	struct prio_session s;
	int r;

	r = prio_replace_plan(&rep, ctx->pin_path, ctx->kernel.abi,
			      ctx->config, ctx->plan, ctx->err,
			      sizeof(ctx->err));
	if (r < 0) {
		log_err("%s", ctx->err);
		return PRIO_EXIT_FAILURE;
	}
	r = load(ctx, &s);
	if (!r) {
		r = prio_replace_build(rep, &s, ctx->err, sizeof(ctx->err));
		if (!r)
			r = prio_replace_commit(rep, &s, ctx->err,
						sizeof(ctx->err));
		if (!r)
			prio_replace_finish(rep);
		prio_session_close(&s);
	}
	if (r < 0) {
		prio_replace_free(rep);
		log_err("%s; the running policy was left as it was", ctx->err);
		return PRIO_EXIT_FAILURE;
	}
	ctx->attached = true;
	log_info("replaced the policy at %s: %u links kept, %u added, %u "
		 "removed", ctx->pin_path, rep->diff.n_keep, rep->diff.n_add,
		 rep->diff.n_drop);
	prio_replace_free(rep);
	return PRIO_EXIT_OK;
}

int prio_cmd_attach(struct prio_ctx *ctx)
{
	return prio_pins_present(ctx->pin_path) ? attach_replace(ctx) :
						  attach_fresh(ctx);
}

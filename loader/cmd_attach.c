// SPDX-License-Identifier: GPL-2.0-only
/*
 * --attach: load, attach, pin, exit; or, with a policy already pinned,
 * replace it without a moment in which a group that should be throttled is
 * not.  All or nothing: on failure, what this run made is undone and what
 * was there before is left as it was.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "commands.h"
#include "log.h"
#include "pins.h"
#include "session.h"
#include "view.h"

/* Load the policy of ctx's config; tmp gets the name of the new pin dir. */
static int load_session(struct prio_ctx *ctx, struct prio_session *s,
			char *tmp, size_t tmp_size)
{
	int r = prio_pins_sibling(ctx->pin_path, PRIO_PINS_NEW, tmp, tmp_size);

	if (r)
		return r;
	return prio_session_load(s, &ctx->kernel, ctx->config, ctx->plan,
				 ctx->backend, ctx->args->dry_run, ctx->err,
				 sizeof(ctx->err));
}

static int attach_fresh(struct prio_ctx *ctx)
{
	struct prio_session s;
	char tmp[PATH_MAX];
	int r;

	r = load_session(ctx, &s, tmp, sizeof(tmp));
	if (r < 0)
		goto out;
	r = prio_pins_mkdir(tmp, ctx->err, sizeof(ctx->err));
	if (!r)
		r = prio_session_attach_all(&s, ctx->err, sizeof(ctx->err));
	if (!r)
		r = prio_session_pin(&s, tmp, ctx->err, sizeof(ctx->err));
	if (!r)
		r = prio_pins_install(tmp, ctx->pin_path, ctx->err,
				      sizeof(ctx->err));
	/* Pinned links stay; on failure the others go with their fds. */
	prio_session_close(&s);
	if (r < 0)
		prio_pins_remove(tmp);
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

/* Swap every kept link to the new ops; on failure, swap back. */
static int swap_kept(struct prio_ctx *ctx, const struct prio_view *v,
		     const struct prio_diff *d, int new_ops_fd, int old_ops_fd)
{
	const struct prio_attach_abi *abi = ctx->kernel.abi;
	uint32_t j;
	int r = 0;

	for (j = 0; j < d->n_keep; j++) {
		r = abi->update(v->link_fd[d->keep_old[j]], new_ops_fd);
		if (r < 0)
			break;
	}
	if (!r)
		return 0;
	snprintf(ctx->err, sizeof(ctx->err), "cannot swap the ops of group "
		 "'%s': %s", v->groups[d->keep_old[j]].name, strerror(-r));
	while (j-- > 0)
		if (abi->update(v->link_fd[d->keep_old[j]], old_ops_fd) < 0)
			log_warn("group '%s': cannot swap its old ops back",
				 v->groups[d->keep_old[j]].name);
	return r;
}

/* The struct_ops map the old links use, opened, or -errno. */
static int old_ops_fd(const struct prio_ctx *ctx, const struct prio_view *v,
		      const struct prio_diff *d)
{
	uint64_t cgroup_id;
	uint32_t id, map_id;
	int fd;

	if (!d->n_keep)
		return -ENOENT;
	if (ctx->kernel.abi->link_info(v->link_fd[d->keep_old[0]], &id,
				       &cgroup_id, &map_id) < 0)
		return -EIO;
	fd = bpf_map_get_fd_by_id(map_id);
	return fd < 0 ? -errno : fd;
}

static int pin_kept(struct prio_ctx *ctx, const struct prio_view *v,
		    const struct prio_diff *d, const char *tmp)
{
	char rel[64];
	int r = 0;

	for (uint32_t j = 0; !r && j < d->n_keep; j++) {
		uint32_t i = ctx->plan->groups[d->keep_new[j]].conf_index;

		snprintf(rel, sizeof(rel), PRIO_PIN_GROUP "%s",
			 ctx->config->groups[i].name);
		r = prio_pin(tmp, rel, v->link_fd[d->keep_old[j]], ctx->err,
			     sizeof(ctx->err));
	}
	return r;
}

/* New watching programs, new links, all pins in tmp; nothing old touched. */
static int replace_build(struct prio_ctx *ctx, struct prio_session *s,
			 const struct prio_view *v, const struct prio_diff *d,
			 const char *tmp)
{
	char *err = ctx->err;
	size_t len = sizeof(ctx->err);
	int r;

	r = prio_pins_mkdir(tmp, err, len);
	if (!r)
		r = prio_session_attach_watch(s, err, len);
	for (uint32_t j = 0; !r && j < d->n_add; j++)
		r = prio_session_attach_group(s, d->add[j], err, len);
	if (!r)
		r = prio_session_pin(s, tmp, err, len);
	if (!r)
		r = pin_kept(ctx, v, d, tmp);
	return r;
}

/* After the switch: old links that are not kept go, then the old pins. */
static void replace_cleanup(struct prio_ctx *ctx, const struct prio_view *v,
			    const struct prio_diff *d, const char *old)
{
	for (uint32_t j = 0; j < d->n_drop; j++) {
		int r = ctx->kernel.abi->detach(v->link_fd[d->drop[j]]);

		if (r < 0)
			log_warn("group '%s': cannot detach its old link: %s",
				 v->groups[d->drop[j]].name, strerror(-r));
	}
	if (prio_pins_remove(old) < 0)
		log_warn("cannot remove the old pins in %s: %s", old,
			 strerror(errno));
}

/* Swap the kept links to the new ops and the new pins into place. */
static int replace_switch(struct prio_ctx *ctx, struct prio_session *s,
			  const struct prio_view *v, const struct prio_diff *d,
			  const char *tmp)
{
	int new_fd = bpf_map__fd(prio_session_ops(s)), old_fd, r;

	old_fd = old_ops_fd(ctx, v, d);
	if (d->n_keep && old_fd < 0)
		return prio_fail(ctx->err, sizeof(ctx->err), old_fd, "cannot "
				 "find the ops of the running policy: %s",
				 strerror(-old_fd));
	r = swap_kept(ctx, v, d, new_fd, old_fd);
	if (!r) {
		r = prio_pins_install(tmp, ctx->pin_path, ctx->err,
				      sizeof(ctx->err));
		for (uint32_t j = 0; r < 0 && j < d->n_keep; j++)
			if (ctx->kernel.abi->update(v->link_fd[d->keep_old[j]],
						    old_fd) < 0)
				log_warn("group '%s': cannot swap its old ops "
					 "back", v->groups[d->keep_old[j]].name);
	}
	if (old_fd >= 0)
		close(old_fd);
	return r;
}

static int attach_replace(struct prio_ctx *ctx)
{
	static struct prio_group_cfg old[PRIO_MAX_GROUPS];
	static struct prio_diff d;
	struct prio_session s;
	struct prio_view v;
	char tmp[PATH_MAX];
	int r;

	r = prio_view_open_pins(&v, ctx->pin_path, ctx->err, sizeof(ctx->err));
	if (r < 0) {
		log_err("cannot replace the policy pinned at %s: %s; run "
			"memcg-prio --detach first", ctx->pin_path, ctx->err);
		return PRIO_EXIT_FAILURE;
	}
	prio_view_live_groups(&v, ctx->kernel.abi, old);
	r = prio_plan_diff(old, v.n_groups, ctx->config, ctx->plan, &d,
			   ctx->err, sizeof(ctx->err));
	if (r < 0) {
		log_err("cannot replace the running policy: %s; run "
			"memcg-prio --detach, then --attach", ctx->err);
		prio_view_close(&v);
		return PRIO_EXIT_FAILURE;
	}
	r = load_session(ctx, &s, tmp, sizeof(tmp));
	if (r < 0)
		goto out;
	r = replace_build(ctx, &s, &v, &d, tmp);
	if (!r)
		r = replace_switch(ctx, &s, &v, &d, tmp);
	/* On success tmp holds the old pins now; either way they go. */
	if (!r)
		replace_cleanup(ctx, &v, &d, tmp);
	else
		prio_pins_remove(tmp);
	prio_session_close(&s);
out:
	prio_view_close(&v);
	if (r < 0) {
		log_err("%s; the running policy was left as it was", ctx->err);
		return PRIO_EXIT_FAILURE;
	}
	ctx->attached = true;
	log_info("replaced the policy at %s: %u links kept, %u added, %u "
		 "removed", ctx->pin_path, d.n_keep, d.n_add, d.n_drop);
	return PRIO_EXIT_OK;
}

int prio_cmd_attach(const struct prio_args *a)
{
	struct prio_ctx ctx;
	int r;

	r = prio_need_privileges("--attach");
	if (r == PRIO_EXIT_OK)
		r = prio_ctx_init(&ctx, a);
	if (r != PRIO_EXIT_OK)
		return r;
	r = prio_ctx_prepare(&ctx);
	if (r == PRIO_EXIT_OK && ctx.backend != PRIO_BACKEND_HOOK) {
		log_err("%s: mode memory.high%s needs a process that stays: "
			"run memcg-prio --foreground, or the unit "
			"memcg-prio-foreground.service", ctx.config_file,
			ctx.kernel.abi ? "" : " (the running kernel has no "
			"memcg_bpf_ops)");
		r = PRIO_EXIT_FAILURE;
	}
	if (r == PRIO_EXIT_OK)
		r = prio_ctx_clear_stale(&ctx);
	if (r == PRIO_EXIT_OK)
		r = prio_pins_present(ctx.pin_path) ? attach_replace(&ctx) :
						      attach_fresh(&ctx);
	prio_ctx_free(&ctx);
	return r;
}

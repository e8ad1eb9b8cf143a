// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroups.h"
#include "commands.h"
#include "highctl.h"
#include "log.h"
#include "pins.h"
#include "trust.h"
#include "view.h"

/* include/uapi/linux/capability.h, for headers older than 5.8 */
#ifndef CAP_PERFMON
#define CAP_PERFMON	38
#endif
#ifndef CAP_BPF
#define CAP_BPF		39
#endif

/* Is capability cap in this process's effective set? */
static bool has_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = { 0 };

	if (syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

int prio_need_privileges(const char *what)
{
	static const struct {
		int cap;
		const char *name, *why;
	} caps[] = {
		{ CAP_SYS_ADMIN, "CAP_SYS_ADMIN", "struct_ops and cgroups" },
		{ CAP_BPF, "CAP_BPF", "BPF programs and maps" },
		{ CAP_PERFMON, "CAP_PERFMON", "fentry programs" },
	};
	char missing[160] = "";
	size_t used = 0;

	for (size_t i = 0; i < ARRAY_SIZE(caps); i++)
		if (!has_cap(caps[i].cap) && used < sizeof(missing))
			used += (size_t)snprintf(missing + used,
						 sizeof(missing) - used,
						 "%s%s (%s)", used ? ", " : "",
						 caps[i].name, caps[i].why);
	if (!used)
		return PRIO_EXIT_OK;
	log_err("%s needs root's privileges; this process lacks %s", what,
		missing);
	return PRIO_EXIT_FAILURE;
}

int prio_ctx_init(struct prio_ctx *ctx, const struct prio_args *a)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->args = a;
	ctx->config_file = a->config ? a->config : PRIO_DEFAULT_CONFIG;
	ctx->config = calloc(1, sizeof(*ctx->config));
	ctx->plan = calloc(1, sizeof(*ctx->plan));
	if (!ctx->config || !ctx->plan) {
		log_err("out of memory");
		prio_ctx_free(ctx);
		return PRIO_EXIT_FAILURE;
	}
	return PRIO_EXIT_OK;
}

void prio_ctx_free(struct prio_ctx *ctx)
{
	if (ctx->config && !ctx->attached)
		prio_cgroups_undo(ctx->config, &ctx->made);
	free(ctx->config);
	free(ctx->plan);
	ctx->config = NULL;
	ctx->plan = NULL;
	prio_kernel_free(&ctx->kernel);
}

int prio_ctx_load_config(struct prio_ctx *ctx)
{
	int r;

	r = prio_config_load(ctx->config_file, ctx->config, ctx->err,
			     sizeof(ctx->err));
	if (r == 0)
		return PRIO_EXIT_OK;
	if (r == -EINVAL)
		log_err("%s", ctx->err);
	else
		log_err("cannot read config file %s: %s", ctx->config_file,
			strerror(-r));
	return PRIO_EXIT_FAILURE;
}

int prio_ctx_pin_path(struct prio_ctx *ctx)
{
	const struct prio_args *a = ctx->args;
	int r;

	if (a->pin_path) {
		snprintf(ctx->pin_path, sizeof(ctx->pin_path), "%s", a->pin_path);
		return PRIO_EXIT_OK;
	}
	/* A config named on the command line must be good; the default
	 * one may be missing (then the default pin path applies). */
	if (a->config || access(ctx->config_file, F_OK) == 0) {
		r = prio_ctx_load_config(ctx);
		if (r != PRIO_EXIT_OK)
			return r;
	} else {
		prio_config_defaults(ctx->config);
	}
	snprintf(ctx->pin_path, sizeof(ctx->pin_path), "%s",
		 ctx->config->pin_path);
	return PRIO_EXIT_OK;
}

int prio_ctx_probe(struct prio_ctx *ctx)
{
	if (prio_kernel_probe(&ctx->kernel, ctx->err, sizeof(ctx->err)) == 0)
		return PRIO_EXIT_OK;
	log_err("%s", ctx->err);
	return PRIO_EXIT_UNSUPPORTED;
}

int prio_ctx_probe_for_load(struct prio_ctx *ctx)
{
	int r = prio_ctx_probe(ctx);

	if (r != PRIO_EXIT_OK)
		return r;
	if (prio_kernel_source_from_env(&ctx->kernel, ctx->err,
					sizeof(ctx->err)) == 0)
		return PRIO_EXIT_OK;
	log_err("%s", ctx->err);
	return PRIO_EXIT_UNSUPPORTED;
}

int prio_ctx_trust_config(struct prio_ctx *ctx)
{
	if (prio_config_trusted(ctx->config_file, ctx->err,
				sizeof(ctx->err)) == 0)
		return PRIO_EXIT_OK;
	log_err("%s", ctx->err);
	return PRIO_EXIT_FAILURE;
}

int prio_ctx_prepare(struct prio_ctx *ctx)
{
	int r;

	r = prio_ctx_trust_config(ctx);
	if (r == PRIO_EXIT_OK)
		r = prio_ctx_load_config(ctx);
	if (r != PRIO_EXIT_OK)
		return r;
	snprintf(ctx->pin_path, sizeof(ctx->pin_path), "%s",
		 ctx->args->pin_path ? ctx->args->pin_path :
				       ctx->config->pin_path);
	if (prio_cgroup_check_root(ctx->config->cgroup_root, ctx->err,
				   sizeof(ctx->err)) < 0)
		goto fail;
	r = prio_ctx_probe_for_load(ctx);
	if (r != PRIO_EXIT_OK)
		return r;
	if (prio_kernel_backend(&ctx->kernel, ctx->config->mode, &ctx->backend,
				ctx->err, sizeof(ctx->err)) < 0) {
		log_err("%s: %s", ctx->config_file, ctx->err);
		return PRIO_EXIT_UNSUPPORTED;
	}
	if (prio_cgroups_prepare(ctx->config, &ctx->made, NULL, ctx->err,
				 sizeof(ctx->err)) < 0 ||
	    prio_pins_check_fs(ctx->pin_path, ctx->err, sizeof(ctx->err)) < 0 ||
	    prio_plan_build(ctx->config, ctx->config->cgroup_root, ctx->plan,
			    ctx->err, sizeof(ctx->err)) < 0)
		goto fail;
	return PRIO_EXIT_OK;
fail:
	log_err("%s", ctx->err);
	return PRIO_EXIT_FAILURE;
}

/* The backend of the policy pinned at pin_path, -1 if none or unknown. */
static int pinned_backend(const char *pin_path)
{
	struct prio_view v;
	char err[PRIO_ERR_LEN];
	int b;

	if (prio_view_open_pins(&v, pin_path, err, sizeof(err)) < 0)
		return -1;
	b = (int)v.backend;
	prio_view_close(&v);
	return b;
}

int prio_ctx_clear_stale(struct prio_ctx *ctx)
{
	char file[PATH_MAX];
	pid_t owner = 0;
	int n;

	if (prio_highctl_state_file(ctx->pin_path, file, sizeof(file)) < 0 ||
	    access(file, F_OK) < 0)
		return PRIO_EXIT_OK;
	n = prio_highctl_recover(file, stderr, &owner, ctx->err,
				 sizeof(ctx->err));
	if (n < 0) {
		log_err("%s", ctx->err);
		return PRIO_EXIT_FAILURE;
	}
	/* Its pins hold maps only: nothing is attached through them. */
	if (pinned_backend(ctx->pin_path) == PRIO_BACKEND_MEMORY_HIGH &&
	    prio_pins_remove(ctx->pin_path) < 0) {
		log_err("cannot remove the pins at %s that memcg-prio "
			"--foreground (pid %ld) left: %s", ctx->pin_path,
			(long)owner, strerror(errno));
		return PRIO_EXIT_FAILURE;
	}
	log_info("cleaned up after memcg-prio --foreground (pid %ld), which "
		 "ended without doing so: %d memory.high values restored",
		 (long)owner, n);
	return PRIO_EXIT_OK;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The frame every command runs in: its privileges checked, the steps its
 * table entry needs met on a struct prio_ctx, its handler called, the
 * context freed (which removes the cgroups it made unless it attached).
 */
#include <errno.h>
#include <stdbool.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plan/cgroups.h"
#include "cli/commands.h"
#include "kernel/highctl.h"
#include "kernel/lowctl.h"
#include "kernel/oomctl.h"
#include "kernel/oomhook.h"
#include "log.h"
#include "kernel/pins.h"
#include "plan/trust.h"
#include "kernel/view.h"

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

/* Fail, naming the missing capabilities; what names the command. */
static int need_privileges(const char *what)
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

static void ctx_free(struct prio_ctx *ctx);

static int ctx_init(struct prio_ctx *ctx, const struct prio_args *a)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->args = a;
	ctx->config_file = a->config ? a->config : PRIO_DEFAULT_CONFIG;
	ctx->config = calloc(1, sizeof(*ctx->config));
	ctx->plan = calloc(1, sizeof(*ctx->plan));
	if (!ctx->config || !ctx->plan) {
		log_err("out of memory");
		ctx_free(ctx);
		return PRIO_EXIT_FAILURE;
	}
	return PRIO_EXIT_OK;
}

static void ctx_free(struct prio_ctx *ctx)
{
	if (ctx->config && !ctx->attached)
		prio_cgroups_undo(ctx->config, &ctx->made);
	free(ctx->config);
	free(ctx->plan);
	ctx->config = NULL;
	ctx->plan = NULL;
	prio_kernel_free(&ctx->kernel);
}

/* Load the config file (-c or the default); logs the error. */
static int load_config(struct prio_ctx *ctx)
{
	int r;

	r = prio_config_load(ctx->config_file, ctx->config, ctx->err,
			     sizeof(ctx->err));
	ctx->config_loaded = r == 0;
	if (r == 0)
		return PRIO_EXIT_OK;
	if (r == -EINVAL)
		log_err("%s", ctx->err);
	else
		log_err("cannot read config file %s: %s", ctx->config_file,
			strerror(-r));
	return PRIO_EXIT_FAILURE;
}

/* ctx->pin_path: --pin-path, else the config's, else the default. */
static int pin_path(struct prio_ctx *ctx)
{
	const struct prio_args *a = ctx->args;
	int r;

	/* A config named on the command line must be good; the default
	 * one may be missing (then the default pin path applies). */
	if (!a->pin_path && !ctx->config_loaded) {
		if (a->config || access(ctx->config_file, F_OK) == 0) {
			r = load_config(ctx);
			if (r != PRIO_EXIT_OK)
				return r;
		} else {
			prio_config_defaults(ctx->config);
		}
	}
	snprintf(ctx->pin_path, sizeof(ctx->pin_path), "%s",
		 a->pin_path ? a->pin_path : ctx->config->pin_path);
	return PRIO_EXIT_OK;
}

int prio_ctx_probe(struct prio_ctx *ctx)
{
	if (prio_kernel_probe(&ctx->kernel, ctx->err, sizeof(ctx->err)) == 0)
		return PRIO_EXIT_OK;
	log_err("%s", ctx->err);
	return PRIO_EXIT_UNSUPPORTED;
}

/* $MEMCG_PRIO_SOURCE applied, the backend of the config's mode. */
static int probe_for_load(struct prio_ctx *ctx)
{
	if (prio_kernel_source_from_env(&ctx->kernel, ctx->err,
					sizeof(ctx->err)) < 0) {
		log_err("%s", ctx->err);
		return PRIO_EXIT_UNSUPPORTED;
	}
	if (prio_kernel_backend(&ctx->kernel, ctx->config->mode, &ctx->backend,
				ctx->err, sizeof(ctx->err)) < 0) {
		log_err("%s: %s", ctx->config_file, ctx->err);
		return PRIO_EXIT_UNSUPPORTED;
	}
	return PRIO_EXIT_OK;
}

/* Mode memory.high has no pins that hold it: it needs --foreground. */
static int need_hook(struct prio_ctx *ctx)
{
	if (ctx->backend == PRIO_BACKEND_HOOK)
		return PRIO_EXIT_OK;
	log_err("%s: mode memory.high%s needs a process that stays: run "
		"memcg-prio --foreground, or the unit "
		"memcg-prio-foreground.service", ctx->config_file,
		ctx->kernel.abi ? "" : " (the running kernel has no "
		"memcg_bpf_ops)");
	return PRIO_EXIT_FAILURE;
}

/* Refuse a config file that others than root could change; logs. */
static int trust_config(struct prio_ctx *ctx)
{
	if (prio_config_trusted(ctx->config_file, ctx->err,
				sizeof(ctx->err)) == 0)
		return PRIO_EXIT_OK;
	log_err("%s", ctx->err);
	return PRIO_EXIT_FAILURE;
}

/* The cgroups (made if the config says so), bpffs, the plan. */
static int make_plan(struct prio_ctx *ctx)
{
	char *err = ctx->err;
	size_t len = sizeof(ctx->err);

	if (prio_cgroup_check_root(ctx->config->cgroup_root, err, len) < 0 ||
	    prio_cgroups_prepare(ctx->config, &ctx->made, NULL, err, len) < 0 ||
	    prio_pins_check_fs(ctx->pin_path, err, len) < 0 ||
	    prio_plan_build(ctx->config, ctx->config->cgroup_root, ctx->plan,
			    err, len) < 0) {
		log_err("%s", err);
		return PRIO_EXIT_FAILURE;
	}
	return PRIO_EXIT_OK;
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

/* memory.low a gone --foreground left raised: -1 with a message, or the
 * number restored. */
static int clear_stale_low(struct prio_ctx *ctx)
{
	char file[PATH_MAX];
	int n;

	if (prio_lowctl_state_file(ctx->pin_path, file, sizeof(file)) < 0 ||
	    access(file, F_OK) < 0)
		return 0;
	n = prio_lowctl_recover(file, stderr, ctx->err, sizeof(ctx->err));
	if (n < 0) {
		log_err("%s", ctx->err);
		return -1;
	}
	if (n > 0)
		log_info("restored %d memory.low values a memcg-prio "
			 "--foreground left raised", n);
	return n;
}

/* The OOM hook a gone --foreground left attached and pinned. */
static int clear_stale_oom_hook(struct prio_ctx *ctx)
{
	char dir[PATH_MAX];
	int n;

	if (prio_oomhook_pin_dir(ctx->pin_path, dir, sizeof(dir)) < 0 ||
	    !prio_pins_present(dir))
		return 0;
	n = prio_oomhook_remove_pinned(dir, ctx->kernel.oom_abi);
	if (n < 0) {
		log_err("cannot remove the OOM hook that memcg-prio "
			"--foreground left pinned at %s: %s", dir,
			strerror(-n));
		return -1;
	}
	log_info("detached the OOM hook that memcg-prio --foreground left "
		 "at %s", dir);
	return n;
}

/* oom_score_adj, memory.oom.group and xattrs a gone --foreground left,
 * and its OOM hook (an --attach's hook has no state file: it stays). */
static int clear_stale_oom(struct prio_ctx *ctx)
{
	char file[PATH_MAX];
	int n;

	if (prio_oomctl_state_file(ctx->pin_path, file, sizeof(file)) < 0 ||
	    access(file, F_OK) < 0)
		return 0;
	n = prio_oomctl_recover(file, "/proc", stderr, ctx->err,
				sizeof(ctx->err));
	if (n < 0) {
		log_err("%s", ctx->err);
		return -1;
	}
	/* Its owner is gone (recover refuses while it runs). */
	if (clear_stale_oom_hook(ctx) < 0)
		return -1;
	return n;
}

int prio_ctx_clear_stale(struct prio_ctx *ctx)
{
	char file[PATH_MAX];
	pid_t owner = 0;
	int n;

	if (clear_stale_oom(ctx) < 0 || clear_stale_low(ctx) < 0)
		return PRIO_EXIT_FAILURE;
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

/* The steps of needs, in the order of enum prio_need. */
static int meet(struct prio_ctx *ctx, unsigned int needs)
{
	static const struct {
		enum prio_need need;
		int (*step)(struct prio_ctx *ctx);
	} steps[] = {
		{ PRIO_NEED_TRUSTED, trust_config },
		{ PRIO_NEED_CONFIG, load_config },
		{ PRIO_NEED_PIN_PATH, pin_path },
		{ PRIO_NEED_KERNEL, prio_ctx_probe },
		{ PRIO_NEED_LOAD, probe_for_load },
		{ PRIO_NEED_HOOK, need_hook },
		{ PRIO_NEED_PLAN, make_plan },
		{ PRIO_NEED_NO_STALE, prio_ctx_clear_stale },
	};
	int r = PRIO_EXIT_OK;

	for (size_t i = 0; r == PRIO_EXIT_OK && i < ARRAY_SIZE(steps); i++)
		if (needs & steps[i].need)
			r = steps[i].step(ctx);
	return r;
}

int prio_command_run(const struct prio_command *c, const struct prio_args *a)
{
	struct prio_ctx ctx;
	char what[32];
	int r = PRIO_EXIT_OK;

	snprintf(what, sizeof(what), "--%s", c->name);
	if (c->needs & PRIO_NEED_PRIVILEGES)
		r = need_privileges(what);
	if (r == PRIO_EXIT_OK)
		r = ctx_init(&ctx, a);
	if (r != PRIO_EXIT_OK)
		return r;
	r = meet(&ctx, c->needs);
	if (r == PRIO_EXIT_OK)
		r = c->run(&ctx);
	ctx_free(&ctx);
	return c->answers_0_1 && r != PRIO_EXIT_OK ? PRIO_EXIT_FAILURE : r;
}

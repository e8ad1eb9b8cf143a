// SPDX-License-Identifier: GPL-2.0-only
/* --status: what the policy pinned at pin_path does, as text, JSON or
 * metrics (OpenMetrics, Prometheus text). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "kernel/highctl.h"
#include "log.h"
#include "kernel/pins.h"
#include "kernel/probe.h"
#include "print/openmetrics.h"
#include "print/status.h"
#include "kernel/view.h"

static bool metrics(enum prio_format f)
{
	return f == PRIO_FORMAT_OPENMETRICS || f == PRIO_FORMAT_PROMETHEUS;
}

static void print_status(const struct prio_status *st, const char *where,
			 enum prio_format f)
{
	if (f == PRIO_FORMAT_JSON)
		prio_status_print_json(st, where, stdout);
	else if (metrics(f))
		prio_openmetrics_print(st, sysconf(_SC_PAGESIZE),
				       f == PRIO_FORMAT_OPENMETRICS, stdout);
	else
		prio_status_print_text(st, where, stdout);
}

int prio_cmd_status(struct prio_ctx *ctx)
{
	enum prio_format f = ctx->args->format;
	bool json = f == PRIO_FORMAT_JSON;
	struct prio_status *st = NULL;
	char file[PATH_MAX];
	struct prio_view v;
	int r;

	if (!prio_pins_present(ctx->pin_path)) {
		if (json)
			prio_status_print_json_detached(ctx->pin_path, stdout);
		else if (metrics(f))
			prio_openmetrics_print_detached(
				f == PRIO_FORMAT_OPENMETRICS, stdout);
		else
			printf("memcg-prio: not attached (nothing pinned at "
			       "%s)\n", ctx->pin_path);
		return PRIO_EXIT_NOT_ATTACHED;
	}
	r = prio_ctx_probe(ctx);
	if (r != PRIO_EXIT_OK)
		return r;
	if (prio_view_open_pins(&v, ctx->pin_path, ctx->err,
				sizeof(ctx->err)) < 0) {
		log_err("%s", ctx->err);
		return PRIO_EXIT_FAILURE;
	}
	st = calloc(1, sizeof(*st));
	if (!st || prio_view_read(&v, ctx->kernel.abi, st) < 0) {
		log_err("cannot read the policy's maps at %s: %s",
			ctx->pin_path, strerror(st ? errno : ENOMEM));
		r = PRIO_EXIT_FAILURE;
		goto out;
	}
	if (st->backend == PRIO_BACKEND_MEMORY_HIGH &&
	    prio_highctl_state_file(ctx->pin_path, file, sizeof(file)) == 0)
		prio_highctl_read_state(file, st);
	print_status(st, ctx->pin_path, f);
out:
	free(st);
	prio_view_close(&v);
	return r;
}

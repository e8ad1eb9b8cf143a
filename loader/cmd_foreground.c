// SPDX-License-Identifier: GPL-2.0-only
/*
 * --foreground: attach without pinning, print a line per change of state,
 * detach on SIGINT or SIGTERM (closing the links' fds does it).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "log.h"
#include "pins.h"
#include "session.h"
#include "status.h"
#include "view.h"

#define POLL_NS 200000000L

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the sleep ends at once. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int watch(struct prio_ctx *ctx, const struct prio_session *s)
{
	struct prio_status *st = calloc(2, sizeof(*st));
	struct timespec ts = { .tv_nsec = POLL_NS };
	struct prio_view v;
	int cur = 0, r;

	if (!st)
		return -ENOMEM;
	r = prio_view_from_session(&v, s, ctx->err, sizeof(ctx->err));
	if (!r)
		r = prio_view_read(&v, ctx->kernel.abi, &st[0]);
	while (!r && !stop) {
		nanosleep(&ts, NULL);
		r = prio_view_read(&v, ctx->kernel.abi, &st[!cur]);
		if (r < 0)
			snprintf(ctx->err, sizeof(ctx->err), "cannot read the "
				 "policy's maps: %s", strerror(-r));
		else
			prio_status_print_changes(&st[cur], &st[!cur], stdout);
		cur = !cur;
	}
	free(st);
	return r;
}

int prio_cmd_foreground(const struct prio_args *a)
{
	struct prio_session s;
	struct prio_ctx ctx;
	int r;

	r = prio_need_root("--foreground");
	if (r == PRIO_EXIT_OK)
		r = prio_ctx_init(&ctx, a);
	if (r != PRIO_EXIT_OK)
		return r;
	r = prio_ctx_prepare(&ctx);
	if (r != PRIO_EXIT_OK)
		goto out;
	if (prio_pins_present(ctx.pin_path)) {
		log_err("a policy is attached already (pinned at %s): run "
			"memcg-prio --detach first", ctx.pin_path);
		r = PRIO_EXIT_FAILURE;
		goto out;
	}
	catch_signals();
	if (prio_session_load(&s, &ctx.kernel, ctx.config, ctx.plan,
			      a->dry_run, ctx.err, sizeof(ctx.err)) < 0 ||
	    prio_session_attach_all(&s, ctx.err, sizeof(ctx.err)) < 0) {
		log_err("%s; nothing was attached", ctx.err);
		prio_session_close(&s);
		r = PRIO_EXIT_FAILURE;
		goto out;
	}
	ctx.attached = true;	/* the cgroups it made stay, as with --attach */
	printf("memcg-prio: attached %u groups, %u links%s; SIGINT or SIGTERM "
	       "detaches\n", ctx.plan->n_groups, ctx.plan->n_attach,
	       a->dry_run ? " (dry run: nothing is throttled)" : "");
	fflush(stdout);
	if (watch(&ctx, &s) < 0) {
		log_err("%s", ctx.err);
		r = PRIO_EXIT_FAILURE;
	}
	prio_session_close(&s);
	printf("memcg-prio: detached\n");
out:
	prio_ctx_free(&ctx);
	return r;
}

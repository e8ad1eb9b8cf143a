// SPDX-License-Identifier: GPL-2.0-only
/*
 * --foreground: attach, print a line per change of state, detach on SIGINT,
 * SIGTERM or SIGHUP (closing the links' fds does it).  With the hook
 * nothing is pinned.  In mode memory.high this process is the backend: it
 * lowers and restores the groups' memory.high (highctl.c) every poll, pins
 * the maps so that --status sees it, and restores everything on the way
 * out.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "kernel/highctl.h"
#include "kernel/lowctl.h"
#include "kernel/oomctl.h"
#include "kernel/reclaimctl.h"
#include "log.h"
#include "kernel/pins.h"
#include "kernel/session.h"
#include "print/status.h"
#include "kernel/view.h"

#define POLL_NS		200000000L
#define POLL_NS_HIGH	100000000L	/* mode memory.high: the reaction time */

static volatile sig_atomic_t stop;

/* Mode memory.high: this process is the backend. */
struct backend {
	const struct prio_session *s;
	bool told[PRIO_MAX_GROUPS];	/* the policy knows group i lowered */
	struct prio_highctl hc;		/* lower groups' memory.high */
	struct prio_lowctl lc;		/* pressed groups' memory.low */
	struct prio_reclaimctl rc;	/* lower groups' memory.reclaim */
};

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
	sigaction(SIGHUP, &sa, NULL);
}

/*
 * After memory.high: shield each group whose pressure reaches a lower
 * group we control, and make each lower group we throttle (not spared)
 * give back to the group that presses it.
 */
static void give_back(struct backend *b, const struct prio_status *st)
{
	bool shield[PRIO_MAX_GROUPS] = { false };
	uint32_t by[PRIO_MAX_GROUPS];

	for (uint32_t i = 0; i < b->hc.n_groups; i++) {
		bool lowered = b->hc.high.v[i].ours;

		if (lowered != b->told[i] &&
		    prio_session_set_lowered(b->s, b->hc.cfg[i].cgroup_id,
					     lowered) == 0)
			b->told[i] = lowered;
	}
	for (uint32_t i = 0; i < b->hc.n_groups; i++) {
		uint32_t p = prio_highctl_presser(&b->hc, st, i);

		/* A throttled group is never shielded against its presser. */
		if (p < b->hc.n_groups && !b->hc.high.v[p].ours)
			shield[p] = true;
		by[i] = b->hc.high.v[i].ours ? p : PRIO_NO_GROUP;
	}
	prio_lowctl_update(&b->lc, shield, st, stdout);
	prio_reclaimctl_update(&b->rc, by, st, stdout);
}

/* Poll the policy's state until a signal; b drives the backend if set,
 * o the OOM fallback. */
static int watch(struct prio_ctx *ctx, const struct prio_view *v,
		 struct backend *b, struct prio_oomctl *o)
{
	struct prio_highctl *hc = b ? &b->hc : NULL;
	struct prio_status *st = calloc(2, sizeof(*st));
	struct timespec ts = { .tv_nsec = hc ? POLL_NS_HIGH : POLL_NS };
	int cur = 0, r;

	if (!st)
		return -ENOMEM;
	r = prio_view_read(v, ctx->kernel.abi, &st[0]);
	while (!r && !stop) {
		nanosleep(&ts, NULL);
		r = prio_view_read(v, ctx->kernel.abi, &st[!cur]);
		if (r < 0) {
			snprintf(ctx->err, sizeof(ctx->err), "cannot read the "
				 "policy's maps: %s", strerror(-r));
			break;
		}
		prio_status_print_changes(&st[cur], &st[!cur], stdout);
		prio_oomctl_update(o, st[!cur].now_ns, stdout);
		if (b) {
			prio_highctl_update(hc, &st[!cur], stdout);
			give_back(b, &st[!cur]);
		}
		cur = !cur;
	}
	if (b)
		prio_reclaimctl_stop_all(&b->rc, &st[cur], stdout);
	free(st);
	return r;
}

/* mode memory.high: take charge of memory.high and memory.low, pin the maps. */
static int start_highctl(struct prio_ctx *ctx, struct prio_session *s,
			 const struct prio_view *v, struct backend *b)
{
	char file[PATH_MAX], lfile[PATH_MAX], tmp[PATH_MAX];
	struct prio_highctl *hc = &b->hc;
	int r;

	r = prio_highctl_state_file(ctx->pin_path, file, sizeof(file));
	if (!r)
		r = prio_lowctl_state_file(ctx->pin_path, lfile, sizeof(lfile));
	if (!r)
		r = prio_pins_sibling(ctx->pin_path, PRIO_PINS_NEW, tmp,
				      sizeof(tmp));
	if (r < 0)
		return prio_fail(ctx->err, sizeof(ctx->err), r, "pin path %s "
				 "is too long", ctx->pin_path);
	r = prio_highctl_init(hc, file, v->groups, v->n_groups,
			      ctx->config->cgroup_root, ctx->args->dry_run,
			      ctx->err, sizeof(ctx->err));
	if (r < 0)
		return r;
	r = prio_lowctl_init(&b->lc, lfile, v->groups, v->n_groups,
			     ctx->args->dry_run, ctx->err, sizeof(ctx->err));
	if (r < 0) {
		unlink(file);
		return r;
	}
	prio_reclaimctl_init(&b->rc, v->groups, v->n_groups, ctx->args->dry_run);
	b->s = s;
	r = prio_pins_mkdir(tmp, ctx->err, sizeof(ctx->err));
	if (!r)
		r = prio_session_pin_maps(s, tmp, ctx->err, sizeof(ctx->err));
	if (!r)
		r = prio_pins_install(tmp, ctx->pin_path, ctx->err,
				      sizeof(ctx->err));
	if (r < 0) {
		prio_pins_remove(tmp);
		unlink(file);
		unlink(lfile);
	}
	return r;
}

/* OOM: oom_score_adj bands (no OOM hook), memory.oom.group, xattrs. */
static int start_oomctl(struct prio_ctx *ctx, struct prio_oomctl *o)
{
	char file[PATH_MAX];
	int r;

	r = prio_oomctl_state_file(ctx->pin_path, file, sizeof(file));
	if (r < 0)
		return prio_fail(ctx->err, sizeof(ctx->err), r, "pin path %s "
				 "is too long", ctx->pin_path);
	return prio_oomctl_init(o, file, ctx->config,
				prio_oom_backend(ctx->config->oom),
				ctx->args->dry_run, stdout, ctx->err,
				sizeof(ctx->err));
}

static void print_oom_mode(const struct prio_oomctl *o)
{
	uint32_t prio[PRIO_MAX_GROUPS], n = o->n_groups;

	for (uint32_t i = 0; i < n; i++)
		prio[i] = o->g[i].priority;
	if (o->backend == PRIO_OOM_BACKEND_NONE) {
		printf("memcg-prio: oom = kernel: OOM kills are counted, not "
		       "steered\n");
		return;
	}
	printf("memcg-prio: OOM: no OOM hook in this kernel: the kernel "
	       "chooses, memcg-prio keeps oom_score_adj in bands (");
	for (uint32_t i = 0; i < o->n_groups; i++)
		printf("%s'%s' %d", i ? ", " : "", o->g[i].name, o->g[i].band);
	printf("; %d apart at least)\n", prio_oom_band_spacing(prio, n));
}

static void stop_highctl(struct prio_ctx *ctx, struct backend *b)
{
	int rl = prio_lowctl_restore_all(&b->lc, stdout);

	if (prio_highctl_restore_all(&b->hc, stdout) < 0 || rl < 0)
		log_err("could not restore every memory.high and memory.low "
			"(see above); memcg-prio --detach tries again");
	else if (prio_pins_remove(ctx->pin_path) < 0)
		log_warn("cannot remove the pins at %s: %s", ctx->pin_path,
			 strerror(errno));
}

static int run(struct prio_ctx *ctx, struct backend *hc,
	       struct prio_oomctl *o)
{
	bool dry = ctx->args->dry_run;
	struct prio_session s;
	struct prio_view v;
	int r;

	if (prio_session_load(&s, &ctx->kernel, ctx->config, ctx->plan,
			      ctx->backend, dry, ctx->err,
			      sizeof(ctx->err)) < 0) {
		log_err("%s; nothing was attached", ctx->err);
		return PRIO_EXIT_FAILURE;
	}
	if (prio_session_attach_all(&s, ctx->err, sizeof(ctx->err)) < 0 ||
	    prio_view_from_session(&v, &s, ctx->err, sizeof(ctx->err)) < 0 ||
	    (hc && start_highctl(ctx, &s, &v, hc) < 0)) {
		log_err("%s; nothing was attached", ctx->err);
		prio_session_close(&s);
		return PRIO_EXIT_FAILURE;
	}
	if (start_oomctl(ctx, o) < 0) {
		log_err("%s; nothing was attached", ctx->err);
		prio_oomctl_restore_all(o, stdout);
		if (hc)
			stop_highctl(ctx, hc);
		prio_session_close(&s);
		return PRIO_EXIT_FAILURE;
	}
	ctx->attached = true;	/* the cgroups it made stay, as with --attach */
	printf("memcg-prio: attached %u groups, %s%s; SIGINT, SIGTERM or "
	       "SIGHUP detaches\n", ctx->plan->n_groups,
	       hc ? "mode memory.high (this process lowers memory.high)" :
		    "mode hook", dry ? " (dry run: nothing is throttled)" : "");
	print_oom_mode(o);
	fflush(stdout);
	r = PRIO_EXIT_OK;
	if (watch(ctx, &v, hc, o) < 0) {
		log_err("%s", ctx->err);
		r = PRIO_EXIT_FAILURE;
	}
	if (prio_oomctl_restore_all(o, stdout) < 0)
		log_err("could not restore every oom_score_adj (see above); "
			"memcg-prio --detach tries again");
	if (hc)
		stop_highctl(ctx, hc);
	prio_session_close(&s);
	printf("memcg-prio: detached\n");
	return r;
}

int prio_cmd_foreground(struct prio_ctx *ctx)
{
	struct backend *hc = NULL;
	struct prio_oomctl *o;
	int r;

	if (prio_pins_present(ctx->pin_path)) {
		log_err("a policy is attached already (pinned at %s): run "
			"memcg-prio --detach first", ctx->pin_path);
		return PRIO_EXIT_FAILURE;
	}
	if (ctx->backend == PRIO_BACKEND_MEMORY_HIGH) {
		hc = calloc(1, sizeof(*hc));
		if (!hc) {
			log_err("out of memory");
			return PRIO_EXIT_FAILURE;
		}
	}
	o = calloc(1, sizeof(*o));
	if (!o) {
		free(hc);
		log_err("out of memory");
		return PRIO_EXIT_FAILURE;
	}
	catch_signals();
	r = run(ctx, hc, o);
	free(o);
	free(hc);
	return r;
}

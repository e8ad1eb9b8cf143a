// SPDX-License-Identifier: GPL-2.0-only
/*
 * --foreground: attach, print a line per change of state, detach on SIGINT,
 * SIGTERM or SIGHUP (closing the links' fds does it).  With the hook
 * nothing of the throttling policy is pinned.  In mode memory.high this process is the backend: it
 * lowers and restores the groups' memory.high (highctl.c) every poll, pins
 * the maps so that --status sees it, and restores everything on the way
 * out.  With [global] oom = priority on a kernel with an OOM hook it also
 * attaches the OOM policy to the root cgroup, pinned beside the other pins
 * (PIN_PATH-oom) until it exits; otherwise it keeps oom_score_adj in bands.
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
#include "kernel/oomhook.h"
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
	uint64_t domain[PRIO_MAX_GROUPS] = { 0 }, d = 0;
	uint32_t by[PRIO_MAX_GROUPS];

	for (uint32_t i = 0; i < b->hc.n_groups; i++) {
		bool lowered = b->hc.high.v[i].ours;

		if (lowered != b->told[i] &&
		    prio_session_set_lowered(b->s, b->hc.cfg[i].cgroup_id,
					     lowered) == 0)
			b->told[i] = lowered;
	}
	for (uint32_t i = 0; i < b->hc.n_groups; i++) {
		uint32_t p = prio_highctl_presser(&b->hc, st, i, &d);

		/* A throttled group is never shielded against its presser. */
		if (p < b->hc.n_groups && !b->hc.high.v[p].ours) {
			shield[p] = true;
			domain[p] = d;
		}
		by[i] = b->hc.high.v[i].ours ? p : PRIO_NO_GROUP;
	}
	prio_lowctl_update(&b->lc, shield, domain, st, stdout);
	prio_reclaimctl_update(&b->rc, by, st, stdout);
}

/* A line per kill of the OOM hook (if any) since the last poll. */
static void report_hook(const struct prio_oomhook *h,
			const struct prio_oomctl *o, struct prio_oom_state *last,
			uint64_t now_ns)
{
	struct prio_oom_state cur;

	if (!h->skel || prio_oomhook_read(h, &cur) < 0)
		return;
	prio_oomctl_report_hook(o, last, &cur, now_ns, stdout);
	*last = cur;
}

/* Poll the policy's state until a signal; b drives the backend if set,
 * o the OOM fallback, h the OOM hook (if loaded). */
static int watch(struct prio_ctx *ctx, const struct prio_view *v,
		 struct backend *b, struct prio_oomctl *o,
		 const struct prio_oomhook *h)
{
	struct prio_highctl *hc = b ? &b->hc : NULL;
	struct prio_oom_state *hs = calloc(1, sizeof(*hs));
	struct prio_status *st = calloc(2, sizeof(*st));
	struct timespec ts = { .tv_nsec = hc ? POLL_NS_HIGH : POLL_NS };
	int cur = 0, r;

	if (!st || !hs) {
		free(st);
		free(hs);
		return -ENOMEM;
	}
	if (h->skel)
		prio_oomhook_read(h, hs);
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
		report_hook(h, o, hs, st[!cur].now_ns);
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
	free(hs);
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

/*
 * OOM: memory.oom.group and the xattrs, then the OOM hook where the kernel
 * has one, else oom_score_adj bands from the first poll.  With the hook
 * no band is written: the hook chooses by group and RSS, and a band would
 * only change what the kernel's killer picks when the hook chose nobody,
 * which is meant to be the kernel's own choice.  All or nothing.
 */
static int start_oomctl(struct prio_ctx *ctx, struct prio_oomctl *o,
			struct prio_oomhook *h)
{
	enum prio_oom_backend backend;
	char file[PATH_MAX], dir[PATH_MAX];
	int r;

	backend = prio_oom_backend(ctx->config->oom,
				   ctx->kernel.oom_abi != NULL);
	r = prio_oomctl_state_file(ctx->pin_path, file, sizeof(file));
	if (!r)
		r = prio_oomhook_pin_dir(ctx->pin_path, dir, sizeof(dir));
	if (r < 0)
		return prio_fail(ctx->err, sizeof(ctx->err), r, "pin path %s "
				 "is too long", ctx->pin_path);
	r = prio_oomctl_init(o, file, ctx->config, backend, ctx->args->dry_run,
			     stdout, ctx->err, sizeof(ctx->err));
	/* A dry run kills nobody: no hook (the kernel chooses). */
	if (r < 0 || backend != PRIO_OOM_BACKEND_HOOK || ctx->args->dry_run)
		return r;
	/* On failure the caller restores o; the hook undoes itself. */
	return prio_oomhook_start(h, &ctx->kernel, ctx->config, ctx->plan, dir,
				  ctx->err, sizeof(ctx->err));
}

static void print_oom_mode(const struct prio_oomctl *o,
			   const struct prio_oomhook *h)
{
	uint32_t prio[PRIO_MAX_GROUPS], n = o->n_groups;

	for (uint32_t i = 0; i < n; i++)
		prio[i] = o->g[i].priority;
	if (o->backend == PRIO_OOM_BACKEND_NONE) {
		printf("memcg-prio: oom = kernel: OOM kills are counted, not "
		       "steered\n");
		return;
	}
	if (o->backend == PRIO_OOM_BACKEND_HOOK && !h->skel) {
		printf("memcg-prio: OOM: dry run: the OOM hook is not "
		       "attached, the kernel chooses\n");
		return;
	}
	if (o->backend == PRIO_OOM_BACKEND_HOOK) {
		printf("memcg-prio: OOM: the OOM hook is attached to the root "
		       "cgroup: it kills the largest process of the lowest "
		       "group in the OOM's domain that holds more than %llu "
		       "KiB (", (unsigned long long)(PRIO_OOM_MIN_BYTES >> 10));
		for (uint32_t i = 0; i < o->n_groups; i++)
			printf("%s'%s' %u%s", i ? ", " : "", o->g[i].name,
			       o->g[i].priority,
			       o->g[i].band == PRIO_OOM_ADJ_NO_KILL ?
			       " never" : "");
		printf(")\n");
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
	struct prio_oomhook h = { 0 };
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
	if (start_oomctl(ctx, o, &h) < 0) {
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
	print_oom_mode(o, &h);
	fflush(stdout);
	r = PRIO_EXIT_OK;
	if (watch(ctx, &v, hc, o, &h) < 0) {
		log_err("%s", ctx->err);
		r = PRIO_EXIT_FAILURE;
	}
	if (prio_oomhook_stop(&h) < 0)
		log_err("cannot remove the OOM hook's pins: %s; memcg-prio "
			"--detach tries again", strerror(errno));
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

// SPDX-License-Identifier: GPL-2.0-only
/* --status: what the policy pinned at pin_path does, as text, JSON or
 * metrics (OpenMetrics, Prometheus text), on standard output or into the
 * file of --output. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "kernel/highctl.h"
#include "kernel/lowctl.h"
#include "kernel/oomctl.h"
#include "kernel/oomhook.h"
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
			 enum prio_format f, FILE *out)
{
	if (f == PRIO_FORMAT_JSON)
		prio_status_print_json(st, where, out);
	else if (metrics(f))
		prio_openmetrics_print(st, sysconf(_SC_PAGESIZE),
				       f == PRIO_FORMAT_OPENMETRICS, out);
	else
		prio_status_print_text(st, where, out);
}

/*
 * The OOM hook alone, as a --foreground in mode hook pins it (text and
 * JSON; the metrics say "not attached").  false if there is none.
 */
static bool print_oom_only(const char *pin_path, enum prio_format f,
			   FILE *out)
{
	struct prio_oom_config *cfg = calloc(1, sizeof(*cfg));
	struct prio_oom_state *os = calloc(1, sizeof(*os));
	char dir[PATH_MAX];
	struct timespec ts;
	bool done = false;

	if (cfg && os && !metrics(f) &&
	    prio_oomhook_pin_dir(pin_path, dir, sizeof(dir)) == 0 &&
	    prio_oomhook_read_pins(dir, cfg, os) == 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (f != PRIO_FORMAT_JSON)
			fprintf(out, "memcg-prio: not attached (nothing pinned "
				"at %s)\n", pin_path);
		prio_status_print_oom_only(pin_path, dir, cfg, os,
					   (uint64_t)ts.tv_sec * 1000000000ull +
					   (uint64_t)ts.tv_nsec,
					   f == PRIO_FORMAT_JSON, out);
		done = true;
	}
	free(cfg);
	free(os);
	return done;
}

static void print_detached(const char *pin_path, enum prio_format f,
			   FILE *out)
{
	if (print_oom_only(pin_path, f, out))
		return;
	if (f == PRIO_FORMAT_JSON)
		prio_status_print_json_detached(pin_path, out);
	else if (metrics(f))
		prio_openmetrics_print_detached(f == PRIO_FORMAT_OPENMETRICS, out);
	else
		fprintf(out, "memcg-prio: not attached (nothing pinned at %s)\n",
			pin_path);
}

/* The snapshot of the policy at ctx->pin_path, or NULL (logged). */
static struct prio_status *read_status(struct prio_ctx *ctx)
{
	struct prio_status *st = NULL;
	char file[PATH_MAX];
	struct prio_view v;

	if (prio_view_open_pins(&v, ctx->pin_path, ctx->err,
				sizeof(ctx->err)) < 0) {
		log_err("%s", ctx->err);
		return NULL;
	}
	st = calloc(1, sizeof(*st));
	if (!st || prio_view_read(&v, ctx->kernel.abi, st) < 0) {
		log_err("cannot read the policy's maps at %s: %s",
			ctx->pin_path, strerror(st ? errno : ENOMEM));
		free(st);
		st = NULL;
	} else if (st->backend == PRIO_BACKEND_MEMORY_HIGH &&
		   prio_highctl_state_file(ctx->pin_path, file, sizeof(file)) == 0) {
		prio_highctl_read_state(file, st);
	}
	if (st && st->backend == PRIO_BACKEND_MEMORY_HIGH &&
	    prio_lowctl_state_file(ctx->pin_path, file, sizeof(file)) == 0)
		prio_lowctl_read_state(file, st);
	if (st)
		prio_oomctl_read_status(prio_oomctl_state_file(ctx->pin_path, file,
					sizeof(file)) == 0 ? file : NULL, st);
	if (st && prio_oomhook_pin_dir(ctx->pin_path, file, sizeof(file)) == 0)
		prio_oomhook_read_status(file, st);
	prio_view_close(&v);
	return st;
}

/*
 * --output FILE: a temporary file beside it, renamed over it once complete,
 * so that a reader (node_exporter) never sees half of it.  tmp gets the
 * temporary file's name.  NULL (logged) on failure.
 */
static FILE *open_output(const char *path, char *tmp, size_t len)
{
	FILE *f;
	int fd;

	if ((size_t)snprintf(tmp, len, "%s.XXXXXX", path) >= len) {
		log_err("--output %s: name too long", path);
		return NULL;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		log_err("--output %s: cannot create a file beside it: %s", path,
			strerror(errno));
		return NULL;
	}
	f = fdopen(fd, "w");
	if (!f || fchmod(fd, 0644) < 0) {
		log_err("--output %s: %s", tmp, strerror(errno));
		if (f)
			fclose(f);
		else
			close(fd);
		unlink(tmp);
		return NULL;
	}
	return f;
}

/* Complete the file of open_output(): flushed, synced, renamed.  Exit code. */
static int close_output(FILE *f, const char *tmp, const char *path)
{
	int r = fflush(f) || ferror(f) || fsync(fileno(f)) ? -errno : 0;

	if (fclose(f) && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (!r)
		return PRIO_EXIT_OK;
	log_err("--output %s: cannot write it: %s", path, strerror(-r ? -r : EIO));
	unlink(tmp);
	return PRIO_EXIT_FAILURE;
}

int prio_cmd_status(struct prio_ctx *ctx)
{
	enum prio_format f = ctx->args->format;
	const char *path = ctx->args->output;
	struct prio_status *st = NULL;
	char tmp[PATH_MAX];
	FILE *out = stdout;
	bool attached = false;
	int r = PRIO_EXIT_OK;

	if (prio_pins_present(ctx->pin_path)) {
		r = prio_ctx_probe(ctx);
		if (r != PRIO_EXIT_OK)
			return r;
		st = read_status(ctx);
		if (!st)
			return PRIO_EXIT_FAILURE;
		attached = true;
	}
	if (path && !(out = open_output(path, tmp, sizeof(tmp)))) {
		free(st);
		return PRIO_EXIT_FAILURE;
	}
	if (st)
		print_status(st, ctx->pin_path, f, out);
	else
		print_detached(ctx->pin_path, f, out);
	if (path)
		r = close_output(out, tmp, path);
	free(st);
	if (r == PRIO_EXIT_OK && !attached)
		return PRIO_EXIT_NOT_ATTACHED;
	return r;
}

// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "kernel/cgfile.h"
#include "kernel/savedvals.h"
#include "kernel/view.h"
#include "print/status.h"
#include "util.h"

/* --- The state file --------------------------------------------------------- */

/* Its directory, PRIO_RUN_DIR unless a test says otherwise. */
static int make_dir(const char *state_file)
{
	char *dir = strdup(state_file), *slash;
	int r = 0;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	if (dir[0] && mkdir(dir, 0700) < 0 && errno != EEXIST)
		r = -errno;
	free(dir);
	return r;
}

int prio_savedvals_write_file(const char *state_file, const char *magic,
			      void (*lines)(FILE *f, const void *ctx),
			      const void *ctx)
{
	char *tmp = NULL;
	FILE *f;
	int r;

	r = make_dir(state_file);
	if (r < 0)
		return r;
	if (asprintf(&tmp, "%s.new", state_file) < 0)
		return -ENOMEM;
	f = fopen(tmp, "we");
	if (!f) {
		r = -errno;
		goto out;
	}
	fchmod(fileno(f), 0600);
	fprintf(f, "%s\npid %ld\n", magic, (long)getpid());
	lines(f, ctx);
	if (fflush(f) || fsync(fileno(f)))
		r = -errno;
	if (fclose(f) && !r)
		r = -errno;
	if (!r && rename(tmp, state_file) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
out:
	free(tmp);
	return r;
}

static bool pid_alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

int prio_savedvals_owner(const char *state_file, const char *magic,
			 pid_t *ret_pid, bool *ret_alive)
{
	char line[64];
	long pid = 0;
	FILE *f = fopen(state_file, "re");

	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f) ||
	    strncmp(line, magic, strlen(magic)) ||
	    fscanf(f, "pid %ld", &pid) != 1)
		pid = 0;
	fclose(f);
	*ret_pid = (pid_t)pid;
	*ret_alive = pid_alive((pid_t)pid) && (pid_t)pid != getpid();
	return 0;
}

void prio_savedvals_format(const struct prio_savedvals_kind *kind, uint64_t v,
			   char *buf, size_t len)
{
	if (kind->max_word && v == PRIO_CG_MAX)
		snprintf(buf, len, "max");
	else
		snprintf(buf, len, "%" PRIu64, v);
}

static void save_lines(FILE *f, const void *ctx)
{
	const struct prio_savedvals *s = ctx;
	char orig[32];

	for (uint32_t i = 0; i < s->n; i++) {
		if (!s->v[i].ours)
			continue;
		prio_savedvals_format(s->kind, s->v[i].original, orig,
				      sizeof(orig));
		fprintf(f, "group %s %s %" PRIu64 " %" PRIu64 " %s\n",
			s->cfg[i].name, orig, s->v[i].written, s->v[i].prev,
			s->cfg[i].path);
	}
}

int prio_savedvals_save(const struct prio_savedvals *s)
{
	if (s->dry_run)
		return 0;
	return prio_savedvals_write_file(s->state_file, s->kind->magic,
					 save_lines, s);
}

/*
 * The original of a "group" line.  memory.high's were always read up to
 * the first non-digit, memory.low's whole: kept so.
 */
static int parse_value(const struct prio_savedvals_kind *kind, const char *s,
		       uint64_t *ret)
{
	int end = 0;

	if (kind->max_word && strcmp(s, "max") == 0) {
		*ret = PRIO_CG_MAX;
		return 0;
	}
	if (sscanf(s, "%" SCNu64 "%n", ret, &end) != 1)
		return -EINVAL;
	return kind->max_word || s[end] == '\0' ? 0 : -EINVAL;
}

/* Parse one "group NAME ORIGINAL WRITTEN PREV PATH" line. */
static int parse_entry(const struct prio_savedvals_kind *kind,
		       const char *line, struct prio_savedval_entry *e)
{
	char orig[32];
	int off = 0;

	if (strncmp(line, "group ", 6) ||
	    sscanf(line, "group %32s %31s %" SCNu64 " %" SCNu64 " %n", e->name,
		   orig, &e->written, &e->prev, &off) != 4 || !off)
		return -EINVAL;
	snprintf(e->path, sizeof(e->path), "%s", line + off);
	e->path[strcspn(e->path, "\n")] = '\0';
	if (parse_value(kind, orig, &e->original) < 0)
		return -EINVAL;
	return e->path[0] == '/' ? 0 : -EINVAL;
}

/* --- Changing and restoring ------------------------------------------------- */

int prio_savedvals_init(struct prio_savedvals *s,
			const struct prio_savedvals_kind *kind,
			const char *state_file, const struct prio_group_cfg *cfg,
			uint32_t n, bool dry_run)
{
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	snprintf(s->state_file, sizeof(s->state_file), "%s", state_file);
	s->dry_run = dry_run;
	s->n = n;
	s->cfg = cfg;
	return prio_savedvals_save(s);
}

static int write_value(const struct prio_savedvals_kind *kind, const char *dir,
		       uint64_t v)
{
	return prio_cg_write_u64(dir, kind->file, v, kind->open_flags);
}

bool prio_savedvals_lost(struct prio_savedvals *s, uint32_t i, uint64_t cur,
			 uint64_t now_ns, FILE *out)
{
	struct prio_savedval *v = &s->v[i];
	char now[32];

	if (!v->ours || s->dry_run || cur == v->written)
		return false;
	prio_savedvals_format(s->kind, cur, now, sizeof(now));
	v->ours = false;
	v->yielded = true;
	prio_savedvals_save(s);
	prio_status_stamp(now_ns, out);
	fprintf(out, "group '%s': %s/%s changed to %s by another writer: "
		"memcg-prio no longer touches it\n", s->cfg[i].name,
		s->cfg[i].path, s->kind->file, now);
	return true;
}

/* Record, then write: a crash in between leaves a value recover accepts. */
int prio_savedvals_set(struct prio_savedvals *s, uint32_t i, uint64_t cur,
		       uint64_t v, uint64_t now_ns, FILE *out)
{
	struct prio_savedval *sv = &s->v[i], was = *sv;
	uint64_t now;
	int r;

	if (!sv->ours)
		sv->original = cur;
	sv->prev = sv->ours ? sv->written : v;
	sv->written = v;
	sv->ours = true;
	r = prio_savedvals_save(s);
	if (r || s->dry_run)
		return r;
	r = prio_cg_read_u64(s->cfg[i].path, s->kind->file, &now);
	if (r < 0)
		return r;
	if (now != cur) {
		*sv = was;
		if (!prio_savedvals_lost(s, i, now, now_ns, out))
			prio_savedvals_save(s);
		return 1;
	}
	return write_value(s->kind, s->cfg[i].path, v);
}

int prio_savedvals_restore(struct prio_savedvals *s, uint32_t i,
			   uint64_t now_ns, FILE *out)
{
	const struct prio_group_cfg *c = &s->cfg[i];
	struct prio_savedval *v = &s->v[i];
	char was[32];
	uint64_t cur;
	int r = 0;

	if (!s->dry_run) {
		r = prio_cg_read_u64(c->path, s->kind->file, &cur);
		if (r == -ENOENT) {
			v->ours = false;	/* the cgroup is gone */
			return prio_savedvals_save(s);
		}
		if (!r && prio_savedvals_lost(s, i, cur, now_ns, out))
			return 0;
		if (!r)
			r = write_value(s->kind, c->path, v->original);
	}
	prio_status_stamp(now_ns, out);
	if (r < 0) {
		fprintf(out, "group '%s': cannot restore %s/%s: %s\n", c->name,
			c->path, s->kind->file, strerror(-r));
		return r;
	}
	v->ours = false;
	prio_savedvals_format(s->kind, v->original, was, sizeof(was));
	fprintf(out, "group '%s' no longer %s%s (%s%s%s back to %s)\n",
		c->name, s->dry_run ? "would be " : "", s->kind->state,
		s->kind->say_path ? c->path : "", s->kind->say_path ? "/" : "",
		s->kind->file, was);
	return prio_savedvals_save(s);
}

int prio_savedvals_restore_all(struct prio_savedvals *s, FILE *out)
{
	uint64_t now_ns = prio_now_ns();
	int r = 0;

	for (uint32_t i = 0; i < s->n; i++)
		if (s->v[i].ours && prio_savedvals_restore(s, i, now_ns, out) < 0)
			r = -EIO;
	if (!r && !s->dry_run && unlink(s->state_file) < 0 && errno != ENOENT)
		r = -errno;
	fflush(out);
	return r;
}

/* --- After a killed owner --------------------------------------------------- */

/* Put back what entry e recorded, if the file still holds what we wrote. */
static bool recover_entry(const struct prio_savedvals_kind *kind,
			  const struct prio_savedval_entry *e, pid_t owner,
			  FILE *out)
{
	char orig[32], now[32];
	uint64_t cur;
	int r;

	prio_savedvals_format(kind, e->original, orig, sizeof(orig));
	r = prio_cg_read_u64(e->path, kind->file, &cur);
	if (r < 0) {
		if (kind->say_unreadable)
			fprintf(out, "memcg-prio: group '%s': cannot read %s/%s "
				"(%s): nothing to restore\n", e->name, e->path,
				kind->file, strerror(-r));
		return false;
	}
	if (cur == e->original)
		return false;
	prio_savedvals_format(kind, cur, now, sizeof(now));
	if (cur != e->written && cur != e->prev) {
		fprintf(out, "memcg-prio: group '%s': %s/%s is %s, not what "
			"memcg-prio wrote: left as it is (it was %s)\n", e->name,
			e->path, kind->file, now, orig);
		return false;
	}
	r = write_value(kind, e->path, e->original);
	if (r < 0) {
		fprintf(out, "memcg-prio: group '%s': cannot restore %s/%s to "
			"%s: %s\n", e->name, e->path, kind->file, orig,
			strerror(-r));
		return false;
	}
	fprintf(out, "memcg-prio: group '%s': restored %s/%s from %s to %s "
		"(left %s by pid %ld)\n", e->name, e->path, kind->file, now, orig,
		kind->changed, (long)owner);
	return true;
}

int prio_savedvals_recover(const struct prio_savedvals_kind *kind,
			   const char *state_file, FILE *out, pid_t *ret_owner,
			   char *err, size_t errlen)
{
	char line[PRIO_CGROUP_PATH_LEN + 128];
	struct prio_savedval_entry e;
	bool alive;
	pid_t pid;
	FILE *f;
	int n = 0, r;

	r = prio_savedvals_owner(state_file, kind->magic, &pid, &alive);
	if (r < 0)
		return r == -ENOENT ? 0 : prio_fail(err, errlen, r,
			"cannot read %s: %s", state_file, strerror(-r));
	if (ret_owner)
		*ret_owner = pid;
	if (alive)
		return prio_fail(err, errlen, -EBUSY, "memcg-prio --foreground "
				 "(pid %ld) controls %s for this policy (%s): "
				 "stop it first (SIGTERM restores what it %s)",
				 (long)pid, kind->file, state_file,
				 kind->changed);
	f = fopen(state_file, "re");
	if (!f)
		return prio_fail(err, errlen, -errno, "cannot read %s: %s",
				 state_file, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (parse_entry(kind, line, &e) == 0)
			n += recover_entry(kind, &e, pid, out);
	fclose(f);
	if (unlink(state_file) < 0 && errno != ENOENT)
		return prio_fail(err, errlen, -errno, "cannot remove %s: %s",
				 state_file, strerror(errno));
	return n;
}

int prio_savedvals_each(const struct prio_savedvals_kind *kind,
			const char *state_file,
			void (*fn)(void *ctx, const struct prio_savedval_entry *e),
			void *ctx)
{
	char line[PRIO_CGROUP_PATH_LEN + 128];
	struct prio_savedval_entry e;
	FILE *f = fopen(state_file, "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (parse_entry(kind, line, &e) == 0)
			fn(ctx, &e);
	fclose(f);
	return 0;
}

struct read_ctx {
	struct prio_status *st;
	void (*fill)(struct prio_group_status *g,
		     const struct prio_savedval_entry *e);
};

static void read_one(void *ctx, const struct prio_savedval_entry *e)
{
	struct read_ctx *c = ctx;

	for (uint32_t i = 0; i < c->st->n_groups; i++)
		if (strcmp(c->st->groups[i].cfg.path, e->path) == 0)
			c->fill(&c->st->groups[i], e);
}

int prio_savedvals_read(const struct prio_savedvals_kind *kind,
			const char *state_file, struct prio_status *st,
			void (*fill)(struct prio_group_status *g,
				     const struct prio_savedval_entry *e))
{
	struct read_ctx c = { .st = st, .fill = fill };

	return prio_savedvals_each(kind, state_file, read_one, &c);
}

// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "kernel/cgfile.h"
#include "kernel/highctl.h"
#include "kernel/oomctl.h"
#include "kernel/savedvals.h"
#include "kernel/view.h"
#include "print/status.h"
#include "util.h"

#define STATE_MAGIC	"memcg-prio oom state 1"

/* --- Bands ------------------------------------------------------------------ */

enum prio_oom_backend prio_oom_backend(enum prio_oom setting, bool has_hook)
{
	if (setting == PRIO_OOM_KERNEL)
		return PRIO_OOM_BACKEND_NONE;
	return has_hook ? PRIO_OOM_BACKEND_HOOK : PRIO_OOM_BACKEND_SCORE_ADJ;
}

/* How many distinct priorities of prio[0..n) are above p, and in all. */
static uint32_t rank_of(const uint32_t *prio, uint32_t n, uint32_t p,
			uint32_t *ret_distinct)
{
	uint32_t above = 0, distinct = 0;

	for (uint32_t i = 0; i < n; i++) {
		bool first = true;

		for (uint32_t j = 0; j < i; j++)
			first &= prio[j] != prio[i];
		if (!first)
			continue;
		distinct++;
		above += prio[i] > p;
	}
	*ret_distinct = distinct;
	return above;
}

int prio_oom_band(const uint32_t *prio, uint32_t n, uint32_t i, bool oom_kill)
{
	uint32_t distinct, r;

	if (!oom_kill)
		return PRIO_OOM_ADJ_NO_KILL;
	r = rank_of(prio, n, prio[i], &distinct);
	if (distinct < 2)
		return 0;
	return (int)(r * PRIO_OOM_ADJ_MAX / (distinct - 1));
}

int prio_oom_band_spacing(const uint32_t *prio, uint32_t n)
{
	uint32_t distinct;

	rank_of(prio, n, 0, &distinct);
	return distinct < 2 ? PRIO_OOM_ADJ_MAX
			    : PRIO_OOM_ADJ_MAX / (int)(distinct - 1);
}

const char *prio_oomd_xattr(enum prio_oomd_pref p)
{
	return p == PRIO_OOMD_AVOID ? "user.oomd_avoid" :
	       p == PRIO_OOMD_OMIT ? "user.oomd_omit" : NULL;
}

/* --- /proc ------------------------------------------------------------------ */

static int read_adj(const char *proc, pid_t pid, int *ret)
{
	char path[64], buf[32];
	int r;

	snprintf(path, sizeof(path), "%s/%d/oom_score_adj", proc, (int)pid);
	r = prio_read_small(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	*ret = atoi(buf);
	return 0;
}

static int write_adj(const char *proc, pid_t pid, int v)
{
	char path[64], buf[16];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%d/oom_score_adj", proc, (int)pid);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(buf, sizeof(buf), "%d", v);
	n = write(fd, buf, strlen(buf));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}

/* Field 22 of /proc/PID/stat, the start time: tells a reused pid. */
static int read_start(const char *proc, pid_t pid, uint64_t *ret)
{
	char path[64], buf[1024], *p;
	int r;

	snprintf(path, sizeof(path), "%s/%d/stat", proc, (int)pid);
	r = prio_read_small(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	p = strrchr(buf, ')');		/* the name may hold blanks */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%*u %*u %*d %*d %*d %*d %*d %*d %" SCNu64, ret) != 1)
		return -EIO;
	return 0;
}

/* Put back original if pid is still the process we wrote, as we left it. */
static bool restore_task(const char *proc, pid_t pid, uint64_t start,
			 int original, int written)
{
	uint64_t now_start;
	int cur;

	if (read_start(proc, pid, &now_start) < 0 || now_start != start ||
	    read_adj(proc, pid, &cur) < 0 || cur != written)
		return false;
	return write_adj(proc, pid, original) == 0;
}

/* --- The state file ------------------------------------------------------- */

int prio_oomctl_state_file(const char *pin_path, char *buf, size_t len)
{
	return prio_run_state_file(pin_path, ".oom", buf, len);
}

static void save_lines(FILE *f, const void *ctx)
{
	const struct prio_oomctl *o = ctx;

	for (uint32_t i = 0; i < o->n_groups; i++) {
		const struct prio_oomctl_group *g = &o->g[i];

		fprintf(f, "group %s %d %s\n", g->name, g->band, g->path);
		if (g->oom_group_original >= 0)
			fprintf(f, "oomgroup %d %d %s\n", g->oom_group_original,
				g->oom_group == PRIO_OOM_GROUP_YES, g->path);
		if (g->xattr_set)
			fprintf(f, "xattr %s %s\n", prio_oomd_xattr(g->oomd),
				g->path);
	}
	for (size_t t = 0; t < o->n_tasks; t++) {
		const struct prio_oom_task *k = &o->tasks[t];

		if (!k->hands_off && k->written != k->original)
			fprintf(f, "task %d %" PRIu64 " %d %d %s\n", (int)k->pid,
				k->start, k->original, k->written,
				o->g[k->group].name);
	}
}

/* Write the state, atomically (savedvals.c). */
static int state_save(const struct prio_oomctl *o)
{
	if (o->dry_run)
		return 0;
	return prio_savedvals_write_file(o->state_file, STATE_MAGIC,
					 save_lines, o);
}

/* --- memory.oom.group and the xattrs -------------------------------------- */

static int setup_oom_group(struct prio_oomctl_group *g, bool dry_run)
{
	uint64_t cur, want = g->oom_group == PRIO_OOM_GROUP_YES;
	int r;

	if (g->oom_group == PRIO_OOM_GROUP_AUTO)
		return 0;
	r = prio_cg_read_u64(g->path, "memory.oom.group", &cur);
	if (r < 0 || cur == want)
		return r;
	g->oom_group_original = (int)cur;
	return dry_run ? 0 : 1;		/* written after the state is saved */
}

static int setup_xattr(struct prio_oomctl_group *g, bool dry_run, FILE *out)
{
	const char *name = prio_oomd_xattr(g->oomd);

	if (!name || dry_run)
		return 0;
	if (setxattr(g->path, name, "1", 1, XATTR_CREATE) == 0) {
		g->xattr_set = true;
		return 0;
	}
	if (errno != EEXIST)
		return -errno;
	fprintf(out, "memcg-prio: group '%s': %s is set on %s already: left "
		"as it is, and kept after exit\n", g->name, name, g->path);
	return 0;
}

/* Remove the xattr at path if it still holds our "1". */
static bool remove_xattr(const char *path, const char *name)
{
	char v[8];
	ssize_t n = getxattr(path, name, v, sizeof(v));

	if (n != 1 || v[0] != '1')
		return false;
	return removexattr(path, name) == 0;
}

/* Write memory.oom.group back to orig if it is still what we wrote. */
static bool restore_oom_group(const char *path, int orig, int written)
{
	uint64_t cur;

	if (prio_cg_read_u64(path, "memory.oom.group", &cur) < 0 ||
	    cur != (uint64_t)written)
		return false;
	return prio_cg_write_u64(path, "memory.oom.group", (uint64_t)orig, 0) == 0;
}

/* --- Init ----------------------------------------------------------------- */

/* The group's cgroup and its ancestors below cgroup_root. */
static int find_ancestors(struct prio_oomctl_group *g, const char *root)
{
	char path[PRIO_CGROUP_PATH_LEN], *slash;
	uint32_t n = 0;

	g->ancestors = calloc(PRIO_MAX_DEPTH + 1, sizeof(*g->ancestors));
	g->ancestor_ooms = calloc(PRIO_MAX_DEPTH + 1, sizeof(uint64_t));
	if (!g->ancestors || !g->ancestor_ooms)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s", g->path);
	while (strcmp(path, root) && n <= PRIO_MAX_DEPTH) {
		snprintf(g->ancestors[n], sizeof(g->ancestors[n]), "%s", path);
		prio_cg_read_key(path, "memory.events", "oom",
				 &g->ancestor_ooms[n]);
		n++;
		slash = strrchr(path, '/');
		if (!slash || slash == path)
			break;
		*slash = '\0';
	}
	g->n_ancestors = n;
	return 0;
}

static int init_group(struct prio_oomctl *o, const struct prio_config *c,
		      uint32_t i, const uint32_t *prio)
{
	const struct prio_conf_group *cg = &c->groups[i];
	struct prio_oomctl_group *g = &o->g[i];

	snprintf(g->name, sizeof(g->name), "%s", cg->name);
	if (prio_path_join(g->path, sizeof(g->path), c->cgroup_root,
			   cg->path) < 0)
		return -ENAMETOOLONG;
	g->priority = cg->priority;
	g->band = prio_oom_band(prio, c->n_groups, i, cg->oom_kill);
	g->oom_group = cg->oom_group;
	g->oomd = cg->oomd_preference;
	g->oom_group_original = -1;
	prio_oom_events_read(g->path, g->events);
	return find_ancestors(g, c->cgroup_root);
}

int prio_oomctl_init(struct prio_oomctl *o, const char *state_file,
		     const struct prio_config *c, enum prio_oom_backend backend,
		     bool dry_run, FILE *out, char *err, size_t errlen)
{
	uint32_t prio[PRIO_MAX_GROUPS];
	bool write_group[PRIO_MAX_GROUPS] = { false };
	int r;

	memset(o, 0, sizeof(*o));
	snprintf(o->state_file, sizeof(o->state_file), "%s", state_file);
	snprintf(o->cgroup_root, sizeof(o->cgroup_root), "%s", c->cgroup_root);
	o->backend = backend;
	o->dry_run = dry_run;
	o->proc = "/proc";
	o->n_groups = c->n_groups;
	for (uint32_t i = 0; i < c->n_groups; i++)
		prio[i] = c->groups[i].priority;
	for (uint32_t i = 0; i < c->n_groups; i++) {
		struct prio_oomctl_group *g = &o->g[i];

		r = init_group(o, c, i, prio);
		if (r < 0)
			return prio_fail(err, errlen, r, "group '%s': %s",
					 c->groups[i].name, strerror(-r));
		if (backend == PRIO_OOM_BACKEND_NONE)
			continue;
		r = setup_oom_group(g, dry_run);
		if (r < 0)
			return prio_fail(err, errlen, r, "group '%s': cannot "
					 "read %s/memory.oom.group: %s",
					 g->name, g->path, strerror(-r));
		write_group[i] = r > 0;
		r = setup_xattr(g, dry_run, out);
		if (r < 0)
			return prio_fail(err, errlen, r, "group '%s': cannot "
					 "set %s on %s: %s", g->name,
					 prio_oomd_xattr(g->oomd), g->path,
					 strerror(-r));
	}
	r = state_save(o);
	if (r < 0)
		return prio_fail(err, errlen, r, "cannot write %s: %s",
				 state_file, strerror(-r));
	for (uint32_t i = 0; i < c->n_groups; i++)
		if (write_group[i] &&
		    prio_cg_write_u64(o->g[i].path, "memory.oom.group",
				      o->g[i].oom_group == PRIO_OOM_GROUP_YES,
				      0) < 0)
			fprintf(out, "memcg-prio: group '%s': cannot write "
				"%s/memory.oom.group: %s\n", o->g[i].name,
				o->g[i].path, strerror(errno));
	return 0;
}

/* --- One poll ---------------------------------------------------------------- */

static struct prio_oom_task *find_task(struct prio_oomctl *o, pid_t pid)
{
	for (size_t t = 0; t < o->n_tasks; t++)
		if (o->tasks[t].pid == pid)
			return &o->tasks[t];
	return NULL;
}

static bool is_band(const struct prio_oomctl *o, int v)
{
	for (uint32_t i = 0; i < o->n_groups; i++)
		if (o->g[i].band == v)
			return true;
	return false;
}

/* A process seen for the first time in group i: take note of it. */
static void add_task(struct prio_oomctl *o, pid_t pid, uint32_t i)
{
	struct prio_oom_task *k;
	int adj;

	if (o->n_tasks == o->cap_tasks) {
		size_t cap = o->cap_tasks ? 2 * o->cap_tasks : 256;
		void *p = realloc(o->tasks, cap * sizeof(*o->tasks));

		if (!p)
			return;
		o->tasks = p;
		o->cap_tasks = cap;
	}
	k = &o->tasks[o->n_tasks];
	memset(k, 0, sizeof(*k));
	k->pid = pid;
	k->group = i;
	k->seen = true;
	if (read_start(o->proc, pid, &k->start) < 0 ||
	    read_adj(o->proc, pid, &adj) < 0)
		return;		/* gone already */
	/* -1000, or a value someone chose: never ours. */
	k->hands_off = adj == PRIO_OOM_ADJ_UNKILLABLE ||
		       (adj != 0 && !is_band(o, adj));
	k->original = k->hands_off ? adj : 0;
	k->written = adj;
	o->n_tasks++;
}

static void scan_procs(struct prio_oomctl *o, const char *dir, uint32_t i)
{
	char path[PATH_MAX];
	FILE *f;
	int pid;

	if (prio_path_join(path, sizeof(path), dir, "cgroup.procs") < 0)
		return;
	f = fopen(path, "re");
	if (!f)
		return;
	while (fscanf(f, "%d", &pid) == 1) {
		struct prio_oom_task *k = find_task(o, pid);

		if (!k) {
			add_task(o, pid, i);
			continue;
		}
		k->seen = true;
		k->group = i;		/* it may have moved between groups */
	}
	fclose(f);
}

/* Is path the cgroup of a group other than i (which takes it over)? */
static bool other_group(const struct prio_oomctl *o, const char *path,
			uint32_t i)
{
	for (uint32_t j = 0; j < o->n_groups; j++)
		if (j != i && strcmp(o->g[j].path, path) == 0)
			return true;
	return false;
}

static void scan_tree(struct prio_oomctl *o, const char *dir, uint32_t i,
		      unsigned int depth)
{
	char sub[PATH_MAX];
	struct dirent *de;
	DIR *d;

	scan_procs(o, dir, i);
	if (depth > PRIO_MAX_DEPTH)
		return;
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.' ||
		    prio_path_join(sub, sizeof(sub), dir, de->d_name) < 0 ||
		    other_group(o, sub, i))
			continue;
		scan_tree(o, sub, i, depth + 1);
	}
	closedir(d);
}

/* Processes that left every group: put back what we wrote, forget them. */
static bool drop_unseen(struct prio_oomctl *o)
{
	size_t keep = 0;
	bool changed = false;

	for (size_t t = 0; t < o->n_tasks; t++) {
		struct prio_oom_task *k = &o->tasks[t];

		if (k->seen) {
			o->tasks[keep++] = *k;
			continue;
		}
		if (!k->hands_off && k->written != k->original) {
			if (!o->dry_run)
				restore_task(o->proc, k->pid, k->start,
					     k->original, k->written);
			changed = true;
		}
	}
	o->n_tasks = keep;
	return changed;
}

/* Write k's band unless someone else changed its value since we looked. */
static void write_task(struct prio_oomctl *o, struct prio_oom_task *k,
		       int was)
{
	int cur;

	if (read_adj(o->proc, k->pid, &cur) < 0)
		return;		/* gone: dropped at the next poll */
	if (cur != was) {
		k->hands_off = true;	/* theirs from now on */
		k->original = k->written = cur;
		return;
	}
	write_adj(o->proc, k->pid, k->written);
}

/* Bring every process we own to its group's band. */
static void apply_bands(struct prio_oomctl *o, bool changed)
{
	bool pending = false;
	int *from = calloc(o->n_tasks + 1, sizeof(int));

	if (!from)
		return;
	for (size_t t = 0; t < o->n_tasks; t++) {
		struct prio_oom_task *k = &o->tasks[t];

		from[t] = k->written;
		if (k->hands_off || k->written == o->g[k->group].band)
			continue;
		k->written = o->g[k->group].band;
		pending = true;
	}
	/* Record, then write: a crash in between leaves a value recover
	 * accepts (original and written both count as ours). */
	if ((pending || changed) && state_save(o) == 0 && !o->dry_run)
		for (size_t t = 0; t < o->n_tasks; t++)
			if (o->tasks[t].written != from[t])
				write_task(o, &o->tasks[t], from[t]);
	free(from);
	for (uint32_t i = 0; i < o->n_groups; i++)
		o->g[i].adjusted = 0;
	for (size_t t = 0; t < o->n_tasks; t++)
		o->g[o->tasks[t].group].adjusted += !o->tasks[t].hands_off;
}

void prio_oomctl_update(struct prio_oomctl *o, uint64_t now_ns, FILE *out)
{
	bool changed;

	for (uint32_t i = 0; i < o->n_groups; i++)
		prio_oomctl_report_kills(o, i, now_ns, out);
	if (o->backend == PRIO_OOM_BACKEND_SCORE_ADJ) {
		for (size_t t = 0; t < o->n_tasks; t++)
			o->tasks[t].seen = false;
		for (uint32_t i = 0; i < o->n_groups; i++)
			scan_tree(o, o->g[i].path, i, 0);
		changed = drop_unseen(o);
		apply_bands(o, changed);
	}
	fflush(out);
}

/* --- Restore ----------------------------------------------------------------- */

static void free_groups(struct prio_oomctl *o)
{
	for (uint32_t i = 0; i < o->n_groups; i++) {
		free(o->g[i].ancestors);
		free(o->g[i].ancestor_ooms);
		o->g[i].ancestors = NULL;
		o->g[i].ancestor_ooms = NULL;
	}
	free(o->tasks);
	o->tasks = NULL;
	o->n_tasks = o->cap_tasks = 0;
}

int prio_oomctl_restore_all(struct prio_oomctl *o, FILE *out)
{
	unsigned int tasks = 0;
	int r = 0;

	for (size_t t = 0; !o->dry_run && t < o->n_tasks; t++) {
		const struct prio_oom_task *k = &o->tasks[t];

		if (!k->hands_off && k->written != k->original)
			tasks += restore_task(o->proc, k->pid, k->start,
					      k->original, k->written);
	}
	for (uint32_t i = 0; !o->dry_run && i < o->n_groups; i++) {
		struct prio_oomctl_group *g = &o->g[i];

		if (g->oom_group_original >= 0)
			restore_oom_group(g->path, g->oom_group_original,
					  g->oom_group == PRIO_OOM_GROUP_YES);
		if (g->xattr_set)
			remove_xattr(g->path, prio_oomd_xattr(g->oomd));
	}
	if (o->backend == PRIO_OOM_BACKEND_SCORE_ADJ)
		fprintf(out, "memcg-prio: oom_score_adj of %u processes "
			"restored\n", tasks);
	if (!o->dry_run && unlink(o->state_file) < 0 && errno != ENOENT)
		r = -errno;
	free_groups(o);
	fflush(out);
	return r;
}

/* Undo one line of a state file; true if something was restored. */
static bool recover_line(const char *line, const char *proc)
{
	char name[64], path[PRIO_CGROUP_PATH_LEN];
	int pid, orig, written, off = 0;
	uint64_t start;

	if (sscanf(line, "task %d %" SCNu64 " %d %d", &pid, &start, &orig,
		   &written) == 4)
		return restore_task(proc, pid, start, orig, written);
	if (sscanf(line, "oomgroup %d %d %n", &orig, &written, &off) == 2 &&
	    off) {
		snprintf(path, sizeof(path), "%s", line + off);
		path[strcspn(path, "\n")] = '\0';
		return restore_oom_group(path, orig, written);
	}
	if (sscanf(line, "xattr %63s %n", name, &off) == 1 && off) {
		snprintf(path, sizeof(path), "%s", line + off);
		path[strcspn(path, "\n")] = '\0';
		return remove_xattr(path, name);
	}
	return false;
}

int prio_oomctl_recover(const char *state_file, const char *proc, FILE *out,
			char *err, size_t errlen)
{
	char line[PRIO_CGROUP_PATH_LEN + 128];
	pid_t pid = 0;
	bool alive;
	FILE *f;
	int n = 0, r;

	r = prio_savedvals_owner(state_file, STATE_MAGIC, &pid, &alive);
	if (r < 0)
		return r == -ENOENT ? 0 : prio_fail(err, errlen, r,
			"cannot read %s: %s", state_file, strerror(-r));
	if (alive)
		return prio_fail(err, errlen, -EBUSY, "memcg-prio --foreground "
				 "(pid %ld) keeps the OOM state of this policy "
				 "(%s): stop it first (SIGTERM restores what it "
				 "changed)", (long)pid, state_file);
	f = fopen(state_file, "re");
	if (!f)
		return prio_fail(err, errlen, -errno, "cannot read %s: %s",
				 state_file, strerror(errno));
	while (fgets(line, sizeof(line), f))
		n += recover_line(line, proc);
	fclose(f);
	if (n)
		fprintf(out, "memcg-prio: restored %d oom_score_adj, "
			"memory.oom.group or oomd xattr values that pid %ld "
			"left\n", n, (long)pid);
	if (unlink(state_file) < 0 && errno != ENOENT)
		return prio_fail(err, errlen, -errno, "cannot remove %s: %s",
				 state_file, strerror(errno));
	return n;
}

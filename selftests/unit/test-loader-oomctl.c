// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the OOM stock fallback (loader/kernel/oomctl.c): the bands,
 * and one poll, restore and recovery on a made-up cgroup tree and a
 * made-up /proc, both plain directories in a temporary directory (on
 * /dev/shm, a tmpfs, so that user.* xattrs work; the xattr test is skipped
 * where they do not).
 *
 *	ROOT/cg/t/high      group "high", priority 100: pid 101
 *	ROOT/cg/t/low       group "low", priority 0: pids 102, 103 (-1000),
 *	                    104 (300, set by someone)
 *	ROOT/cg/t/low/sub   inside low: pid 105
 *	ROOT/proc/PID/      oom_score_adj, stat (start time PID * 10)
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include <cmocka.h>

#include "kernel/oomctl.h"
#include "policy/oom.h"
#include "util.h"
#include "kernel/view.h"
#include "print/status.h"

/* Test double of status.c's time stamp, which would pull libbpf in. */
void prio_status_stamp(uint64_t ns, FILE *out)
{
	fprintf(out, "[%" PRIu64 "] ", ns);
}

struct fixture {
	char root[64];
	char proc[96];
	char state[96];
	struct prio_config c;
	struct prio_oomctl o;
	FILE *out;
	char *log;
	size_t log_len;
};

static void put_str(const char *dir, const char *rel, const char *file,
		    const char *text)
{
	char p[PATH_MAX * 2];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s/%s", dir, rel, file);
	fp = fopen(p, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void mkdir_p(const char *dir, const char *rel)
{
	char p[PATH_MAX * 2], cmd[PATH_MAX * 2 + 16];

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", p);
	assert_int_equal(system(cmd), 0);
}

/* A process of the made-up /proc: its oom_score_adj and start time. */
static void proc_task(struct fixture *f, int pid, int adj, uint64_t start)
{
	char rel[32], text[256];

	snprintf(rel, sizeof(rel), "%d", pid);
	mkdir_p(f->proc, rel);
	snprintf(text, sizeof(text), "%d\n", adj);
	put_str(f->proc, rel, "oom_score_adj", text);
	snprintf(text, sizeof(text), "%d (a task) S 1 1 1 0 -1 4194560 0 0 0 0 "
		 "0 0 0 0 20 0 1 0 %" PRIu64 " 0 0\n", pid, start);
	put_str(f->proc, rel, "stat", text);
}

static int adj_of(const struct fixture *f, int pid)
{
	char p[PATH_MAX];
	FILE *fp;
	int v = 12345;

	snprintf(p, sizeof(p), "%s/%d/oom_score_adj", f->proc, pid);
	fp = fopen(p, "r");
	assert_non_null(fp);
	assert_int_equal(fscanf(fp, "%d", &v), 1);
	fclose(fp);
	return v;
}

static void group(struct prio_config *c, const char *name, const char *path,
		  uint32_t prio)
{
	struct prio_conf_group *g = &c->groups[c->n_groups++];

	prio_group_defaults(g);
	snprintf(g->name, sizeof(g->name), "%s", name);
	snprintf(g->path, sizeof(g->path), "%s", path);
	g->priority = prio;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char cg[128];

	assert_non_null(f);
	snprintf(f->root, sizeof(f->root), "/dev/shm/oomctl-test.XXXXXX");
	if (!mkdtemp(f->root)) {
		snprintf(f->root, sizeof(f->root), "/tmp/oomctl-test.XXXXXX");
		assert_non_null(mkdtemp(f->root));
	}
	snprintf(f->proc, sizeof(f->proc), "%s/proc", f->root);
	snprintf(f->state, sizeof(f->state), "%s/run/pin.oom", f->root);
	mkdir_p(f->root, "cg/t/high");
	mkdir_p(f->root, "cg/t/low/sub");
	put_str(f->root, "cg/t/high", "cgroup.procs", "101\n");
	put_str(f->root, "cg/t/low", "cgroup.procs", "102\n103\n104\n");
	put_str(f->root, "cg/t/low/sub", "cgroup.procs", "105\n");
	put_str(f->root, "cg/t/low", "memory.oom.group", "0\n");
	put_str(f->root, "cg/t/high", "memory.oom.group", "0\n");
	proc_task(f, 101, 0, 1010);
	proc_task(f, 102, 0, 1020);
	proc_task(f, 103, -1000, 1030);
	proc_task(f, 104, 300, 1040);
	proc_task(f, 105, 0, 1050);
	prio_config_defaults(&f->c);
	snprintf(cg, sizeof(cg), "%s/cg", f->root);
	snprintf(f->c.cgroup_root, sizeof(f->c.cgroup_root), "%s", cg);
	group(&f->c, "high", "t/high", 100);
	group(&f->c, "low", "t/low", 0);
	f->out = open_memstream(&f->log, &f->log_len);
	assert_non_null(f->out);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];

	fclose(f->out);
	free(f->log);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void start(struct fixture *f)
{
	char err[PRIO_ERR_LEN] = "";

	if (prio_oomctl_init(&f->o, f->state, &f->c,
			     PRIO_OOM_BACKEND_SCORE_ADJ, false, f->out, err,
			     sizeof(err)) < 0)
		fail_msg("init: %s", err);
	f->o.proc = f->proc;
}

/* --- Bands ------------------------------------------------------------------ */

static void test_band_two(void **state)
{
	const uint32_t p[] = { 100, 0 };

	(void)state;
	assert_int_equal(prio_oom_band(p, 2, 0, true), 0);
	assert_int_equal(prio_oom_band(p, 2, 1, true), 1000);
	assert_int_equal(prio_oom_band_spacing(p, 2), 1000);
}

static void test_band_many(void **state)
{
	/* Four distinct priorities, one twice: 0, 333, 666, 999. */
	const uint32_t p[] = { 10, 90, 50, 10, 0 };

	(void)state;
	assert_int_equal(prio_oom_band(p, 5, 1, true), 0);
	assert_int_equal(prio_oom_band(p, 5, 2, true), 333);
	assert_int_equal(prio_oom_band(p, 5, 0, true), 666);
	assert_int_equal(prio_oom_band(p, 5, 3, true), 666);
	assert_int_equal(prio_oom_band(p, 5, 4, true), 1000);
	assert_int_equal(prio_oom_band_spacing(p, 5), 333);
	/* Not killable: below every band, never -1000. */
	assert_int_equal(prio_oom_band(p, 5, 4, false), -999);
}

static void test_band_one_priority(void **state)
{
	const uint32_t p[] = { 7, 7 };

	(void)state;
	assert_int_equal(prio_oom_band(p, 2, 1, true), 0);
	assert_int_equal(prio_oom_band_spacing(p, 2), 1000);
}

static void test_backend(void **state)
{
	(void)state;
	/* No hook: the bands; with it: the hook; oom = kernel: neither. */
	assert_int_equal(prio_oom_backend(PRIO_OOM_PRIORITY, false),
			 PRIO_OOM_BACKEND_SCORE_ADJ);
	assert_int_equal(prio_oom_backend(PRIO_OOM_PRIORITY, true),
			 PRIO_OOM_BACKEND_HOOK);
	assert_int_equal(prio_oom_backend(PRIO_OOM_KERNEL, false),
			 PRIO_OOM_BACKEND_NONE);
	assert_int_equal(prio_oom_backend(PRIO_OOM_KERNEL, true),
			 PRIO_OOM_BACKEND_NONE);
}

/* --- One poll, restore ---------------------------------------------------- */

static void test_poll_and_restore(void **state)
{
	struct fixture *f = *state;

	start(f);
	prio_oomctl_update(&f->o, 1, f->out);
	assert_int_equal(adj_of(f, 101), 0);
	assert_int_equal(adj_of(f, 102), 1000);
	assert_int_equal(adj_of(f, 103), -1000);	/* never touched */
	assert_int_equal(adj_of(f, 104), 300);		/* someone's value */
	assert_int_equal(adj_of(f, 105), 1000);		/* below the group */
	assert_int_equal(f->o.g[1].adjusted, 2);
	assert_int_equal(prio_oomctl_restore_all(&f->o, f->out), 0);
	assert_int_equal(adj_of(f, 102), 0);
	assert_int_equal(adj_of(f, 105), 0);
	assert_int_equal(adj_of(f, 104), 300);
	assert_int_equal(access(f->state, F_OK), -1);
}

/* A process that leaves every group gets its value back at the next poll. */
static void test_leaves_group(void **state)
{
	struct fixture *f = *state;

	start(f);
	prio_oomctl_update(&f->o, 1, f->out);
	assert_int_equal(adj_of(f, 105), 1000);
	put_str(f->root, "cg/t/low/sub", "cgroup.procs", "");
	prio_oomctl_update(&f->o, 2, f->out);
	assert_int_equal(adj_of(f, 105), 0);
	prio_oomctl_restore_all(&f->o, f->out);
}

/* Someone else changes a value we wrote: it is theirs from then on. */
static void test_other_writer(void **state)
{
	struct fixture *f = *state;

	start(f);
	prio_oomctl_update(&f->o, 1, f->out);
	proc_task(f, 102, 5, 1020);
	/* Moved to high: we would write 0, but 5 is someone's. */
	put_str(f->root, "cg/t/low", "cgroup.procs", "103\n104\n");
	put_str(f->root, "cg/t/high", "cgroup.procs", "101\n102\n");
	prio_oomctl_update(&f->o, 2, f->out);
	assert_int_equal(adj_of(f, 102), 5);
	prio_oomctl_restore_all(&f->o, f->out);
	assert_int_equal(adj_of(f, 102), 5);
}

/* SIGKILL: the state file alone restores; a reused pid or a dead task is
 * skipped. */
static void test_recover(void **state)
{
	struct fixture *f = *state;
	char err[PRIO_ERR_LEN] = "", cmd[256];

	start(f);
	prio_oomctl_update(&f->o, 1, f->out);
	assert_int_equal(adj_of(f, 102), 1000);
	/* 105 dies and its pid is reused (another start time); 101 is not
	 * ours; a process 106 the poll never saw. */
	proc_task(f, 105, 1000, 9999);
	proc_task(f, 106, 1000, 1060);
	snprintf(cmd, sizeof(cmd), "grep -c '^task ' '%s' | grep -qx 2",
		 f->state);
	assert_int_equal(system(cmd), 0);
	/* The process "died": forget its memory without restoring. */
	free(f->o.tasks);
	f->o.tasks = NULL;
	f->o.n_tasks = f->o.cap_tasks = 0;
	assert_int_equal(prio_oomctl_recover(f->state, f->proc, f->out, err,
					     sizeof(err)), 1);
	assert_int_equal(adj_of(f, 102), 0);
	assert_int_equal(adj_of(f, 105), 1000);	/* another process now */
	assert_int_equal(adj_of(f, 106), 1000);
	assert_int_equal(access(f->state, F_OK), -1);
	/* No file: nothing to do. */
	assert_int_equal(prio_oomctl_recover(f->state, f->proc, f->out, err,
					     sizeof(err)), 0);
	for (uint32_t i = 0; i < f->o.n_groups; i++) {
		free(f->o.g[i].ancestors);
		free(f->o.g[i].ancestor_ooms);
	}
}

/* --- memory.oom.group, xattrs, kills ------------------------------------------ */

static int read_int(const struct fixture *f, const char *rel, const char *file)
{
	char p[PATH_MAX];
	FILE *fp;
	int v = -1;

	snprintf(p, sizeof(p), "%s/%s/%s", f->root, rel, file);
	fp = fopen(p, "r");
	assert_non_null(fp);
	assert_int_equal(fscanf(fp, "%d", &v), 1);
	fclose(fp);
	return v;
}

static void test_oom_group(void **state)
{
	struct fixture *f = *state;

	f->c.groups[1].oom_group = PRIO_OOM_GROUP_YES;
	start(f);
	assert_int_equal(read_int(f, "cg/t/low", "memory.oom.group"), 1);
	assert_int_equal(read_int(f, "cg/t/high", "memory.oom.group"), 0);
	prio_oomctl_restore_all(&f->o, f->out);
	assert_int_equal(read_int(f, "cg/t/low", "memory.oom.group"), 0);
}

static void test_xattr(void **state)
{
	struct fixture *f = *state;
	char high[128], low[128], v[8];

	snprintf(high, sizeof(high), "%s/cg/t/high", f->root);
	snprintf(low, sizeof(low), "%s/cg/t/low", f->root);
	if (setxattr(low, "user.oomd_omit", "x", 1, 0) < 0) {
		if (errno == ENOTSUP || errno == EPERM)
			skip();	/* no user.* xattrs here */
		fail_msg("setxattr: %s", strerror(errno));
	}
	/* low's omit was there before: not ours, kept. */
	f->c.groups[0].oomd_preference = PRIO_OOMD_AVOID;
	f->c.groups[1].oomd_preference = PRIO_OOMD_OMIT;
	start(f);
	assert_int_equal(getxattr(high, "user.oomd_avoid", v, sizeof(v)), 1);
	assert_int_equal(v[0], '1');
	fflush(f->out);
	assert_non_null(f->log);
	assert_non_null(strstr(f->log, "user.oomd_omit is set"));
	prio_oomctl_restore_all(&f->o, f->out);
	assert_int_equal(getxattr(high, "user.oomd_avoid", v, sizeof(v)), -1);
	assert_int_equal(getxattr(low, "user.oomd_omit", v, sizeof(v)), 1);
	assert_int_equal(v[0], 'x');
	/* After a SIGKILL, recovery removes ours too. */
	start(f);
	free(f->o.tasks);
	for (uint32_t i = 0; i < f->o.n_groups; i++) {
		free(f->o.g[i].ancestors);
		free(f->o.g[i].ancestor_ooms);
	}
	assert_int_equal(prio_oomctl_recover(f->state, f->proc, f->out, NULL,
					     0), 1);
	assert_int_equal(getxattr(high, "user.oomd_avoid", v, sizeof(v)), -1);
}

/* No OOM yet in t and t/low; started, and polled once at time 1. */
static void start_quiet(struct fixture *f)
{
	put_str(f->root, "cg/t", "memory.events", "oom 0\noom_kill 0\n");
	put_str(f->root, "cg/t/low", "memory.events",
		"oom 0\noom_kill 0\noom_group_kill 0\n");
	start(f);
	prio_oomctl_update(&f->o, 1, f->out);
}

/* A kill in low at the limit of t: one line that names group, domain, band. */
static void test_kill_line(void **state)
{
	struct fixture *f = *state;
	char want[512];

	start_quiet(f);
	put_str(f->root, "cg/t", "memory.events", "oom 1\noom_kill 1\n");
	put_str(f->root, "cg/t/low", "memory.events",
		"oom 0\noom_kill 1\noom_group_kill 0\n");
	prio_oomctl_update(&f->o, 2, f->out);
	fflush(f->out);
	snprintf(want, sizeof(want), "[2] OOM: group 'low' (%s/cg/t/low) lost 1 "
		 "task to the OOM killer (domain: limit of %s/cg/t); the kernel "
		 "chose, memcg-prio had put its tasks in oom_score_adj band "
		 "1000\n", f->root, f->root);
	assert_non_null(f->log);
	assert_non_null(strstr(f->log, want));
	prio_oomctl_restore_all(&f->o, f->out);
}

/* The kernel counts the OOM at t, then the kill in low: a poll between
 * the two must not make the kill's domain "global". */
static void test_kill_line_late(void **state)
{
	struct fixture *f = *state;
	char want[512];

	start_quiet(f);
	put_str(f->root, "cg/t", "memory.events", "oom 1\noom_kill 0\n");
	prio_oomctl_update(&f->o, 2, f->out);
	put_str(f->root, "cg/t", "memory.events", "oom 1\noom_kill 1\n");
	put_str(f->root, "cg/t/low", "memory.events",
		"oom 0\noom_kill 1\noom_group_kill 0\n");
	prio_oomctl_update(&f->o, 3, f->out);
	fflush(f->out);
	snprintf(want, sizeof(want), "[3] OOM: group 'low' (%s/cg/t/low) lost 1 "
		 "task to the OOM killer (domain: limit of %s/cg/t); ",
		 f->root, f->root);
	assert_non_null(f->log);
	assert_non_null(strstr(f->log, want));
	prio_oomctl_restore_all(&f->o, f->out);
}

/* An OOM at t long before a kill in low without one: that kill's domain
 * is global, and the rise at t names no later kill. */
static void test_kill_line_stale_domain(void **state)
{
	struct fixture *f = *state;
	const uint64_t later = 2 + 6ULL * 1000 * 1000 * 1000;
	char want[512];

	start_quiet(f);
	put_str(f->root, "cg/t", "memory.events", "oom 1\noom_kill 0\n");
	prio_oomctl_update(&f->o, 2, f->out);
	put_str(f->root, "cg/t/low", "memory.events",
		"oom 0\noom_kill 1\noom_group_kill 0\n");
	prio_oomctl_update(&f->o, later, f->out);
	fflush(f->out);
	snprintf(want, sizeof(want), "OOM: group 'low' (%s/cg/t/low) lost 1 "
		 "task to the OOM killer (domain: global); ", f->root);
	assert_non_null(f->log);
	assert_non_null(strstr(f->log, want));
	prio_oomctl_restore_all(&f->o, f->out);
}

/*
 * With the OOM hook: no band is written, the memory.events line says the
 * hook chose, and a kill of the hook gets its own line, its domain found
 * among the group's ancestors by cgroup id (the directory's inode).
 */
static void test_hook(void **state)
{
	struct fixture *f = *state;
	struct prio_oom_state *old = calloc(1, sizeof(*old));
	struct prio_oom_state *cur = calloc(1, sizeof(*cur));
	char err[PRIO_ERR_LEN] = "", want[1024], path[PATH_MAX];
	struct stat st;

	assert_non_null(old);
	assert_non_null(cur);
	put_str(f->root, "cg/t", "memory.events", "oom 0\noom_kill 0\n");
	put_str(f->root, "cg/t/low", "memory.events",
		"oom 0\noom_kill 0\noom_group_kill 0\n");
	if (prio_oomctl_init(&f->o, f->state, &f->c, PRIO_OOM_BACKEND_HOOK,
			     false, f->out, err, sizeof(err)) < 0)
		fail_msg("init: %s", err);
	f->o.proc = f->proc;
	prio_oomctl_update(&f->o, 1, f->out);
	assert_int_equal(adj_of(f, 102), 0);		/* no band */
	assert_int_equal(adj_of(f, 105), 0);

	snprintf(path, sizeof(path), "%s/cg/t", f->root);
	assert_int_equal(stat(path, &st), 0);
	cur->kills = 1;
	cur->group[1][PRIO_OOM_STAT_KILLS] = 1;
	cur->last = (struct prio_oom_kill){
		.domain_id = st.st_ino, .rss_pages = 256, .pid = 102,
		.index = 1, .reason = PRIO_OOM_REASON_LOWEST, .comm = "batch",
	};
	prio_oomctl_report_hook(&f->o, old, cur, 2, f->out);
	prio_oomctl_report_hook(&f->o, cur, cur, 3, f->out);	/* nothing new */
	put_str(f->root, "cg/t", "memory.events", "oom 1\noom_kill 1\n");
	put_str(f->root, "cg/t/low", "memory.events",
		"oom 0\noom_kill 1\noom_group_kill 0\n");
	prio_oomctl_update(&f->o, 4, f->out);
	fflush(f->out);
	snprintf(want, sizeof(want), "[2] OOM hook: killed pid 102 (batch, %ld "
		 "KiB) of group 'low' (%s/cg/t/low) (domain: limit of %s/cg/t): "
		 "the lowest group in the domain that may lose a task; the "
		 "hook's kills in the group: 1\n",
		 256 * (sysconf(_SC_PAGESIZE) / 1024), f->root, f->root);
	assert_non_null(strstr(f->log, want));
	assert_null(strstr(f->log, "[3] OOM hook"));
	snprintf(want, sizeof(want), "[4] OOM: group 'low' (%s/cg/t/low) lost 1 "
		 "task to the OOM killer (domain: limit of %s/cg/t); memcg-prio's "
		 "OOM hook chose where it has an 'OOM hook:' line, the kernel "
		 "otherwise\n", f->root, f->root);
	assert_non_null(strstr(f->log, want));
	/* A global OOM, and an id that is no ancestor. */
	prio_oom_domain_name(path, 0, want, sizeof(want));
	assert_string_equal(want, "global");
	prio_oom_domain_name(path, 4000000000u, want, sizeof(want));
	assert_string_equal(want, "limit of cgroup 4000000000");
	prio_oomctl_restore_all(&f->o, f->out);
	free(old);
	free(cur);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_band_two),
		cmocka_unit_test(test_band_many),
		cmocka_unit_test(test_band_one_priority),
		cmocka_unit_test(test_backend),
		cmocka_unit_test_setup_teardown(test_poll_and_restore, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_leaves_group, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_other_writer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_recover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oom_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xattr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_line_late, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_kill_line_stale_domain,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_hook, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

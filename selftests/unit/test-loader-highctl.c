// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of mode memory.high's control (loader/kernel/highctl.c) on a made-up
 * cgroup tree: plain directories with memory.high and memory.current
 * files, under a temporary directory.  Domains are cgroup ids, i.e. inode
 * numbers, so the test's directories stand in for cgroups exactly.
 *
 *	ROOT/t            the domain (a shared limit)
 *	ROOT/t/high       group "high", priority 100
 *	ROOT/t/low        group "low", priority 0, lowered when high is pressed
 *	ROOT/other        group "other", priority 0, outside t
 */
#include <errno.h>
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

#include <cmocka.h>

#include "kernel/highctl.h"
#include "print/status.h"
#include "kernel/view.h"

#define MiB (1024ULL * 1024)

/* Test doubles of two formatting helpers of view.c and status.c, which
 * would pull libbpf in. */
void prio_view_domain_name(const char *presser_path, uint64_t domain_id,
			   uint32_t cause, char *buf, size_t len)
{
	(void)presser_path;
	(void)cause;
	snprintf(buf, len, "domain %llu", (unsigned long long)domain_id);
}

void prio_status_stamp(uint64_t ns, FILE *out)
{
	fprintf(out, "[%llu] ", (unsigned long long)ns);
}

struct fixture {
	char root[64];
	char state[96];
	struct prio_group_cfg cfg[3];
	struct prio_status st;
	struct prio_highctl hc;
	FILE *out;
	char *log;
	size_t log_len;
};

static void path_of(const struct fixture *f, const char *rel, char *buf)
{
	assert_true(snprintf(buf, PATH_MAX, "%s/%s", f->root, rel) < PATH_MAX);
}

static void put(const struct fixture *f, const char *rel, const char *file,
		const char *value)
{
	char p[PATH_MAX * 2];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s/%s", f->root, rel, file);
	fp = fopen(p, "w");
	assert_non_null(fp);
	fputs(value, fp);
	fclose(fp);
}

static void get(const struct fixture *f, const char *rel, const char *file,
		char *buf, size_t len)
{
	char p[PATH_MAX * 2];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s/%s", f->root, rel, file);
	fp = fopen(p, "r");
	assert_non_null(fp);
	assert_non_null(fgets(buf, (int)len, fp));
	fclose(fp);
	buf[strcspn(buf, "\n")] = '\0';
}

static uint64_t ino(const struct fixture *f, const char *rel)
{
	char p[PATH_MAX];
	struct stat s;

	path_of(f, rel, p);
	assert_int_equal(stat(p, &s), 0);
	return s.st_ino;
}

static void group(struct fixture *f, int i, const char *name, const char *rel,
		  uint32_t priority, bool lowered)
{
	struct prio_group_cfg *c = &f->cfg[i];
	char p[PATH_MAX];

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	path_of(f, rel, p);
	assert_true(snprintf(c->path, sizeof(c->path), "%s", p) <
		    (int)sizeof(c->path));
	c->priority = priority;
	c->penalty_pages = 1024;	/* 4 MiB */
	c->penalty_max_pages = 16384;
	c->throttle_max_ms = 30000;
	c->throttle_max_share = 100;
	c->throttle_window_ms = 60000;
	c->relief_ms = 5000;
	c->link_flags = lowered ? PRIO_LINK_MEMORY_HIGH : 0;
	f->st.groups[i].cfg = *c;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *dirs[] = { "t", "t/high", "t/low", "other" };
	char p[PATH_MAX];

	assert_non_null(f);
	snprintf(f->root, sizeof(f->root), "/tmp/memcg-prio-highctl.XXXXXX");
	assert_non_null(mkdtemp(f->root));
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		path_of(f, dirs[i], p);
		assert_int_equal(mkdir(p, 0755), 0);
		put(f, dirs[i], "memory.high", "max\n");
		put(f, dirs[i], "memory.current", "104857600\n");	/* 100M */
	}
	snprintf(f->state, sizeof(f->state), "%s/run/state", f->root);
	group(f, 0, "high", "t/high", 100, false);
	group(f, 1, "low", "t/low", 0, true);
	group(f, 2, "other", "other", 0, true);
	f->st.n_groups = 3;
	f->st.now_ns = 5000000000ULL;
	f->out = open_memstream(&f->log, &f->log_len);
	assert_non_null(f->out);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[PATH_MAX + 16];

	fclose(f->out);
	free(f->log);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void init(struct fixture *f)
{
	char err[512] = "";

	assert_int_equal(prio_highctl_init(&f->hc, f->state, f->cfg, 3, f->root,
					   false, err, sizeof(err)), 0);
}

/* High pressed in domain rel until now + 1 s. */
static void press(struct fixture *f, const char *rel)
{
	struct prio_domain_state *d = &f->st.groups[0].state.domains[0];

	d->cgroup_id = ino(f, rel);
	d->pressured_until_ns = f->st.now_ns + 1000000000ULL;
	d->severity = 1;
}

static void unpress(struct fixture *f)
{
	f->st.groups[0].state.domains[0].pressured_until_ns = 0;
}

static bool logged(struct fixture *f, const char *what)
{
	fflush(f->out);
	return f->log && strstr(f->log, what);
}

static void test_lowers_and_restores(void **state)
{
	struct fixture *f = *state;
	char v[64];

	put(f, "t/low", "memory.high", "524288000\n");
	init(f);
	press(f, "t");
	prio_highctl_update(&f->hc, &f->st, f->out);
	get(f, "t/low", "memory.high", v, sizeof(v));
	assert_string_equal(v, "100663296");		/* 100M - 4M */
	get(f, "other", "memory.high", v, sizeof(v));
	assert_string_equal(v, "max");			/* outside t */
	assert_true(logged(f, "group 'low' throttled by 'high' (domain"));
	assert_true(logged(f, "memory.high 524288000 -> 100663296"));

	/* The state file holds the original before the write. */
	{
		struct prio_status st = f->st;

		st.groups[1].high_lowered = false;
		assert_int_equal(prio_highctl_read_state(f->state, &st), 0);
		assert_true(st.groups[1].high_lowered);
		assert_int_equal(st.groups[1].high_original, 524288000);
		assert_int_equal(st.groups[1].high_written, 100663296);
		assert_false(st.groups[2].high_lowered);
		assert_int_equal(st.owner_pid, getpid());
	}

	/* Still above its new value: no further step yet. */
	prio_highctl_update(&f->hc, &f->st, f->out);
	get(f, "t/low", "memory.high", v, sizeof(v));
	assert_string_equal(v, "100663296");
	/* It came down: one more penalty. */
	put(f, "t/low", "memory.current", "100663296\n");
	prio_highctl_update(&f->hc, &f->st, f->out);
	get(f, "t/low", "memory.high", v, sizeof(v));
	assert_string_equal(v, "96468992");		/* 96M - 4M */

	unpress(f);
	prio_highctl_update(&f->hc, &f->st, f->out);
	get(f, "t/low", "memory.high", v, sizeof(v));
	assert_string_equal(v, "524288000");
	assert_true(logged(f, "group 'low' no longer throttled (memory.high "
			   "back to 524288000)"));
	assert_int_equal(prio_highctl_restore_all(&f->hc, f->out), 0);
	assert_int_equal(access(f->state, F_OK), -1);
}

/* A domain that does not contain low presses nobody. */
static void test_other_domain(void **state)
{
	struct fixture *f = *state;
	char v[64];

	init(f);
	press(f, "t/high");
	prio_highctl_update(&f->hc, &f->st, f->out);
	get(f, "t/low", "memory.high", v, sizeof(v));
	assert_string_equal(v, "max");
	/* Nor an equal priority: other is as low as low. */
	f->cfg[0].priority = 0;
	f->st.groups[0].cfg.priority = 0;
	init(f);
	press(f, "t");
	prio_highctl_update(&f->hc, &f->st, f->out);
	get(f, "t/low", "memory.high", v, sizeof(v));
	assert_string_equal(v, "max");
	assert_int_equal(prio_highctl_restore_all(&f->hc, f->out), 0);
}

/* memory.high changed by someone else: left alone, also on exit. */
static void test_other_writer(void **state)
{
	struct fixture *f = *state;
	char v[64];

	init(f);
	press(f, "t");
	prio_highctl_update(&f->hc, &f->st, f->out);
	put(f, "t/low", "memory.high", "314572800\n");
	prio_highctl_update(&f->hc, &f->st, f->out);
	assert_true(logged(f, "memory.high changed to 314572800 by another "
			   "writer: memcg-prio no longer touches it"));
	unpress(f);
	prio_highctl_update(&f->hc, &f->st, f->out);
	assert_int_equal(prio_highctl_restore_all(&f->hc, f->out), 0);
	get(f, "t/low", "memory.high", v, sizeof(v));
	assert_string_equal(v, "314572800");
}

/* A killed owner's values come back; a live owner's are not touched. */
static void test_recover(void **state)
{
	struct fixture *f = *state;
	char err[512] = "", v[64], line[PATH_MAX + 64];
	pid_t owner = 0;
	size_t mark;
	FILE *fp;

	init(f);
	press(f, "t");
	prio_highctl_update(&f->hc, &f->st, f->out);	/* low: 100663296 */

	/* Rewrite the file as a killed process (pid 0x7ffffffe, never
	 * used) would have left it. */
	fp = fopen(f->state, "w");
	assert_non_null(fp);
	snprintf(line, sizeof(line), "memcg-prio memory.high state 1\n"
		 "pid 2147483646\ngroup low max 100663296 100663296 %s\n"
		 "group other max 5 5 %s\n", f->cfg[1].path, f->cfg[2].path);
	fputs(line, fp);
	fclose(fp);
	fflush(f->out);
	mark = f->log_len;
	assert_int_equal(prio_highctl_recover(f->state, f->out, &owner, err,
					      sizeof(err)), 1);
	assert_int_equal(owner, 2147483646);
	get(f, "t/low", "memory.high", v, sizeof(v));
	assert_string_equal(v, "max");
	/* One line, for low, and exactly this one. */
	snprintf(line, sizeof(line), "memcg-prio: group 'low': restored "
		 "%s/memory.high from 100663296 to max (left lowered by pid "
		 "2147483646)\n", f->cfg[1].path);
	fflush(f->out);
	assert_string_equal(f->log + mark, line);
	assert_int_equal(access(f->state, F_OK), -1);
	/* other's value was never ours (still max): untouched, no line. */
	get(f, "other", "memory.high", v, sizeof(v));
	assert_string_equal(v, "max");
	assert_null(strstr(f->log + mark, "group 'other'"));

	/* A live owner other than us: refused, with its pid. */
	fp = fopen(f->state, "w");
	assert_non_null(fp);
	fprintf(fp, "memcg-prio memory.high state 1\npid %ld\n", (long)getppid());
	fclose(fp);
	assert_int_equal(prio_highctl_recover(f->state, f->out, &owner, err,
					      sizeof(err)), -EBUSY);
	assert_non_null(strstr(err, "stop it first"));
	assert_int_equal(access(f->state, F_OK), 0);
}

/* A higher group inside a lowered one: refused, nothing written. */
static void test_nested_refused(void **state)
{
	struct fixture *f = *state;
	char err[512] = "", p[PATH_MAX];

	path_of(f, "t/low/inner", p);
	assert_int_equal(mkdir(p, 0755), 0);
	group(f, 0, "high", "t/low/inner", 100, false);
	assert_int_equal(prio_highctl_init(&f->hc, f->state, f->cfg, 3, f->root,
					   false, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "group 'high'"));
	assert_non_null(strstr(err, "lies inside group 'low' of lower "
			       "priority"));
	assert_int_equal(access(f->state, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lowers_and_restores, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_other_domain, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_other_writer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_recover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested_refused, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

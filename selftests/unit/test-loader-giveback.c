// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of mode memory.high's give-back (loader/kernel/lowctl.c,
 * loader/kernel/reclaimctl.c) on a made-up cgroup tree: plain directories
 * with memory.* files under a temporary directory.  memory.reclaim is a
 * plain file here: what the last write asked for.
 *
 *	ROOT/t/high       group "high", priority 100, the one shielded
 *	ROOT/t/low        group "low", priority 0, gives back
 *	ROOT/t/low2       group "low2", priority 0, gives back too
 *
 * The domain is ROOT/t (high's parent) unless a test makes it ROOT, whose
 * child ROOT/t is then between the domain and high.
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

#include <cmocka.h>

#include "kernel/lowctl.h"
#include "kernel/reclaimctl.h"
#include "print/status.h"
#include "kernel/view.h"

#define MiB (1024ULL * 1024)

/* Test double of status.c's time stamp, which would pull libbpf in. */
void prio_status_stamp(uint64_t ns, FILE *out)
{
	fprintf(out, "[%" PRIu64 "] ", ns);
}

struct fixture {
	char root[64];
	char state[96];
	struct prio_group_cfg cfg[3];
	struct prio_status st;
	struct prio_lowctl lc;
	struct prio_reclaimctl rc;
	FILE *out;
	char *log;
	size_t log_len;
};

static void put(const struct fixture *f, const char *rel, const char *file,
		uint64_t v)
{
	char p[PATH_MAX * 2];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s/%s", f->root, rel, file);
	fp = fopen(p, "w");
	assert_non_null(fp);
	if (v == UINT64_MAX)
		fputs("max\n", fp);
	else
		fprintf(fp, "%" PRIu64 "\n", v);
	fclose(fp);
}

static uint64_t get(const struct fixture *f, const char *rel, const char *file)
{
	char p[PATH_MAX * 2], buf[64] = "";
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s/%s", f->root, rel, file);
	fp = fopen(p, "r");
	assert_non_null(fp);
	if (!fgets(buf, sizeof(buf), fp))
		buf[0] = '\0';
	fclose(fp);
	return buf[0] ? strtoull(buf, NULL, 10) : 0;
}

static void group(struct fixture *f, int i, const char *name, const char *rel,
		  uint32_t priority)
{
	struct prio_group_cfg *c = &f->cfg[i];
	char p[PATH_MAX];

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(p, sizeof(p), "%s/%s", f->root, rel);
	assert_true(snprintf(c->path, sizeof(c->path), "%s", p) <
		    (int)sizeof(c->path));
	c->priority = priority;
	c->link_flags = priority ? 0 : PRIO_LINK_MEMORY_HIGH;
	f->st.groups[i].cfg = *c;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *dirs[] = { "t", "t/high", "t/low", "t/low2" };
	char p[PATH_MAX];

	assert_non_null(f);
	snprintf(f->root, sizeof(f->root), "/tmp/memcg-prio-giveback.XXXXXX");
	assert_non_null(mkdtemp(f->root));
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", f->root, dirs[i]);
		assert_int_equal(mkdir(p, 0755), 0);
		put(f, dirs[i], "memory.high", UINT64_MAX);
		put(f, dirs[i], "memory.max", UINT64_MAX);
		put(f, dirs[i], "memory.low", 0);
		put(f, dirs[i], "memory.min", 0);
		put(f, dirs[i], "memory.current", 100 * MiB);
		put(f, dirs[i], "memory.reclaim", 0);
	}
	snprintf(f->state, sizeof(f->state), "%s/run/low", f->root);
	group(f, 0, "high", "t/high", 100);
	group(f, 1, "low", "t/low", 0);
	group(f, 2, "low2", "t/low2", 0);
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

static bool logged(struct fixture *f, const char *what)
{
	fflush(f->out);
	return f->log && strstr(f->log, what);
}

static void low_init(struct fixture *f)
{
	char err[512] = "";

	assert_int_equal(prio_lowctl_init(&f->lc, f->state, f->cfg, 3, false,
					  err, sizeof(err)), 0);
}

/* The cgroup id of ROOT/rel ("" for ROOT): its inode, as for cgroupfs. */
static uint64_t id_of(const struct fixture *f, const char *rel)
{
	char p[PATH_MAX];
	struct stat sb;

	snprintf(p, sizeof(p), "%s/%s", f->root, rel);
	assert_int_equal(stat(p, &sb), 0);
	return sb.st_ino;
}

/* One poll: high shielded (on) in the domain ROOT/rel, or not. */
static void shield_in(struct fixture *f, bool on, const char *rel)
{
	bool s[3] = { on, false, false };
	uint64_t d[3] = { id_of(f, rel), 0, 0 };

	prio_lowctl_update(&f->lc, s, d, &f->st, f->out);
}

static void shield(struct fixture *f, bool on)
{
	shield_in(f, on, "t");
}

/* Raised to the usage, at most its own memory.max; only upwards; back. */
static void test_shield(void **state)
{
	struct fixture *f = *state;
	struct prio_status st;

	put(f, "t/high", "memory.low", 1 * MiB);
	put(f, "t/high", "memory.max", 80 * MiB);
	low_init(f);
	shield(f, true);
	assert_int_equal(get(f, "t/high", "memory.low"), 80 * MiB);
	assert_true(logged(f, "group 'high' shielded (memory.low 1048576 -> "
			   "83886080, its usage)"));
	st = f->st;
	assert_int_equal(prio_lowctl_read_state(f->state, &st), 0);
	assert_true(st.groups[0].low_raised);
	assert_int_equal(st.groups[0].low_original, 1 * MiB);
	assert_int_equal(st.groups[0].low_written, 80 * MiB);

	/* The usage falls: the shield stays; it grows again: follows. */
	put(f, "t/high", "memory.max", UINT64_MAX);
	put(f, "t/high", "memory.current", 50 * MiB);
	shield(f, true);
	assert_int_equal(get(f, "t/high", "memory.low"), 80 * MiB);
	put(f, "t/high", "memory.current", 90 * MiB);
	shield(f, true);
	assert_int_equal(get(f, "t/high", "memory.low"), 90 * MiB);

	shield(f, false);
	assert_int_equal(get(f, "t/high", "memory.low"), 1 * MiB);
	assert_true(logged(f, "group 'high' no longer shielded (memory.low "
			   "back to 1048576)"));
	assert_int_equal(prio_lowctl_restore_all(&f->lc, f->out), 0);
	assert_int_equal(access(f->state, F_OK), -1);
}

/* Its own memory.low above the usage already: nothing to write. */
static void test_shield_not_lower(void **state)
{
	struct fixture *f = *state;

	put(f, "t/high", "memory.low", 200 * MiB);
	low_init(f);
	shield(f, true);
	assert_int_equal(get(f, "t/high", "memory.low"), 200 * MiB);
	assert_false(logged(f, "shielded"));
}

static void test_shield_other_writer(void **state)
{
	struct fixture *f = *state;

	low_init(f);
	shield(f, true);
	put(f, "t/high", "memory.low", 7 * MiB);
	shield(f, true);
	assert_true(logged(f, "memory.low changed to 7340032 by another writer"));
	shield(f, false);
	assert_int_equal(prio_lowctl_restore_all(&f->lc, f->out), 0);
	assert_int_equal(get(f, "t/high", "memory.low"), 7 * MiB);
}

/* Make the owner of state file path a pid that cannot run. */
static void owner_gone(const char *path)
{
	char buf[4096], *pid;
	FILE *fp = fopen(path, "r");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	pid = strstr(buf, "pid ");
	assert_non_null(pid);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "%.*spid 2147483646%s", (int)(pid - buf), buf,
		strchr(pid, '\n'));
	fclose(fp);
}

/* A killed owner: the next run restores, unless someone else wrote. */
static void test_shield_recover(void **state)
{
	struct fixture *f = *state;
	char err[512] = "";

	low_init(f);
	shield(f, true);
	owner_gone(f->state);
	assert_int_equal(prio_lowctl_recover(f->state, f->out, err,
					     sizeof(err)), 1);
	assert_int_equal(get(f, "t/high", "memory.low"), 0);
	assert_true(logged(f, "restored"));
	assert_int_equal(access(f->state, F_OK), -1);
}

/*
 * A domain above high's parent: ROOT/t, between them, is raised with high
 * (the kernel caps high's protection by it), follows high's shield, and
 * goes back with it; the parent as the domain, or high's own cgroup (a
 * pod's limit), leaves it alone.
 */
static void test_shield_above(void **state)
{
	struct fixture *f = *state;
	char want[PATH_MAX * 2];
	struct prio_status st;

	low_init(f);
	shield_in(f, true, "t");
	shield_in(f, true, "t/high");
	assert_int_equal(get(f, "t", "memory.low"), 0);
	assert_false(logged(f, "through"));
	shield(f, false);

	shield_in(f, true, "");
	assert_int_equal(get(f, "t/high", "memory.low"), 100 * MiB);
	assert_int_equal(get(f, "t", "memory.low"), 100 * MiB);
	snprintf(want, sizeof(want), "group 'high' shielded through %s/t "
		 "(memory.low 0 -> 104857600, what the groups below it are "
		 "shielded with)", f->root);
	assert_true(logged(f, want));
	put(f, "t/high", "memory.current", 150 * MiB);
	shield_in(f, true, "");
	assert_int_equal(get(f, "t", "memory.low"), 150 * MiB);
	/* --status reads it back: the cgroup, its value, its group. */
	st = f->st;
	assert_int_equal(prio_lowctl_read_state(f->state, &st), 0);
	assert_int_equal(st.n_low_above, 1);
	assert_string_equal(st.low_above[0].group, "high");
	snprintf(want, sizeof(want), "%s/t", f->root);
	assert_string_equal(st.low_above[0].path, want);
	assert_int_equal(st.low_above[0].original, 0);
	assert_int_equal(st.low_above[0].written, 150 * MiB);

	shield_in(f, false, "");
	assert_int_equal(get(f, "t/high", "memory.low"), 0);
	assert_int_equal(get(f, "t", "memory.low"), 0);
	snprintf(want, sizeof(want), "group 'high' no longer shielded through "
		 "a cgroup above it (%s/t/memory.low back to 0)", f->root);
	assert_true(logged(f, want));
	st = f->st;
	assert_int_equal(prio_lowctl_read_state(f->state, &st), 0);
	assert_int_equal(st.n_low_above, 0);
	assert_int_equal(prio_lowctl_restore_all(&f->lc, f->out), 0);
	snprintf(want, sizeof(want), "%s-above", f->state);
	assert_int_equal(access(want, F_OK), -1);
}

/* The cgroup above covers high already, or someone else writes it. */
static void test_shield_above_theirs(void **state)
{
	struct fixture *f = *state;

	put(f, "t", "memory.low", 500 * MiB);
	low_init(f);
	shield_in(f, true, "");
	assert_int_equal(get(f, "t", "memory.low"), 500 * MiB);
	assert_false(logged(f, "through"));
	shield_in(f, false, "");

	put(f, "t", "memory.low", 0);
	shield_in(f, true, "");
	assert_int_equal(get(f, "t", "memory.low"), 100 * MiB);
	put(f, "t", "memory.low", 7 * MiB);
	shield_in(f, true, "");
	assert_true(logged(f, "/t/memory.low changed to 7340032 by another "
			   "writer"));
	shield_in(f, false, "");
	assert_int_equal(prio_lowctl_restore_all(&f->lc, f->out), 0);
	assert_int_equal(get(f, "t", "memory.low"), 7 * MiB);
	assert_int_equal(get(f, "t/high", "memory.low"), 0);
}

/* A killed owner: the next run restores the cgroup above too. */
static void test_shield_above_recover(void **state)
{
	struct fixture *f = *state;
	char err[512] = "", above[sizeof(f->state) + 8];

	low_init(f);
	shield_in(f, true, "");
	snprintf(above, sizeof(above), "%s-above", f->state);
	owner_gone(f->state);
	owner_gone(above);
	assert_int_equal(prio_lowctl_recover(f->state, f->out, err,
					     sizeof(err)), 2);
	assert_int_equal(get(f, "t/high", "memory.low"), 0);
	assert_int_equal(get(f, "t", "memory.low"), 0);
	assert_int_equal(access(f->state, F_OK), -1);
	assert_int_equal(access(above, F_OK), -1);
}

static void rc_init(struct fixture *f)
{
	prio_reclaimctl_init(&f->rc, f->cfg, 3, false);
}

/* high's charges reclaimed n pages more, in total. */
static void lacks(struct fixture *f, uint64_t pages)
{
	f->st.groups[0].stats[PRIO_STAT_CHARGE_RECLAIMED] += pages;
}

static void give(struct fixture *f, uint32_t by1, uint32_t by2)
{
	uint32_t by[3] = { PRIO_NO_GROUP, by1, by2 };

	prio_reclaimctl_update(&f->rc, by, &f->st, f->out);
}

/* Sized by what high lacks, shared between the groups it presses. */
static void test_reclaim_sized(void **state)
{
	struct fixture *f = *state;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	rc_init(f);
	lacks(f, 1000);
	give(f, PRIO_NO_GROUP, PRIO_NO_GROUP);	/* primes: nothing owed */
	assert_int_equal(get(f, "t/low", "memory.reclaim"), 0);
	lacks(f, 2048);				/* 8 MiB with 4 KiB pages */
	give(f, 0, 0);
	assert_true(logged(f, "group 'low' gives back to 'high'"));
	assert_int_equal(get(f, "t/low", "memory.reclaim"), 1024 * page);
	assert_int_equal(get(f, "t/low2", "memory.reclaim"), 1024 * page);
	/* Nothing more lacking: no more writes. */
	put(f, "t/low", "memory.reclaim", 0);
	give(f, 0, 0);
	assert_int_equal(get(f, "t/low", "memory.reclaim"), 0);
}

/* At most one write's worth per poll, never below memory.min/low. */
static void test_reclaim_bounded(void **state)
{
	struct fixture *f = *state;

	rc_init(f);
	give(f, PRIO_NO_GROUP, PRIO_NO_GROUP);
	lacks(f, 1 << 20);			/* 4 GiB with 4 KiB pages */
	give(f, 0, PRIO_NO_GROUP);
	assert_int_equal(get(f, "t/low", "memory.reclaim"),
			 PRIO_RECLAIM_MAX_WRITE);
	put(f, "t/low", "memory.low", 97 * MiB);	/* 3 MiB above it */
	give(f, 0, PRIO_NO_GROUP);
	assert_int_equal(get(f, "t/low", "memory.reclaim"), 3 * MiB);
	put(f, "t/low", "memory.reclaim", 0);
	put(f, "t/low", "memory.min", 100 * MiB);
	give(f, 0, PRIO_NO_GROUP);
	assert_int_equal(get(f, "t/low", "memory.reclaim"), 0);
	/* The end of the throttling ends the give-back and its budget. */
	put(f, "t/low", "memory.min", 0);
	put(f, "t/low", "memory.low", 0);
	give(f, PRIO_NO_GROUP, PRIO_NO_GROUP);
	assert_true(logged(f, "group 'low' no longer gives back to 'high': "
			   "took 0 KiB in 2 writes of memory.reclaim (asked "
			   "11264 KiB; 'high' lost 4194304 KiB"));
	give(f, 0, PRIO_NO_GROUP);
	assert_int_equal(get(f, "t/low", "memory.reclaim"), 0);
}

/*
 * The refill: what high took of free memory (its memory.current grew by
 * more than its charges reclaimed) is owed too, each lower group's share
 * at most what its last write asked; not at high's first poll as a
 * presser, not what it reclaimed itself, not once it stops.
 */
static void test_reclaim_refill(void **state)
{
	struct fixture *f = *state;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	rc_init(f);
	give(f, PRIO_NO_GROUP, PRIO_NO_GROUP);
	put(f, "t/high", "memory.current", 100 * MiB);
	give(f, 0, PRIO_NO_GROUP);			/* first sight */
	assert_int_equal(get(f, "t/low", "memory.reclaim"), 0);
	/* Grew 4 MiB, its charges reclaimed 1: low had asked nothing yet,
	 * so the 3 MiB it took came from elsewhere: only the 1 is owed. */
	put(f, "t/high", "memory.current", 104 * MiB);
	lacks(f, MiB / page);
	give(f, 0, PRIO_NO_GROUP);
	assert_int_equal(get(f, "t/low", "memory.reclaim"), 1 * MiB);
	/* Grew 5 MiB, reclaimed nothing: at most the 1 MiB low gave. */
	put(f, "t/high", "memory.current", 109 * MiB);
	give(f, 0, PRIO_NO_GROUP);
	assert_int_equal(get(f, "t/low", "memory.reclaim"), 1 * MiB);
	/* Grew 512 KiB: that much. */
	put(f, "t/high", "memory.current", 109 * MiB + 512 * 1024);
	give(f, 0, PRIO_NO_GROUP);
	assert_int_equal(get(f, "t/low", "memory.reclaim"), 512 * 1024);
	/* Did not grow: nothing. */
	put(f, "t/low", "memory.reclaim", 0);
	give(f, 0, PRIO_NO_GROUP);
	assert_int_equal(get(f, "t/low", "memory.reclaim"), 0);
	give(f, PRIO_NO_GROUP, PRIO_NO_GROUP);
	assert_true(logged(f, "(asked 2560 KiB; 'high' lost 1024 KiB to "
			   "reclaim and took 1536 KiB given back meanwhile)"));
	/* A new episode starts from a new first sight. */
	put(f, "t/high", "memory.current", 200 * MiB);
	give(f, 0, PRIO_NO_GROUP);
	assert_int_equal(get(f, "t/low", "memory.reclaim"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_shield, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shield_not_lower, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_shield_other_writer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_shield_recover, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_shield_above, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_shield_above_theirs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_shield_above_recover, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reclaim_sized, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reclaim_bounded, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reclaim_refill, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the saved cgroup file values (loader/kernel/savedvals.c)
 * on a made-up cgroup tree: plain directories with a memory.low file under
 * a temporary directory, and state files written as earlier versions of
 * highctl.c and lowctl.c wrote them.
 *
 *	ROOT/a, ROOT/b, ROOT/c, ROOT/d    groups "a" to "d"
 */
#include <errno.h>
#include <ftw.h>
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

#include "kernel/cgfile.h"
#include "kernel/savedvals.h"
#include "print/status.h"
#include "kernel/view.h"

#define DEAD_PID	"2147483646"	/* never used */

/* Test double of status.c's time stamp, which would pull libbpf in. */
void prio_status_stamp(uint64_t ns, FILE *out)
{
	fprintf(out, "[%" PRIu64 "] ", ns);
}

static const struct prio_savedvals_kind low_kind = {
	.magic = "memcg-prio memory.low state 1",
	.file = "memory.low",
	.changed = "raised",
	.state = "shielded",
};

static const struct prio_savedvals_kind max_kind = {
	.magic = "memcg-prio memory.low state 1",
	.file = "memory.low",
	.changed = "lowered",
	.state = "throttled",
	.max_word = true,
	.say_unreadable = true,
};

struct fixture {
	char root[64];
	char state[96];
	struct prio_group_cfg cfg[4];
	struct prio_savedvals sv;
	FILE *out;
	char *log;
	size_t log_len;
};

static void put(const struct fixture *f, const char *rel, const char *value)
{
	char p[PATH_MAX];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s/memory.low", f->root, rel);
	fp = fopen(p, "w");
	assert_non_null(fp);
	fputs(value, fp);
	fclose(fp);
}

static void get(const struct fixture *f, const char *rel, char *buf,
		size_t len)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s/memory.low", f->root, rel);
	assert_int_equal(prio_read_small(p, buf, len), 0);
	buf[strcspn(buf, "\n")] = '\0';
}

static void write_state(const struct fixture *f, const char *text)
{
	FILE *fp = fopen(f->state, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/*
 * fsync(), wrapped (-Wl,--wrap=fsync): once race_value is set, the next
 * call writes it to race_path's memory.low first, as another writer
 * coming in while the state file is synced.
 */
static struct fixture *raced;
static const char *race_path, *race_value;

int __real_fsync(int fd);
int __wrap_fsync(int fd);

int __wrap_fsync(int fd)
{
	if (race_value) {
		put(raced, race_path, race_value);
		race_value = NULL;
	}
	return __real_fsync(fd);
}

/* The log since mark. */
static const char *log_since(struct fixture *f, size_t mark)
{
	fflush(f->out);
	return f->log ? f->log + mark : "";
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *names[] = { "a", "b", "c", "d" };

	assert_non_null(f);
	f->out = open_memstream(&f->log, &f->log_len);
	assert_non_null(f->out);
	snprintf(f->root, sizeof(f->root), "/tmp/memcg-prio-savedvals.XXXXXX");
	assert_non_null(mkdtemp(f->root));
	for (int i = 0; i < 4; i++) {
		struct prio_group_cfg *c = &f->cfg[i];

		snprintf(c->name, sizeof(c->name), "%s", names[i]);
		snprintf(c->path, sizeof(c->path), "%s/%s", f->root, names[i]);
		assert_int_equal(mkdir(c->path, 0755), 0);
		put(f, names[i], "0\n");
	}
	snprintf(f->state, sizeof(f->state), "%s/run/state", f->root);
	*state = f;
	return 0;
}

static int remove_one(const char *path, const struct stat *sb, int type,
		      struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(nftw(f->root, remove_one, 8, FTW_DEPTH | FTW_PHYS), 0);
	fclose(f->out);
	free(f->log);
	free(f);
	return 0;
}

/*
 * A state file as lowctl.c wrote it before savedvals.c, left by a killed
 * owner: what still holds our last or previous value comes back, what
 * another writer changed is kept, what is at its original is not touched.
 */
static void test_recover(void **state)
{
	struct fixture *f = *state;
	char text[4096], want[4096], v[64];
	size_t mark;

	put(f, "a", "300\n");		/* the last value written */
	put(f, "b", "200\n");		/* the one before: a crash between */
	put(f, "c", "777\n");		/* another writer's */
	put(f, "d", "5\n");		/* its original already */
	snprintf(want, sizeof(want), "%s/run", f->root);
	assert_int_equal(mkdir(want, 0700), 0);
	snprintf(text, sizeof(text), "%s\npid " DEAD_PID "\n"
		 "group a 100 300 200 %s\ngroup b 100 300 200 %s\n"
		 "group c 100 300 200 %s\ngroup d 5 300 200 %s\n",
		 low_kind.magic, f->cfg[0].path, f->cfg[1].path,
		 f->cfg[2].path, f->cfg[3].path);
	write_state(f, text);
	fflush(f->out);
	mark = f->log_len;
	assert_int_equal(prio_savedvals_recover(&low_kind, f->state, f->out,
						NULL, NULL, 0), 2);
	get(f, "a", v, sizeof(v));
	assert_string_equal(v, "100");
	get(f, "b", v, sizeof(v));
	assert_string_equal(v, "100");
	get(f, "c", v, sizeof(v));
	assert_string_equal(v, "777");
	get(f, "d", v, sizeof(v));
	assert_string_equal(v, "5");
	snprintf(want, sizeof(want),
		 "memcg-prio: group 'a': restored %s/memory.low from 300 to 100 "
		 "(left raised by pid " DEAD_PID ")\n"
		 "memcg-prio: group 'b': restored %s/memory.low from 200 to 100 "
		 "(left raised by pid " DEAD_PID ")\n"
		 "memcg-prio: group 'c': %s/memory.low is 777, not what "
		 "memcg-prio wrote: left as it is (it was 100)\n",
		 f->cfg[0].path, f->cfg[1].path, f->cfg[2].path);
	assert_string_equal(log_since(f, mark), want);
	assert_int_equal(access(f->state, F_OK), -1);
	/* No state file: nothing to do. */
	assert_int_equal(prio_savedvals_recover(&low_kind, f->state, f->out,
						NULL, NULL, 0), 0);
}

/* A live owner: refused with its pid, the state file kept. */
static void test_recover_busy(void **state)
{
	struct fixture *f = *state;
	char text[256], err[512] = "", want[512];
	pid_t owner = 0;

	snprintf(text, sizeof(text), "%s/run", f->root);
	assert_int_equal(mkdir(text, 0700), 0);
	snprintf(text, sizeof(text), "%s\npid %ld\n", low_kind.magic,
		 (long)getppid());
	write_state(f, text);
	assert_int_equal(prio_savedvals_recover(&low_kind, f->state, f->out,
						&owner, err, sizeof(err)),
			 -EBUSY);
	assert_int_equal(owner, getppid());
	snprintf(want, sizeof(want), "memcg-prio --foreground (pid %ld) "
		 "controls memory.low for this policy (%s): stop it first "
		 "(SIGTERM restores what it raised)", (long)getppid(), f->state);
	assert_string_equal(err, want);
	assert_int_equal(access(f->state, F_OK), 0);
}

/* "max" as a word only where the kind says so, both ways. */
static void test_max_word(void **state)
{
	struct fixture *f = *state;
	char text[1024], v[64];

	snprintf(text, sizeof(text), "%s/run", f->root);
	assert_int_equal(mkdir(text, 0700), 0);
	snprintf(text, sizeof(text), "%s\npid " DEAD_PID "\n"
		 "group a max 300 300 %s\n", max_kind.magic, f->cfg[0].path);
	put(f, "a", "300\n");
	write_state(f, text);
	assert_int_equal(prio_savedvals_recover(&low_kind, f->state, f->out,
						NULL, NULL, 0), 0);
	get(f, "a", v, sizeof(v));
	assert_string_equal(v, "300");
	write_state(f, text);
	assert_int_equal(prio_savedvals_recover(&max_kind, f->state, f->out,
						NULL, NULL, 0), 1);
	get(f, "a", v, sizeof(v));
	assert_string_equal(v, "max");
}

/*
 * Group i holds value, another writer's, and was let go with its line at
 * time stamp ts, the only one since mark.
 */
static void expect_let_go(struct fixture *f, uint32_t i, size_t mark, int ts,
			  const char *value)
{
	char want[1024], v[64];

	get(f, f->cfg[i].name, v, sizeof(v));
	assert_string_equal(v, value);
	assert_false(f->sv.v[i].ours);
	assert_true(f->sv.v[i].yielded);
	snprintf(want, sizeof(want), "[%d] group '%s': %s/memory.low changed "
		 "to %s by another writer: memcg-prio no longer touches it\n",
		 ts, f->cfg[i].name, f->cfg[i].path, value);
	assert_string_equal(log_since(f, mark), want);
}

/* Record, then write; another writer's value is theirs from then on. */
static void test_set_and_other_writer(void **state)
{
	struct fixture *f = *state;
	char text[1024], want[1024], v[64];
	FILE *fp;
	size_t n, mark;

	assert_int_equal(prio_savedvals_init(&f->sv, &low_kind, f->state,
					     f->cfg, 4, false), 0);
	assert_int_equal(prio_savedvals_set(&f->sv, 0, 0, 4096, 1, f->out), 0);
	assert_int_equal(prio_savedvals_set(&f->sv, 0, 4096, 8192, 2, f->out),
			 0);
	get(f, "a", v, sizeof(v));
	assert_string_equal(v, "8192");
	fp = fopen(f->state, "r");
	assert_non_null(fp);
	n = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	text[n] = '\0';
	snprintf(want, sizeof(want), "%s\npid %ld\ngroup a 0 8192 4096 %s\n",
		 low_kind.magic, (long)getpid(), f->cfg[0].path);
	assert_string_equal(text, want);

	put(f, "a", "12345\n");
	fflush(f->out);
	mark = f->log_len;
	assert_int_equal(prio_savedvals_restore(&f->sv, 0, 7, f->out), 0);
	expect_let_go(f, 0, mark, 7, "12345");
	assert_int_equal(prio_savedvals_restore_all(&f->sv, f->out), 0);
	get(f, "a", v, sizeof(v));
	assert_string_equal(v, "12345");
	assert_int_equal(access(f->state, F_OK), -1);
}

/*
 * Another writer comes in while the state file is synced, between the
 * caller's read and the write: its value stays, and is theirs from then
 * on.  On a file not ours yet, nothing is recorded and the next call
 * starts from the new value.
 */
static void test_set_raced(void **state)
{
	struct fixture *f = *state;
	char v[64];
	size_t mark;

	assert_int_equal(prio_savedvals_init(&f->sv, &low_kind, f->state,
					     f->cfg, 4, false), 0);
	assert_int_equal(prio_savedvals_set(&f->sv, 0, 0, 4096, 1, f->out), 0);
	fflush(f->out);
	mark = f->log_len;
	raced = f;
	race_path = "a";
	race_value = "2097152\n";
	assert_int_equal(prio_savedvals_set(&f->sv, 0, 4096, 8192, 3, f->out),
			 1);
	expect_let_go(f, 0, mark, 3, "2097152");
	fflush(f->out);
	mark = f->log_len;

	race_path = "b";
	race_value = "1000\n";
	assert_int_equal(prio_savedvals_set(&f->sv, 1, 0, 4096, 4, f->out), 1);
	get(f, "b", v, sizeof(v));
	assert_string_equal(v, "1000");
	assert_false(f->sv.v[1].ours);
	assert_false(f->sv.v[1].yielded);
	assert_int_equal(prio_savedvals_set(&f->sv, 1, 1000, 4096, 5, f->out),
			 0);
	assert_int_equal(f->sv.v[1].original, 1000);
	assert_string_equal(log_since(f, mark), "");	/* no line */
	assert_int_equal(prio_savedvals_restore_all(&f->sv, f->out), 0);
	get(f, "b", v, sizeof(v));
	assert_string_equal(v, "1000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_recover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover_busy, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_max_word, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_and_other_writer,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_raced, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

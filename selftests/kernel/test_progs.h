/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The part of tools/testing/selftests/bpf's test_progs API that the
 * kernel-level tests in prog_tests/ use, implemented here for runner.c, so
 * that those files compile unchanged in either place.
 *
 * A file prog_tests/NAME.c defines void test_NAME(void) (gen-tests-h lists
 * them) that starts each of its tests as a subtest, through kt_subtest()
 * (kt_cgroup.h), which gives it a fresh cgroup base:
 *
 *	kt_subtest("name", "what it checks", name);
 *
 * runner.c calls every test_NAME() once with no subtest selected to learn
 * the names, then once for each subtest it runs, alone.  So a test_NAME()
 * does nothing outside its subtests.
 *
 * The ASSERT_* macros evaluate each argument once, print a failure (with
 * file and line) to stderr, mark the running subtest failed and yield
 * false; the caller decides whether to go on.  errno is kept across them.
 */
#ifndef MEMCG_PRIO_TEST_PROGS_H
#define MEMCG_PRIO_TEST_PROGS_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

enum verbosity {
	VERBOSE_NONE,
	VERBOSE_NORMAL,
	VERBOSE_VERY,
	VERBOSE_SUPER,
};

struct test_env {
	enum verbosity verbosity;
};

extern struct test_env env;

/* True when the subtest NAME is to run now. */
bool test__start_subtest(const char *name);
bool test__start_subtest_with_desc(const char *name, const char *description);
/* The running subtest is skipped (unless it also failed). */
void test__skip(void);
/* The running subtest failed. */
void test__fail(void);

/* Where an assertion failed, and what failed. */
void test__report_fail(const char *file, int line, const char *func,
		       const char *name, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Where an assertion held, said at VERBOSE_VERY. */
void test__report_pass(const char *func, const char *name);

#define TEST__CHECK(ok, name, fmt, ...) ({				\
	bool ___c_ok = (ok);						\
	int ___c_errno = errno;						\
	if (!___c_ok)							\
		test__report_fail(__FILE__, __LINE__, __func__, (name),	\
				  fmt, ##__VA_ARGS__);			\
	else								\
		test__report_pass(__func__, (name));			\
	errno = ___c_errno;						\
	___c_ok;							\
})

/* A failure with a message of its own. */
#define PRINT_FAIL(fmt, ...)						\
	TEST__CHECK(false, "", fmt, ##__VA_ARGS__)

#define ASSERT_FAIL(fmt, ...) ({					\
	PRINT_FAIL(fmt "\n", ##__VA_ARGS__);				\
	false;								\
})

#define ASSERT_TRUE(actual, name)					\
	TEST__CHECK(!!(actual), (name), "unexpected %s: got FALSE\n", (name))

#define ASSERT_FALSE(actual, name)					\
	TEST__CHECK(!(actual), (name), "unexpected %s: got TRUE\n", (name))

/*
 * ACTUAL OP EXPECTED in their own types, as C compares them: an unsigned
 * counter against a literal such as 0 is what the tests mean, so
 * -Wsign-compare is quiet here.  WHY says how it did not hold.
 */
#define TEST__CMP(actual, op, expected, name, why) ({			\
	__typeof__(actual) ___act = (actual);				\
	__typeof__(expected) ___exp = (expected);			\
	bool ___cmp;							\
	_Pragma("GCC diagnostic push")					\
	_Pragma("GCC diagnostic ignored \"-Wsign-compare\"")		\
	___cmp = ___act op ___exp;					\
	_Pragma("GCC diagnostic pop")					\
	TEST__CHECK(___cmp, (name),					\
		    "unexpected %s: actual %lld " why " expected %lld\n",\
		    (name), (long long)___act, (long long)___exp);	\
})

#define ASSERT_EQ(actual, expected, name)				\
	TEST__CMP(actual, ==, expected, name, "!=")
#define ASSERT_NEQ(actual, expected, name)				\
	TEST__CMP(actual, !=, expected, name, "==")
#define ASSERT_LT(actual, expected, name)				\
	TEST__CMP(actual, <, expected, name, ">=")
#define ASSERT_LE(actual, expected, name)				\
	TEST__CMP(actual, <=, expected, name, ">")
#define ASSERT_GT(actual, expected, name)				\
	TEST__CMP(actual, >, expected, name, "<=")
#define ASSERT_GE(actual, expected, name)				\
	TEST__CMP(actual, >=, expected, name, "<")

#define ASSERT_STREQ(actual, expected, name) ({				\
	const char *___sa = (actual), *___se = (expected);		\
	TEST__CHECK(!strcmp(___sa, ___se), (name),			\
		    "unexpected %s: actual '%s' != expected '%s'\n",	\
		    (name), ___sa, ___se);				\
})

#define ASSERT_HAS_SUBSTR(str, substr, name) ({				\
	const char *___ss = (str), *___sub = (substr);			\
	TEST__CHECK(strstr(___ss, ___sub) != NULL, (name),		\
		    "unexpected %s: '%s' is not a substring of '%s'\n",	\
		    (name), ___sub, ___ss);				\
})

/* RES == 0. */
#define ASSERT_OK(res, name) ({						\
	long long ___res = (res);					\
	TEST__CHECK(___res == 0, (name),				\
		    "unexpected error: %lld (errno %d)\n", ___res, errno);\
})

/* RES < 0. */
#define ASSERT_ERR(res, name) ({					\
	long long ___res = (res);					\
	TEST__CHECK(___res < 0, (name), "unexpected success: %lld\n",	\
		    ___res);						\
})

#define ASSERT_NULL(ptr, name) ({					\
	const void *___ptr = (ptr);					\
	TEST__CHECK(!___ptr, (name), "unexpected pointer: %p\n",	\
		    ___ptr);						\
})

/* Neither NULL nor an error pointer (libbpf's legacy ERR_PTR). */
#define TEST__IS_ERR_OR_NULL(p)						\
	(!(p) || (unsigned long)(p) >= (unsigned long)-4095)

#define ASSERT_OK_PTR(ptr, name) ({					\
	const void *___ptr = (ptr);					\
	TEST__CHECK(!TEST__IS_ERR_OR_NULL(___ptr), (name),		\
		    "unexpected error: %p (errno %d)\n", ___ptr, errno);\
})

#define ASSERT_ERR_PTR(ptr, name) ({					\
	const void *___ptr = (ptr);					\
	TEST__CHECK(TEST__IS_ERR_OR_NULL(___ptr), (name),		\
		    "unexpected pointer: %p\n", ___ptr);		\
})

#define ASSERT_OK_FD(fd, name) ({					\
	int ___fd = (fd);						\
	TEST__CHECK(___fd >= 0, (name),					\
		    "unexpected fd: %d (errno %d)\n", ___fd, errno);	\
})

#define ASSERT_ERR_FD(fd, name) ({					\
	int ___fd = (fd);						\
	TEST__CHECK(___fd < 0, (name), "unexpected fd: %d\n", ___fd);	\
})

#endif

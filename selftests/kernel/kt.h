/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-level test framework: tests register themselves with KT_TEST(),
 * runner.c runs them (-t NAME to filter, -l to list).  A test returns
 * KT_PASS, KT_FAIL or KT_SKIP; the KT_ASSERT* macros print the failing
 * expression with file and line and return KT_FAIL.
 */
#ifndef MEMCG_PRIO_KT_H
#define MEMCG_PRIO_KT_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

enum kt_result { KT_PASS, KT_FAIL, KT_SKIP };

struct kt_test {
	const char *name;
	const char *description;
	enum kt_result (*run)(void);
};

void kt_register(const struct kt_test *test);

#define KT_TEST(fn, desc)						\
	static enum kt_result fn(void);					\
	static const struct kt_test kt_test_##fn = {			\
		.name = #fn, .description = desc, .run = fn,		\
	};								\
	__attribute__((constructor)) static void kt_reg_##fn(void)	\
	{								\
		kt_register(&kt_test_##fn);				\
	}								\
	static enum kt_result fn(void)

#define KT_ASSERT(expr)							\
	do {								\
		if (!(expr)) {						\
			fprintf(stderr, "%s:%d: assertion failed: %s\n",\
				__FILE__, __LINE__, #expr);		\
			return KT_FAIL;					\
		}							\
	} while (0)

/* Like KT_ASSERT, also printing two integer values. */
#define KT_ASSERT_CMP(a, op, b)						\
	do {								\
		long long kt_a = (long long)(a), kt_b = (long long)(b);	\
		if (!(kt_a op kt_b)) {					\
			fprintf(stderr, "%s:%d: assertion failed: %s %s %s"\
				" (%lld %s %lld)\n", __FILE__, __LINE__,\
				#a, #op, #b, kt_a, #op, kt_b);		\
			return KT_FAIL;					\
		}							\
	} while (0)

/* The call must fail with errno e. */
#define KT_ASSERT_ERRNO(call_failed, e)					\
	do {								\
		errno = 0;						\
		if (!(call_failed)) {					\
			fprintf(stderr, "%s:%d: %s succeeded, expected %s\n",\
				__FILE__, __LINE__, #call_failed, #e);	\
			return KT_FAIL;					\
		}							\
		if (errno != (e)) {					\
			fprintf(stderr, "%s:%d: %s: errno %d (%s), expected %s\n",\
				__FILE__, __LINE__, #call_failed, errno,\
				strerror(errno), #e);			\
			return KT_FAIL;					\
		}							\
	} while (0)

#define kt_log(...) do { if (kt_verbose) fprintf(stderr, "  " __VA_ARGS__); } while (0)
extern int kt_verbose;

#endif

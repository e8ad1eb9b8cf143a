// SPDX-License-Identifier: GPL-2.0-only
/*
 * Small helpers shared by the loader's modules: error messages into a
 * caller's buffer, path building, the clock.
 */
#ifndef MEMCG_PRIO_LOADER_UTIL_H
#define MEMCG_PRIO_LOADER_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PRIO_ERR_LEN 1024

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Write one sentence, printf-style, into err (if err and errlen are set)
 * and return r, which must be a negative errno.  The loader's modules report
 * every failure this way; only the command layer prints.
 */
int prio_fail(char *err, size_t errlen, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * dir "/" name into buf (of size len); a name of "" gives dir.  0, or
 * -ENAMETOOLONG if it does not fit.
 */
int prio_path_join(char *buf, size_t len, const char *dir, const char *name);

/* Does the absolute, normalised path a contain b (a == b included)? */
bool prio_path_contains(const char *a, const char *b);

/* CLOCK_MONOTONIC in ns, the clock of bpf_ktime_get_ns() and of the events. */
uint64_t prio_now_ns(void);

#endif

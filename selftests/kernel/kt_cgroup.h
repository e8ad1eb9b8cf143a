/* SPDX-License-Identifier: GPL-2.0 */
/* cgroup v2 helpers for the kernel-level tests. */
#ifndef MEMCG_PRIO_KT_CGROUP_H
#define MEMCG_PRIO_KT_CGROUP_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

extern const char *kt_cgroup_root;

/* Fresh test base <root>/memcg-bpf-test with +memory; removed by teardown. */
int kt_setup(void);
void kt_teardown(void);

/*
 * test_NAME()'s entry for each subtest: test__start_subtest_with_desc(NAME,
 * DESC) and, when the runner runs that subtest, FN() between kt_setup() and
 * kt_teardown().  Each subtest sets up its own base, as test_progs' tests
 * set up their own cgroups, so that runner.c and upstream's test_progs (which
 * knows nothing of kt_setup) run it alike.
 */
void kt_subtest(const char *name, const char *desc, void (*fn)(void));

/*
 * Create <base>/REL, enabling the memory controller in its parent first.
 * Writes the absolute path to ret_path (PATH_MAX bytes).
 */
int kt_cg_create(const char *rel, char *ret_path);
/* The cgroup all tests' cgroups live in, the parent of kt_cg_create("x"). */
const char *kt_cg_base(void);
int kt_cg_remove(const char *path);
int kt_cg_open(const char *path);
uint64_t kt_cg_id(const char *path);
int kt_cg_write(const char *path, const char *file, const char *value);
/* Value of KEY in a flat-keyed file such as memory.events, -1 on error. */
long long kt_cg_read_key(const char *path, const char *file, const char *key);
/* Value of a single-value file such as memory.current, -1 on error. */
long long kt_cg_read_u64(const char *path, const char *file);
/* Map, touch and unmap MB megabytes of anonymous memory ROUNDS times: 0 or 1. */
int kt_alloc_anon(size_t mb, int rounds);
/*
 * Run FN(ARG) in a child that first moves itself into PATH; 0 when FN
 * returned 0, -ECHILD (with a message) when it did not.
 */
int kt_cg_run(const char *path, int (*fn)(void *arg), void *arg);
/*
 * Run a child in PATH that touches MB megabytes of anonymous memory, in a
 * loop of ROUNDS map-touch-unmap cycles.  0 when the child succeeded.
 */
int kt_cg_run_alloc(const char *path, size_t mb, int rounds);

#endif

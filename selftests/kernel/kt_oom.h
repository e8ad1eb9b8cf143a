/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the bpf_oom_ops tests: the test program's skeleton, tasks
 * that hold or want memory in a cgroup, a memory-limited cgroup, and the
 * kernel log since a mark.
 */
#ifndef MEMCG_PRIO_KT_OOM_H
#define MEMCG_PRIO_KT_OOM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "oom_ops_test.h"
#include "oom_ops_test.skel.h"

/*
 * Programs, links and tasks made through these helpers are destroyed and
 * killed by kt_oom_cleanup(), which every test calls however it ended:
 * a link left on the root cgroup would act in later tests.
 */
void kt_oom_cleanup(void);
/* A loaded test program in MODE; NULL (with a message) on failure. */
struct oom_ops_test *kt_oom_load(enum kt_oom_mode mode);
/* Attach to the cgroup directory PATH; NULL with errno set on failure. */
struct bpf_link *kt_oom_attach(struct oom_ops_test *skel, const char *path);

/* Create REL under the test base with memory.max MB and no swap. */
int kt_oom_cg_create(const char *rel, size_t max_mb, char *ret_path);

/*
 * Fork a task in cgroup PATH with oom_score_adj ADJ that touches MB
 * megabytes of anonymous memory.  HOLD: it then waits, and the call returns
 * once the memory is touched; otherwise it exits 0 when done.  The pid, or
 * -1 with a message.
 */
pid_t kt_oom_spawn(const char *path, int adj, size_t mb, bool hold);
/*
 * Fork a task in cgroup PATH that maps MB megabytes of anonymous memory
 * with MAP_POPULATE, so that it charges them with mmap_lock held, once a
 * byte is written to *GO_FD (then closed by the caller).  The pid, or -1
 * with a message.
 */
pid_t kt_oom_spawn_populate(const char *path, size_t mb, int *go_fd);
/* How long the OOM tests wait for a task to end, in seconds. */
#define KT_OOM_TIMEOUT_S 120

/* Whether PID was killed by SIGKILL: 1 yes, 0 exited (status in ret_code), -1 timeout. */
int kt_oom_wait(pid_t pid, int timeout_s, int *ret_code);
/* SIGKILL and reap PID if still there; pid <= 0 is ignored. */
void kt_oom_reap(pid_t pid);

/* Start reading the kernel log here; -1 on error. */
int kt_kmsg_mark(void);
/* Whether a kernel log line since MARK (closed here) holds all of the strings. */
bool kt_kmsg_find(int mark, const char *s1, const char *s2);

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * Attach, update and detach in a bounded loop while other processes create
 * and remove cgroups inside the attached subtree and charge memory there.
 * The assertions are that every step either works or fails cleanly; the
 * real judge is the VM harness, which fails the run on any KASAN, lockdep,
 * RCU or WARN report on the console.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <test_progs.h>

#include "kt_log.h"
#include "kt_cgroup.h"
#include "kt_ops.h"

#define CHURN_ROUNDS	150
#define CHURN_CHILDREN	8

/* mkdir and rmdir children of PARENT until killed. */
static void churn_cgroups(const char *parent)
{
	char path[PATH_MAX + 16];

	for (unsigned int i = 0;; i++) {
		snprintf(path, sizeof(path), "%s/c%u", parent, i % CHURN_CHILDREN);
		if (mkdir(path, 0755) < 0)
			rmdir(path);
	}
}

/* Join WORK, then charge and release memory there until killed. */
static void churn_memory(const char *work)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	if (kt_cg_write(work, "cgroup.procs", pid))
		_exit(1);
	while (!kt_alloc_anon(2, 1))
		;
	_exit(1);
}

static pid_t start(void (*fn)(const char *), const char *arg)
{
	pid_t pid = fork();

	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	return pid;
}

static int stop(pid_t pid)
{
	int status;

	if (pid <= 0)
		return -1;
	kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	/* Killed while running is the expected end; an early exit is not. */
	return WIFSIGNALED(status) ? 0 : -1;
}

static void churn_attach_vs_mkdir_rmdir(void)
{
	struct memcg_ops_test *a, *b;
	char top[PATH_MAX], work[PATH_MAX];
	pid_t dirs, mem;
	int ok = 0;

	if (!ASSERT_OK(kt_cg_create("churn", top), "kt_cg_create"))
		return;
	if (!ASSERT_OK(kt_cg_create("churn/work", work), "kt_cg_create"))
		return;
	if (!ASSERT_OK(kt_cg_write(top, "cgroup.subtree_control", "+memory"), "kt_cg_write"))
		return;
	a = kt_ops_load_penalty(0);
	b = kt_ops_load(0, 0);
	if (!ASSERT_TRUE(a && b, "a && b"))
		return;

	dirs = start(churn_cgroups, top);
	mem = start(churn_memory, work);
	if (!ASSERT_TRUE(dirs > 0 && mem > 0, "dirs > 0 && mem > 0"))
		return;

	for (int i = 0; i < CHURN_ROUNDS; i++) {
		struct bpf_link *outer, *inner;

		outer = kt_ops_attach(a, top, BPF_F_CGROUP_FD | BPF_F_ALLOW_OVERRIDE);
		if (!outer)
			continue;
		/* Override in the subtree, which the churn keeps changing. */
		inner = kt_ops_attach(b, work, BPF_F_CGROUP_FD);
		if (i % 2 == 0 && !bpf_link__update_map(outer, b->maps.test_ops))
			bpf_link__update_map(outer, a->maps.test_ops);
		bpf_link__destroy(inner);
		bpf_link__destroy(outer);
		ok++;
	}
	kt_log("%d of %d rounds attached\n", ok, CHURN_ROUNDS);

	if (!ASSERT_OK(stop(dirs), "stop"))
		return;
	if (!ASSERT_OK(stop(mem), "stop"))
		return;
	if (!ASSERT_EQ(ok, CHURN_ROUNDS, "ok"))
		return;
	memcg_ops_test__destroy(a);
	memcg_ops_test__destroy(b);
}

void test_memcg_ops_churn(void)
{
	kt_subtest("churn_attach_vs_mkdir_rmdir",
		   "attach/update/detach against mkdir/rmdir and charges: a clean console",
		   churn_attach_vs_mkdir_rmdir);
}

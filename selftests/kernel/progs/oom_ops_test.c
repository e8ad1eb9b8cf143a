// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_oom_ops program for the kernel-level OOM tests
 * (prog_tests/bpf_oom_ops.c).  The handler declines, claims the OOM without
 * killing, or kills victim_pid, as .bss says; it records every call, the
 * OOM's memcg and the cgroup it is attached to, so that a test can tell
 * which attachment was asked.  spin_loops makes the handler busy for a
 * while and in_handler tells that it is running: a detach must wait for
 * it.  One skeleton per attachment.  Built a second time as
 * oom_ops_sleepable (KT_SLEEPABLE): the same handler, sleepable, which
 * the kernel must refuse to load.
 */
#include "policy/bpf-vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "../oom_ops_test.h"

char _license[] SEC("license") = "GPL";

struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
void bpf_task_release(struct task_struct *p) __ksym;
int bpf_oom_kill_process(struct oom_control *oc, struct task_struct *task,
			 const char *message__str) __ksym;
int bpf_task_is_oom_victim(struct task_struct *task) __ksym;

__u32 mode;
__s32 victim_pid;
__u32 spin_loops;

__u64 calls;
__u64 kills;			/* successful bpf_oom_kill_process() calls */
__s64 last_kill_ret;
__u64 last_oom_cgid;		/* the OOM's memcg's cgroup, 0 if global */
__u64 last_attach_cgid;
__u32 in_handler;
__u32 victim_was_oom_victim;
/* bpf_task_is_oom_victim() of the victim at the first call: -1 until then.
 * 0 for a task no OOM has chosen; a bool return once read as 1 here. */
__s32 first_is_victim = -1;
__s32 last_killed_pid;

static long spin(__u64 i, void *ctx)
{
	return 0;
}

static void kill_victim(struct oom_control *oc)
{
	struct task_struct *task;
	int ret;

	task = bpf_task_from_pid(victim_pid);
	if (!task) {
		last_kill_ret = -3;	/* -ESRCH */
		return;
	}
	ret = bpf_task_is_oom_victim(task);
	if (ret)
		victim_was_oom_victim = 1;
	if (first_is_victim < 0)
		first_is_victim = ret;
	ret = bpf_oom_kill_process(oc, task, KT_OOM_MESSAGE);
	last_kill_ret = ret;
	if (!ret) {
		kills++;
		/* Also makes clang emit task_struct, not a forward: libbpf
		 * takes a forward for incompatible with the kfunc's struct.
		 */
		last_killed_pid = task->pid;
	}
	bpf_task_release(task);
}

#ifdef KT_SLEEPABLE
#define KT_OOM_SEC "struct_ops.s/handle_out_of_memory"
#else
#define KT_OOM_SEC "struct_ops/handle_out_of_memory"
#endif

SEC(KT_OOM_SEC)
int BPF_PROG(test_handle_oom, struct oom_control *oc, struct cgroup *cgrp)
{
	in_handler = 1;
	calls++;
	last_oom_cgid = oc->memcg ? oc->memcg->css.cgroup->kn->id : 0;
	last_attach_cgid = cgrp->kn->id;
	if (spin_loops)
		bpf_loop(spin_loops, spin, NULL, 0);

	if (mode == KT_OOM_KILL)
		kill_victim(oc);
	in_handler = 0;
	return mode != KT_OOM_DECLINE;
}

SEC(".struct_ops.link")
struct bpf_oom_ops test_oom_ops = {
	.handle_out_of_memory = (void *)test_handle_oom,
	.name = KT_OOM_POLICY_NAME,
};

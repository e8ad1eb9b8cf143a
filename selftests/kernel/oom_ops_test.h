/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by progs/oom_ops_test.c and prog_tests/bpf_oom_ops.c. */
#ifndef MEMCG_PRIO_OOM_OPS_TEST_H
#define MEMCG_PRIO_OOM_OPS_TEST_H

/* What handle_out_of_memory does, set in .bss before each OOM. */
enum kt_oom_mode {
	KT_OOM_DECLINE,		/* return 0: the kernel's killer decides */
	KT_OOM_CLAIM,		/* return 1, kill nothing: the fallback must run */
	KT_OOM_KILL,		/* kill victim_pid, return 1 */
};

/* The policy name, as it must appear in the kernel log. */
#define KT_OOM_POLICY_NAME "kt_oom_test"
/* The message the program passes to bpf_oom_kill_process(). */
#define KT_OOM_MESSAGE "KT policy kill"

#endif

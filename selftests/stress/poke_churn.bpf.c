// SPDX-License-Identifier: GPL-2.0
/*
 * Two fentry programs on the same hot function for selftests/stress/
 * poke-churn: "anchor" stays attached, "churn" is attached and detached
 * over and over.  Each cycle rewrites the function's entry (a call to a new
 * trampoline image) and, on detach, patches the old image's nop in front of
 * churn's call into a jump over it: the two kinds of live text patching
 * that met an "Oops: int3" under two-vCPU TCG (README, Known problems).
 */
#include "policy/bpf-vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

__u64 anchor_calls;
__u64 churn_calls;

SEC("fentry/__do_sys_getppid")
int BPF_PROG(anchor)
{
	__sync_fetch_and_add(&anchor_calls, 1);
	return 0;
}

SEC("fentry/__do_sys_getppid")
int BPF_PROG(churn)
{
	__sync_fetch_and_add(&churn_calls, 1);
	return 0;
}

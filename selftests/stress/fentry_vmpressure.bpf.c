// SPDX-License-Identifier: GPL-2.0
/*
 * The smallest program memcg-prio's watching half attaches: fentry on
 * vmpressure(), counting calls.  selftests/stress/fentry-churn attaches
 * and detaches it over and over while other CPUs reclaim, to reproduce
 * the "Oops: int3" once seen at that fentry site (README, Known problems).
 */
#include "policy/bpf-vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

__u64 calls;

SEC("fentry/vmpressure")
int BPF_PROG(churn_vmpressure)
{
	__sync_fetch_and_add(&calls, 1);
	return 0;
}

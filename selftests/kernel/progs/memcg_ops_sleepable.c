// SPDX-License-Identifier: GPL-2.0
/*
 * A sleepable memcg_nr_pages_over_high: the kernel must refuse to load it,
 * since the hook runs in charge paths that cannot sleep
 * (prog_tests/memcg_ops_attach.c).
 * Built a second time as memcg_ops_nonsleepable (KT_NOT_SLEEPABLE):
 * the same object but for the section's ".s", which must load, so that the
 * refusal is known to be for the sleepable flag and nothing else.
 */
#include "policy/bpf-vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

#ifdef KT_NOT_SLEEPABLE
#define KT_PAGES_SEC "struct_ops/memcg_nr_pages_over_high"
#else
#define KT_PAGES_SEC "struct_ops.s/memcg_nr_pages_over_high"
#endif

SEC(KT_PAGES_SEC)
unsigned int BPF_PROG(sleepable_pages_over_high, struct mem_cgroup *memcg)
{
	return 0;
}

SEC(".struct_ops.link")
struct memcg_bpf_ops sleepable_ops = {
	.memcg_nr_pages_over_high = (void *)sleepable_pages_over_high,
};

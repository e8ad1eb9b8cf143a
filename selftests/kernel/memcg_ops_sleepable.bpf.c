// SPDX-License-Identifier: GPL-2.0
/*
 * A sleepable memcg_nr_pages_over_high: the kernel must refuse to load it,
 * since the hook runs in charge paths that cannot sleep (test_attach.c).
 */
#include "policy/bpf-vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

SEC("struct_ops.s/memcg_nr_pages_over_high")
unsigned int BPF_PROG(sleepable_pages_over_high, struct mem_cgroup *memcg)
{
	return 0;
}

SEC(".struct_ops.link")
struct memcg_bpf_ops sleepable_ops = {
	.memcg_nr_pages_over_high = (void *)sleepable_pages_over_high,
};

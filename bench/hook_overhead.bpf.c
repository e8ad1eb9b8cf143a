// SPDX-License-Identifier: GPL-2.0
/* A memcg_bpf_ops whose pages hook always returns 0: the cost of the hook. */
#include "policy/bpf-vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

__u64 calls;

SEC("struct_ops/memcg_nr_pages_over_high")
unsigned int BPF_PROG(zero_pages_over_high, struct mem_cgroup *memcg)
{
	calls++;
	return 0;
}

SEC(".struct_ops.link")
struct memcg_bpf_ops zero_ops = {
	.memcg_nr_pages_over_high = (void *)zero_pages_over_high,
};

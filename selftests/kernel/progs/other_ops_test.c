// SPDX-License-Identifier: GPL-2.0
/*
 * A struct_ops of another type than memcg_bpf_ops, one that does not
 * support cgroup attachment: io_uring's, whose reg() needs only a ring fd
 * set up with IORING_SETUP_DEFER_TASKRUN.  prog_tests/memcg_ops_flags.c
 * checks that such a type refuses BPF_F_CGROUP_FD and otherwise ignores
 * link_create's flags and target as it did before the series.  The step
 * never runs: nothing is submitted to the ring.
 */
#include "policy/bpf-vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

SEC("struct_ops/loop_step")
int BPF_PROG(kt_loop_step, struct iou_ctx *ic, struct iou_loop_params *lp)
{
	return 0;
}

SEC(".struct_ops.link")
struct io_uring_bpf_ops kt_io_ops = {
	.loop_step = (void *)kt_loop_step,
};

// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the running kernel offers, from its BTF, probed once: the
 * memcg_bpf_ops struct_ops, the tracepoint that carries the reclaim
 * counters, and a way to attach struct_ops to a cgroup.  Never versions.
 */
#ifndef MEMCG_PRIO_LOADER_PROBE_H
#define MEMCG_PRIO_LOADER_PROBE_H

#include <stddef.h>

struct btf;
struct prio_attach_abi;

enum prio_source {
	/* PGSCAN_* are node_stat_item (Linux 7.2): mod_memcg_lruvec_state */
	PRIO_SOURCE_LRUVEC,
	/* PGSCAN_* are vm events (older kernels): count_memcg_events */
	PRIO_SOURCE_EVENTS,
};

struct prio_kernel {
	char release[65];		/* uname -r */
	struct btf *vmlinux;		/* owned */
	enum prio_source source;
	const struct prio_attach_abi *abi;
};

/*
 * Probe the running kernel.  0, or a negative errno with one sentence in
 * err saying what is missing (-ENOENT: no BTF; -EOPNOTSUPP: a feature is
 * missing).  On success, free with prio_kernel_free().
 */
int prio_kernel_probe(struct prio_kernel *ret_kernel, char *err, size_t errlen);

void prio_kernel_free(struct prio_kernel *k);

/* The tracepoint of a source: "memcg:mod_memcg_lruvec_state"... */
const char *prio_source_tracepoint(enum prio_source s);

#endif

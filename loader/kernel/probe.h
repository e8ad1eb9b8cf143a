// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the running kernel offers, from its BTF, probed once: the
 * memcg_bpf_ops struct_ops, where the policy can see reclaim (its target,
 * and the pages it scans and reclaims in each memcg), and a way to attach
 * struct_ops to a cgroup.  Never versions.
 */
#ifndef MEMCG_PRIO_LOADER_KERNEL_PROBE_H
#define MEMCG_PRIO_LOADER_KERNEL_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/prio.h"

struct btf;
struct prio_attach_abi;

/*
 * Environment variable naming the pages source to use instead of the best
 * one the kernel offers ("vmpressure", "lruvec-stat", "vm-events"): for
 * tests of the fallbacks.  Also "test-silent", a vmpressure() fentry that
 * drops every report, for the tests of the silent-source switch; nothing
 * else selects it.
 */
#define PRIO_SOURCE_ENV		"MEMCG_PRIO_SOURCE"

struct prio_kernel {
	char release[65];		/* uname -r */
	struct btf *vmlinux;		/* owned */
	enum prio_source source;
	/* What takes over if source is found silent; PRIO_NR_SOURCES: none. */
	enum prio_source fallback;
	/* tp_btf mm_vmscan_direct_reclaim_begin, _end and
	 * _balance_pgdat_end: direct global reclaim marked from start to end
	 * (its reports' domain), and the ends of global reclaim (the silence
	 * check). */
	bool global_marks;
	/* try_to_shrink_lruvec() (MGLRU) for the shrink fallback. */
	bool shrink_gen;
	/* workingset_refault(folio, ...): thrashing puts a group under
	 * pressure where its charges reclaim, whatever vmpressure says. */
	bool refault;
	/* memcg_bpf_ops and a way to attach it to a cgroup; NULL on a
	 * kernel without them (then no_hook says what is missing). */
	const struct prio_attach_abi *abi;
	char no_hook[256];
	/* memcg_bpf_ops.memcg_below_low: the hook also shields the groups
	 * that are pressed from the reclaim of their domain. */
	bool shield;
	/* bpf_memcg_reclaim() and bpf_wq: in mode hook, the lower groups give
	 * memory back without waiting to charge. */
	bool giveback;
	/* bpf_oom_ops and a way to attach it to a cgroup: the OOM hook;
	 * NULL without them (then no_oom_hook says what is missing). */
	const struct prio_attach_abi *oom_abi;
	char no_oom_hook[256];
};

/*
 * Probe the running kernel.  0, or a negative errno with one sentence in
 * err saying what is missing to watch reclaim (-ENOENT: no BTF;
 * -EOPNOTSUPP: a feature is missing).  A kernel without the hook probes
 * fine, with abi NULL.  On success, free with prio_kernel_free().
 */
int prio_kernel_probe(struct prio_kernel *ret_kernel, char *err, size_t errlen);

void prio_kernel_free(struct prio_kernel *k);

/*
 * Use the source named by $MEMCG_PRIO_SOURCE, if set, instead of the one
 * probed (and its fallback).  0, or -EOPNOTSUPP with a message if there
 * is no such source or the kernel does not offer it.
 */
int prio_kernel_source_from_env(struct prio_kernel *k, char *err,
				size_t errlen);

/*
 * The mode a config asks for (enum prio_mode) on kernel k, resolved:
 * PRIO_BACKEND_HOOK or PRIO_BACKEND_MEMORY_HIGH into *ret.  0, or
 * -EOPNOTSUPP with a message if the config asks for the hook and the
 * kernel has none.
 */
int prio_kernel_backend(const struct prio_kernel *k, unsigned int mode,
			enum prio_backend *ret, char *err, size_t errlen);

/* "hook" or "memory.high". */
const char *prio_backend_name(uint32_t backend);

/* Short name of a source ("vmpressure", "lruvec-stat"...), or "?". */
const char *prio_source_name(uint32_t source);

/* Where a source hooks, in words: "fentry on vmpressure()"... */
const char *prio_source_hook(uint32_t source);

#endif

// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "kernel/ops_link.h"
#include "priority.h"
#include "kernel/kbtf.h"
#include "kernel/probe.h"
#include "util.h"

#define SEE_KERNEL "boot a kernel built with the patches in kernel/ " \
		   "(kernel/build; see README)"

static const struct {
	const char *name, *hook;
} sources[PRIO_NR_SOURCES] = {
	[PRIO_SOURCE_VMPRESSURE] = { "vmpressure", "fentry on vmpressure()" },
	[PRIO_SOURCE_VMPRESSURE_NOORDER] = { "vmpressure",
					     "fentry on vmpressure()" },
	[PRIO_SOURCE_SHRINK] = { "shrink", "fentry and fexit on "
				 "shrink_lruvec() and try_to_shrink_lruvec()" },
	[PRIO_SOURCE_LRUVEC] = { "lruvec-stat", "tracepoint "
				 "memcg:mod_memcg_lruvec_state" },
	[PRIO_SOURCE_EVENTS] = { "vm-events", "tracepoint "
				 "memcg:count_memcg_events" },
	[PRIO_SOURCE_TEST_SILENT] = { "test-silent", "fentry on vmpressure(), "
				      "every report dropped (TEST ONLY)" },
};

const char *prio_source_name(uint32_t source)
{
	return source < PRIO_NR_SOURCES ? sources[source].name : "?";
}

const char *prio_source_hook(uint32_t source)
{
	return source < PRIO_NR_SOURCES ? sources[source].hook : "?";
}

static int probe_ops(struct prio_kernel *k, char *err, size_t errlen)
{
	const struct btf_type *ops;

	ops = prio_btf_struct(k->vmlinux, "memcg_bpf_ops", NULL);
	if (!ops || !prio_btf_struct(k->vmlinux, "bpf_struct_ops_memcg_bpf_ops",
				     NULL))
		return prio_fail(err, errlen, -EOPNOTSUPP, "the running kernel "
				 "(%s) has no memcg_bpf_ops struct_ops: %s",
				 k->release, SEE_KERNEL);
	if (prio_btf_member_offset(k->vmlinux, ops,
				   "memcg_nr_pages_over_high") < 0)
		return prio_fail(err, errlen, -EOPNOTSUPP, "the memcg_bpf_ops "
				 "of the running kernel (%s) has no "
				 "memcg_nr_pages_over_high hook: %s",
				 k->release, SEE_KERNEL);
	return 0;
}

/*
 * The shield hook, and the give-back: bpf_memcg_reclaim() driven by a
 * bpf_wq whose callback the kernel lets a program set (three parameters:
 * a kernel whose BTF lacks bpf_wq_set_callback_impl cannot).
 */
static void probe_yield(struct prio_kernel *k)
{
	const struct btf_type *ops = prio_btf_struct(k->vmlinux,
						     "memcg_bpf_ops", NULL);

	k->shield = k->abi && ops &&
		    prio_btf_member_offset(k->vmlinux, ops,
					   "memcg_below_low") >= 0;
	k->giveback = k->abi &&
		      prio_btf_func_param(k->vmlinux, "bpf_memcg_reclaim",
					  NULL) == 3 &&
		      prio_btf_func_param(k->vmlinux, "bpf_wq_set_callback",
					  NULL) == 3;
}

/* Can the running kernel feed source s?  vmpressure() in either shape. */
static bool source_available(const struct btf *b, enum prio_source s)
{
	switch (s) {
	case PRIO_SOURCE_VMPRESSURE:
		return prio_btf_func_param(b, "vmpressure", "order") == 1 &&
		       prio_btf_func_param(b, "vmpressure", NULL) == 6;
	case PRIO_SOURCE_VMPRESSURE_NOORDER:
		return prio_btf_func_param(b, "vmpressure", "memcg") == 1 &&
		       prio_btf_func_param(b, "vmpressure", NULL) == 5;
	case PRIO_SOURCE_SHRINK:
		return prio_btf_func_param(b, "shrink_lruvec", "sc") == 1 &&
		       prio_btf_struct(b, "mem_cgroup_per_node", NULL);
	case PRIO_SOURCE_LRUVEC:
		return prio_btf_enum_has(b, "node_stat_item", "PGSCAN_KSWAPD") &&
		       prio_btf_has_typedef(b, "btf_trace_mod_memcg_lruvec_state");
	case PRIO_SOURCE_EVENTS:
		return prio_btf_enum_has(b, "vm_event_item", "PGSCAN_KSWAPD") &&
		       prio_btf_has_typedef(b, "btf_trace_count_memcg_events");
	default:
		return false;	/* test-silent: only through the environment */
	}
}

/*
 * The first source after s that the kernel offers, or none: the shrink
 * probes (reclaim only), then the tracepoints.
 */
static enum prio_source fallback_of(const struct btf *b, enum prio_source s)
{
	for (uint32_t f = PRIO_SOURCE_SHRINK; f < PRIO_SOURCE_TEST_SILENT; f++)
		if ((s == PRIO_SOURCE_TEST_SILENT || f > s) &&
		    source_available(b, f))
			return f;
	return PRIO_NR_SOURCES;
}

/*
 * The reclaim target from try_to_free_mem_cgroup_pages(), and the pages
 * from the cheapest source the kernel offers (in enum order).
 */
static int probe_source(struct prio_kernel *k, char *err, size_t errlen)
{
	const struct btf *b = k->vmlinux;

	if (prio_btf_func_param(b, "try_to_free_mem_cgroup_pages",
				"reclaim_options") != 3)
		return prio_fail(err, errlen, -EOPNOTSUPP, "the running kernel "
				 "(%s) has no try_to_free_mem_cgroup_pages(memcg, "
				 "nr_pages, gfp_mask, reclaim_options, ...) in its "
				 "BTF, so memcg-prio cannot tell which limit a "
				 "reclaim works for: %s", k->release, SEE_KERNEL);
	k->shrink_gen = prio_btf_func_param(b, "try_to_shrink_lruvec",
					    "sc") == 1;
	k->refault = prio_btf_func_param(b, "workingset_refault",
					 "folio") == 0;
	for (uint32_t s = 0; s < PRIO_NR_SOURCES; s++) {
		/* Shrink: a fallback only (one program pair is all the
		 * pages watch holds). */
		if (s != PRIO_SOURCE_SHRINK && source_available(b, s)) {
			k->source = s;
			k->fallback = fallback_of(b, s);
			k->global_marks = prio_btf_has_typedef(b,
					"btf_trace_mm_vmscan_direct_reclaim_begin") &&
					 prio_btf_has_typedef(b,
					"btf_trace_mm_vmscan_direct_reclaim_end") &&
					 prio_btf_has_typedef(b,
					"btf_trace_mm_vmscan_balance_pgdat_end");
			return 0;
		}
	}
	return prio_fail(err, errlen, -EOPNOTSUPP, "the running kernel (%s) "
			 "offers no way to see reclaim per memcg: neither "
			 "vmpressure() in its BTF, nor the tracepoints "
			 "memcg:mod_memcg_lruvec_state or "
			 "memcg:count_memcg_events: %s", k->release, SEE_KERNEL);
}

int prio_kernel_source_from_env(struct prio_kernel *k, char *err,
				size_t errlen)
{
	const char *want = getenv(PRIO_SOURCE_ENV);
	bool known = false;

	if (!want || !*want)
		return 0;
	if (strcmp(want, sources[PRIO_SOURCE_SHRINK].name) == 0)
		return prio_fail(err, errlen, -EOPNOTSUPP, "%s=%s: it is only "
				 "ever the fallback", PRIO_SOURCE_ENV, want);
	for (uint32_t s = 0; s < PRIO_NR_SOURCES; s++) {
		if (strcmp(want, sources[s].name))
			continue;
		known = true;
		if (source_available(k->vmlinux, s == PRIO_SOURCE_TEST_SILENT ?
				     PRIO_SOURCE_VMPRESSURE : s)) {
			k->source = s;
			k->fallback = fallback_of(k->vmlinux, s);
			return 0;
		}
	}
	return prio_fail(err, errlen, -EOPNOTSUPP, "%s=%s: %s", PRIO_SOURCE_ENV,
			 want, known ? "the running kernel does not offer it" :
			 "no such source (vmpressure, lruvec-stat or vm-events)");
}

/* The OOM hook: bpf_oom_ops in BTF, and a cgroup attach for it. */
static void probe_oom_hook(struct prio_kernel *k)
{
	if (!prio_btf_struct(k->vmlinux, "bpf_oom_ops", NULL)) {
		snprintf(k->no_oom_hook, sizeof(k->no_oom_hook), "the running "
			 "kernel (%s) has no OOM hook (no bpf_oom_ops struct_ops "
			 "in its BTF)", k->release);
		return;
	}
	k->oom_abi = prio_attach_abi_find(k->vmlinux);
	if (!k->oom_abi)
		snprintf(k->no_oom_hook, sizeof(k->no_oom_hook), "the running "
			 "kernel (%s) has bpf_oom_ops but cannot attach it to a "
			 "cgroup (no BPF_F_CGROUP_FD struct_ops links)",
			 k->release);
}

int prio_kernel_probe(struct prio_kernel *ret_kernel, char *err, size_t errlen)
{
	struct prio_kernel k = { 0 };
	struct utsname u;
	int r;

	if (uname(&u) == 0)
		snprintf(k.release, sizeof(k.release), "%s", u.release);
	k.vmlinux = btf__load_vmlinux_btf();
	if (!k.vmlinux)
		return prio_fail(err, errlen, -ENOENT, "the running kernel (%s) "
				 "has no BTF (/sys/kernel/btf/vmlinux), which "
				 "memcg-prio needs: %s", k.release, SEE_KERNEL);
	r = probe_source(&k, err, errlen);
	if (!r && probe_ops(&k, k.no_hook, sizeof(k.no_hook)) == 0) {
		k.abi = prio_attach_abi_find(k.vmlinux);
		if (!k.abi)
			snprintf(k.no_hook, sizeof(k.no_hook), "the running "
				 "kernel (%s) cannot attach memcg_bpf_ops to a "
				 "cgroup (no BPF_F_CGROUP_FD struct_ops links): "
				 "%s", k.release, SEE_KERNEL);
		probe_yield(&k);
	}
	if (!r)
		probe_oom_hook(&k);
	if (r < 0) {
		prio_kernel_free(&k);
		return r;
	}
	*ret_kernel = k;
	return 0;
}

int prio_kernel_backend(const struct prio_kernel *k, unsigned int mode,
			enum prio_backend *ret, char *err, size_t errlen)
{
	switch (mode) {
	case PRIO_MODE_HOOK:
		if (!k->abi)
			return prio_fail(err, errlen, -EOPNOTSUPP, "mode = hook: "
					 "%s; or set mode = memory.high",
					 k->no_hook);
		*ret = PRIO_BACKEND_HOOK;
		return 0;
	case PRIO_MODE_MEMORY_HIGH:
		*ret = PRIO_BACKEND_MEMORY_HIGH;
		return 0;
	default:
		*ret = k->abi ? PRIO_BACKEND_HOOK : PRIO_BACKEND_MEMORY_HIGH;
		return 0;
	}
}

const char *prio_backend_name(uint32_t backend)
{
	switch (backend) {
	case PRIO_BACKEND_HOOK:
		return "hook";
	case PRIO_BACKEND_MEMORY_HIGH:
		return "memory.high";
	default:
		return "?";
	}
}

void prio_kernel_free(struct prio_kernel *k)
{
	if (!k)
		return;
	btf__free(k->vmlinux);
	k->vmlinux = NULL;
}

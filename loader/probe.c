// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "kbtf.h"
#include "probe.h"
#include "util.h"

#define SEE_KERNEL "boot a kernel built with the patches in kernel/ " \
		   "(kernel/build; see README)"

const char *prio_source_tracepoint(enum prio_source s)
{
	return s == PRIO_SOURCE_LRUVEC ? "memcg:mod_memcg_lruvec_state" :
					 "memcg:count_memcg_events";
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

/* Where the kernel counts reclaim, as the programs' CO-RE checks do. */
static int probe_source(struct prio_kernel *k, char *err, size_t errlen)
{
	const struct btf *b = k->vmlinux;

	if (prio_btf_enum_has(b, "node_stat_item", "PGSCAN_KSWAPD") &&
	    prio_btf_has_typedef(b, "btf_trace_mod_memcg_lruvec_state")) {
		k->source = PRIO_SOURCE_LRUVEC;
		return 0;
	}
	if (prio_btf_enum_has(b, "vm_event_item", "PGSCAN_KSWAPD") &&
	    prio_btf_has_typedef(b, "btf_trace_count_memcg_events")) {
		k->source = PRIO_SOURCE_EVENTS;
		return 0;
	}
	return prio_fail(err, errlen, -EOPNOTSUPP, "the running kernel (%s) "
			 "reports memory reclaim neither as node statistics "
			 "(PGSCAN_KSWAPD in enum node_stat_item, tracepoint "
			 "memcg:mod_memcg_lruvec_state) nor as vm events (enum "
			 "vm_event_item, memcg:count_memcg_events): %s",
			 k->release, SEE_KERNEL);
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
	r = probe_ops(&k, err, errlen);
	if (!r)
		r = probe_source(&k, err, errlen);
	if (!r) {
		k.abi = prio_attach_abi_find(k.vmlinux);
		if (!k.abi)
			r = prio_fail(err, errlen, -EOPNOTSUPP, "the running "
				      "kernel (%s) cannot attach memcg_bpf_ops "
				      "to a cgroup (no BPF_F_CGROUP_FD "
				      "struct_ops links): %s", k.release,
				      SEE_KERNEL);
	}
	if (r < 0) {
		prio_kernel_free(&k);
		return r;
	}
	*ret_kernel = k;
	return 0;
}

void prio_kernel_free(struct prio_kernel *k)
{
	if (!k)
		return;
	btf__free(k->vmlinux);
	k->vmlinux = NULL;
}

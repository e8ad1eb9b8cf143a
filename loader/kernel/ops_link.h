// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one place that knows how a struct_ops map gets attached to a cgroup.
 *
 * Today's kernels (the patches in kernel/, and the memcg_bpf_ops RFC) take a
 * struct_ops link created with BPF_F_CGROUP_FD and a cgroup fd as target;
 * upstream is heading for cgroup attach types of struct_ops and libbpf's
 * bpf_map__attach_cgroup_opts() (Linux 7.4).  Each way is a struct
 * prio_attach_abi; prio_attach_abi_find() picks the one the running kernel
 * offers from its BTF, and the rest of the loader only calls through it.
 */
#ifndef MEMCG_PRIO_LOADER_KERNEL_OPS_LINK_H
#define MEMCG_PRIO_LOADER_KERNEL_OPS_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bpf_link;
struct bpf_map;
struct bpf_program;
struct btf;

/* A struct_ops member and the program that implements it. */
struct prio_ops_member {
	const char *name;
	const struct bpf_program *prog;
};

struct prio_attach_abi {
	const char *name;		/* for messages and --status */
	/* Does the kernel of this BTF offer this way of attaching? */
	bool (*probe)(const struct btf *vmlinux);
	/*
	 * Make the loaded struct_ops map ready to be attached or swapped in:
	 * register its programs with the kernel.  0 or -errno.
	 */
	int (*prepare)(const struct bpf_map *ops, const struct btf *vmlinux,
		       const struct prio_ops_member *members, size_t n);
	/* Attach the ops to the cgroup; NULL with errno set on failure. */
	struct bpf_link *(*attach)(const struct bpf_map *ops, int cgroup_fd,
				   bool allow_override);
	/* Swap the ops of an attached link for those of the (prepared)
	 * struct_ops map ops_fd, in place.  0 or -errno. */
	int (*update)(int link_fd, int ops_fd);
	/* Detach a link now, whoever holds it.  0 or -errno. */
	int (*detach)(int link_fd);
	/*
	 * The cgroup and struct_ops map of a link, 0 for both once it is
	 * detached.  0, or -EINVAL if it is not such a link, or -errno.
	 */
	int (*link_info)(int link_fd, uint32_t *ret_link_id,
			 uint64_t *ret_cgroup_id, uint32_t *ret_map_id);
	/* The same for a link id (for links we did not make). */
	int (*link_info_by_id)(uint32_t link_id, uint64_t *ret_cgroup_id,
			       uint32_t *ret_map_id);
};

/* The attach ABI the kernel of vmlinux offers, or NULL. */
const struct prio_attach_abi *prio_attach_abi_find(const struct btf *vmlinux);

/*
 * Why attaching to the cgroup at path (below cgroup_root) failed with
 * EBUSY, from the struct_ops links in the system, into buf: "memcg_bpf_ops
 * already attached there by someone else (link 12)", and the like.
 */
void prio_attach_explain_busy(const struct prio_attach_abi *abi,
			      const char *cgroup_root, const char *path,
			      char *buf, size_t len);

#endif

// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "kernel/ops_link.h"
#include "plan/cgroups.h"
#include "kernel/kbtf.h"
#include "util.h"

#define OPS_TYPE	"memcg_bpf_ops"
#define OPS_VALUE_TYPE	"bpf_struct_ops_" OPS_TYPE

/*
 * ABI 1: BPF_LINK_CREATE of a struct_ops link with BPF_F_CGROUP_FD, the
 * cgroup directory's fd as target (kernel/patches, memcg_bpf_ops RFC).
 * Seen in the BTF as bpf_link_info.struct_ops.cgroup_id.
 */

#ifndef BPF_F_CGROUP_FD
#error "libbpf's linux/bpf.h lacks BPF_F_CGROUP_FD: build against the patched tree (-Dkernel_dir)"
#endif

static bool cgroup_fd_probe(const struct btf *vmlinux)
{
	const struct btf_type *info, *st_ops;

	info = prio_btf_struct(vmlinux, "bpf_link_info", NULL);
	if (!info)
		return false;
	st_ops = prio_btf_member_type(vmlinux, info, "struct_ops");
	return st_ops && btf_is_composite(st_ops) &&
	       prio_btf_member_offset(vmlinux, st_ops, "cgroup_id") >= 0;
}

/* The prog fd of struct_ops member name, 0 if we do not implement it. */
static int member_prog_fd(const char *name,
			  const struct prio_ops_member *members, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(members[i].name, name) != 0)
			continue;
		return bpf_program__fd(members[i].prog) > 0 ?
		       bpf_program__fd(members[i].prog) : 0;
	}
	return 0;
}

/*
 * The map's value as the kernel wants it: zeroes but for the program fds
 * in the function pointer slots of the data member.  libbpf builds the same
 * on attach; we need it before any attach, to swap the ops of a link made
 * by an earlier run (bpf_link__update_map() wants a link libbpf made).
 */
static int fill_value(void *value, size_t size, const struct btf *vmlinux,
		      const struct prio_ops_member *members, size_t n)
{
	const struct btf_type *vt, *ops;
	const struct btf_member *m;
	int data_off;

	vt = prio_btf_struct(vmlinux, OPS_VALUE_TYPE, NULL);
	ops = prio_btf_struct(vmlinux, OPS_TYPE, NULL);
	if (!vt || !ops || vt->size != size)
		return -EINVAL;
	data_off = prio_btf_member_offset(vmlinux, vt, "data");
	if (data_off < 0)
		return -EINVAL;
	m = btf_members(ops);
	for (unsigned short i = 0; i < btf_vlen(ops); i++, m++) {
		const char *name = btf__name_by_offset(vmlinux, m->name_off);
		size_t off = data_off + btf_member_bit_offset(ops, i) / 8;
		unsigned long fd = (unsigned long)member_prog_fd(name, members, n);

		if (off + sizeof(fd) > size)
			return -EINVAL;
		memcpy((char *)value + off, &fd, sizeof(fd));
	}
	return 0;
}

static int cgroup_fd_prepare(const struct bpf_map *ops,
			     const struct btf *vmlinux,
			     const struct prio_ops_member *members, size_t n)
{
	size_t size = bpf_map__value_size(ops);
	uint32_t zero = 0;
	void *value;
	int r;

	value = calloc(1, size);
	if (!value)
		return -ENOMEM;
	r = fill_value(value, size, vmlinux, members, n);
	if (!r && bpf_map_update_elem(bpf_map__fd(ops), &zero, value, 0) < 0)
		r = -errno;
	free(value);
	/* EBUSY: the value was set before, by libbpf or by us. */
	return r == -EBUSY ? 0 : r;
}

static struct bpf_link *cgroup_fd_attach(const struct bpf_map *ops,
					 int cgroup_fd, bool allow_override)
{
	LIBBPF_OPTS(bpf_struct_ops_opts, opts,
		    .flags = BPF_F_CGROUP_FD |
			     (allow_override ? BPF_F_ALLOW_OVERRIDE : 0),
		    .target_fd = (uint32_t)cgroup_fd);

	return bpf_map__attach_struct_ops_opts(ops, &opts);
}

static int cgroup_fd_update(int link_fd, int ops_fd)
{
	return bpf_link_update(link_fd, ops_fd, NULL) < 0 ? -errno : 0;
}

static int cgroup_fd_detach(int link_fd)
{
	return bpf_link_detach(link_fd) < 0 ? -errno : 0;
}

static int info_of(const struct bpf_link_info *info, uint64_t *ret_cgroup_id,
		   uint32_t *ret_map_id)
{
	if (info->type != BPF_LINK_TYPE_STRUCT_OPS)
		return -EINVAL;
	*ret_cgroup_id = info->struct_ops.cgroup_id;
	*ret_map_id = info->struct_ops.map_id;
	return 0;
}

static int cgroup_fd_link_info(int link_fd, uint32_t *ret_link_id,
			       uint64_t *ret_cgroup_id, uint32_t *ret_map_id)
{
	struct bpf_link_info info = { 0 };
	uint32_t len = sizeof(info);

	if (bpf_link_get_info_by_fd(link_fd, &info, &len) < 0)
		return -errno;
	*ret_link_id = info.id;
	return info_of(&info, ret_cgroup_id, ret_map_id);
}

static int cgroup_fd_link_info_by_id(uint32_t link_id, uint64_t *ret_cgroup_id,
				     uint32_t *ret_map_id)
{
	uint32_t id;
	int fd, r;

	fd = bpf_link_get_fd_by_id(link_id);
	if (fd < 0)
		return -errno;
	r = cgroup_fd_link_info(fd, &id, ret_cgroup_id, ret_map_id);
	close(fd);
	return r;
}

static const struct prio_attach_abi cgroup_fd_abi = {
	.name = "struct_ops link with BPF_F_CGROUP_FD",
	.probe = cgroup_fd_probe,
	.prepare = cgroup_fd_prepare,
	.attach = cgroup_fd_attach,
	.update = cgroup_fd_update,
	.detach = cgroup_fd_detach,
	.link_info = cgroup_fd_link_info,
	.link_info_by_id = cgroup_fd_link_info_by_id,
};

/* In order of preference.  Upstream's cgroup attach types go here. */
static const struct prio_attach_abi *const abis[] = {
	&cgroup_fd_abi,
};

const struct prio_attach_abi *prio_attach_abi_find(const struct btf *vmlinux)
{
	for (size_t i = 0; i < ARRAY_SIZE(abis); i++)
		if (abis[i]->probe(vmlinux))
			return abis[i];
	return NULL;
}

/*
 * Where the cgroup with this id sits relative to path: 0 at path, -n n
 * levels above it, 1 below it, 2 elsewhere.  Its directory in where.
 */
static int relation(const char *cgroup_root, const char *path, uint64_t id,
		    char *where, size_t len)
{
	char up[PATH_MAX];
	struct stat st;

	snprintf(up, sizeof(up), "%s", path);
	for (int level = 0;; level++) {
		char *slash;

		if (stat(up, &st) == 0 && st.st_ino == id) {
			snprintf(where, len, "%s", up);
			return -level;
		}
		slash = strrchr(up, '/');
		if (strcmp(up, cgroup_root) == 0 || !slash || slash == up)
			break;
		*slash = '\0';
	}
	if (prio_cgroup_find_id(path, id, where, len) == 0)
		return 1;
	return 2;
}

/* How well a relation explains EBUSY: lower is better. */
static int rank(int rel)
{
	if (rel == 2)
		return 1 << 20;
	return rel >= 0 ? rel : 1 - rel;
}

void prio_attach_explain_busy(const struct prio_attach_abi *abi,
			      const char *cgroup_root, const char *path,
			      char *buf, size_t len)
{
	char where[PATH_MAX], best_where[PATH_MAX] = "";
	uint32_t id = 0, map_id, best_id = 0;
	int rel, best = 2;
	uint64_t cgid;

	/* The link at path explains it best, then the nearest one above. */
	while (bpf_link_get_next_id(id, &id) == 0 && best != 0) {
		if (abi->link_info_by_id(id, &cgid, &map_id) < 0 || !cgid)
			continue;
		rel = relation(cgroup_root, path, cgid, where, sizeof(where));
		/* A link below does not stop one above (cgroup-bpf's rules). */
		if (rel == 1 || rank(rel) >= rank(best))
			continue;
		best = rel;
		best_id = id;
		snprintf(best_where, sizeof(best_where), "%s", where);
	}
	if (best == 0)
		snprintf(buf, len, "memcg_bpf_ops already attached there by "
			 "someone else: link %u; see bpftool link show", best_id);
	else if (best < 0)
		snprintf(buf, len, "memcg_bpf_ops attached above it, at %s by "
			 "link %u, does not allow overriding; see bpftool link "
			 "show", best_where, best_id);
	else
		snprintf(buf, len, "memcg_bpf_ops already attached there by "
			 "someone else; see bpftool link show");
}

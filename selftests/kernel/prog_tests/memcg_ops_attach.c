// SPDX-License-Identifier: GPL-2.0
/* memcg_bpf_ops in BTF; attaching by cgroup fd; link info; rejected input. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>

#include <bpf/btf.h>

#include <test_progs.h>

#include "kt_log.h"
#include "kt_caps.h"
#include "kt_cgroup.h"
#include "kt_ops.h"
#include "memcg_ops_nonsleepable.skel.h"
#include "memcg_ops_sleepable.skel.h"
#include "memcg_reg_stall.skel.h"

static void attach_btf_has_memcg_bpf_ops(void)
{
	static const char *const members[] = {
		"memcg_nr_pages_over_high", "memcg_below_low",
		"handle_cgroup_online", "handle_cgroup_offline",
	};
	const struct btf_type *t;
	struct btf *btf;
	int id;

	btf = btf__load_vmlinux_btf();
	if (!ASSERT_OK_PTR(btf, "btf"))
		return;
	id = btf__find_by_name_kind(btf, "memcg_bpf_ops", BTF_KIND_STRUCT);
	if (!ASSERT_GT(id, 0, "id"))
		return;
	t = btf__type_by_id(btf, id);
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		const struct btf_member *m = btf_members(t);
		int found = 0;

		for (unsigned int j = 0; j < btf_vlen(t); j++, m++)
			found |= !strcmp(btf__name_by_offset(btf, m->name_off), members[i]);
		if (!found)
			fprintf(stderr, "member %s missing\n", members[i]);
		if (!ASSERT_TRUE(found, "found"))
			return;
	}
	if (!ASSERT_GT(btf__find_by_name_kind(btf, "bpf_struct_ops_memcg_bpf_ops", BTF_KIND_STRUCT),
		       0, "btf__find_by_name_kind"))
		return;
	btf__free(btf);
}

static int fdinfo_cgroup_id(int fd, unsigned long long *ret)
{
	char path[64], line[256];
	int found = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "cgroup_id: %llu", ret) == 1)
			found = 0;
	fclose(f);
	return found;
}

static void attach_by_cgroup_fd(void)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	unsigned long long fdinfo_id;
	struct memcg_ops_test *skel;
	struct bpf_map_info minfo = {};
	__u32 mlen = sizeof(minfo);
	struct bpf_link *link;
	char cg[PATH_MAX];

	if (!ASSERT_OK(kt_cg_create("a", cg), "kt_cg_create"))
		return;
	skel = kt_ops_load(0, 0);
	if (!ASSERT_OK_PTR(skel, "skel"))
		return;
	link = kt_ops_attach(skel, cg, BPF_F_CGROUP_FD);
	if (!ASSERT_OK_PTR(link, "link"))
		return;

	if (!ASSERT_OK(bpf_link_get_info_by_fd(bpf_link__fd(link), &info, &len),
		       "bpf_link_get_info_by_fd"))
		return;
	if (!ASSERT_OK(bpf_map_get_info_by_fd(bpf_map__fd(skel->maps.test_ops), &minfo, &mlen),
		       "bpf_map_get_info_by_fd"))
		return;
	if (!ASSERT_EQ(info.type, BPF_LINK_TYPE_STRUCT_OPS, "info.type"))
		return;
	if (!ASSERT_EQ(info.struct_ops.map_id, minfo.id, "info.struct_ops.map_id"))
		return;
	if (!ASSERT_EQ(info.struct_ops.cgroup_id, kt_cg_id(cg), "info.struct_ops.cgroup_id"))
		return;
	if (!ASSERT_OK(fdinfo_cgroup_id(bpf_link__fd(link), &fdinfo_id), "fdinfo_cgroup_id"))
		return;
	if (!ASSERT_EQ(fdinfo_id, kt_cg_id(cg), "fdinfo_id"))
		return;

	/* Detached links report neither map nor cgroup. */
	if (!ASSERT_OK(bpf_link__detach(link), "bpf_link__detach"))
		return;
	memset(&info, 0, sizeof(info));
	if (!ASSERT_OK(bpf_link_get_info_by_fd(bpf_link__fd(link), &info, &len),
		       "bpf_link_get_info_by_fd"))
		return;
	if (!ASSERT_EQ(info.struct_ops.map_id, 0, "info.struct_ops.map_id"))
		return;
	if (!ASSERT_EQ(info.struct_ops.cgroup_id, 0, "info.struct_ops.cgroup_id"))
		return;

	bpf_link__destroy(link);
	memcg_ops_test__destroy(skel);
}

static void attach_rejects_bad_input(void)
{
	struct memcg_ops_test *skel;
	struct bpf_link *link;
	char cg[PATH_MAX], nomem[PATH_MAX + 8];
	int cg_fd, root_fd, nomem_fd;

	if (!ASSERT_OK(kt_cg_create("b", cg), "kt_cg_create"))
		return;
	skel = kt_ops_load(0, 0);
	if (!ASSERT_OK_PTR(skel, "skel"))
		return;
	cg_fd = kt_cg_open(cg);
	if (!ASSERT_OK_FD(cg_fd, "cg_fd"))
		return;

	errno = 0;
	if (!ASSERT_NULL(kt_ops_attach_fd(skel, cg_fd, BPF_F_CGROUP_FD | (1U << 8)),
			 "kt_ops_attach_fd") ||
	    !ASSERT_EQ(errno, EINVAL, "kt_ops_attach_fd errno"))
		return;
	errno = 0;
	if (!ASSERT_NULL(kt_ops_attach_fd(skel, cg_fd, 1U << 12), "kt_ops_attach_fd") ||
	    !ASSERT_EQ(errno, EINVAL, "kt_ops_attach_fd errno"))
		return;
	errno = 0;
	if (!ASSERT_NULL(kt_ops_attach_fd(skel, cg_fd, BPF_F_ALLOW_OVERRIDE), "kt_ops_attach_fd") ||
	    !ASSERT_EQ(errno, EINVAL, "kt_ops_attach_fd errno"))
		return;
	/* A target without BPF_F_CGROUP_FD means nothing: refused. */
	errno = 0;
	if (!ASSERT_NULL(kt_ops_attach_fd(skel, cg_fd, 0), "kt_ops_attach_fd") ||
	    !ASSERT_EQ(errno, EINVAL, "kt_ops_attach_fd errno"))
		return;
	/* memcg_bpf_ops has no global attachment. */
	errno = 0;
	if (!ASSERT_NULL(bpf_map__attach_struct_ops(skel->maps.test_ops),
			 "bpf_map__attach_struct_ops") ||
	    !ASSERT_EQ(errno, EINVAL, "bpf_map__attach_struct_ops errno"))
		return;

	root_fd = open("/", O_RDONLY | O_DIRECTORY);
	if (!ASSERT_OK_FD(root_fd, "root_fd"))
		return;
	errno = 0;
	if (!ASSERT_NULL(kt_ops_attach_fd(skel, root_fd, BPF_F_CGROUP_FD), "kt_ops_attach_fd") ||
	    !ASSERT_EQ(errno, EBADF, "kt_ops_attach_fd errno"))
		return;
	close(root_fd);

	/* b has no memory controller enabled for its children. */
	snprintf(nomem, sizeof(nomem), "%s/nomem", cg);
	if (!ASSERT_OK(mkdir(nomem, 0755), "mkdir"))
		return;
	nomem_fd = kt_cg_open(nomem);
	if (!ASSERT_OK_FD(nomem_fd, "nomem_fd"))
		return;
	errno = 0;
	if (!ASSERT_NULL(kt_ops_attach_fd(skel, nomem_fd, BPF_F_CGROUP_FD), "kt_ops_attach_fd") ||
	    !ASSERT_EQ(errno, EINVAL, "kt_ops_attach_fd errno"))
		return;
	close(nomem_fd);

	/* Nothing half-attached: a correct attach still works. */
	link = kt_ops_attach_fd(skel, cg_fd, BPF_F_CGROUP_FD);
	if (!ASSERT_OK_PTR(link, "link"))
		return;
	bpf_link__destroy(link);
	close(cg_fd);
	memcg_ops_test__destroy(skel);
}

static void attach_update_swaps_ops(void)
{
	struct memcg_ops_test *a, *b;
	struct bpf_link_info info = {};
	struct bpf_map_info binfo = {};
	__u32 len = sizeof(info), blen = sizeof(binfo);
	struct bpf_link *link;
	char cg[PATH_MAX];
	__u64 calls;

	if (!ASSERT_OK(kt_cg_create("u", cg), "kt_cg_create"))
		return;
	a = kt_ops_load(kt_cg_id(cg), 0);
	b = kt_ops_load(kt_cg_id(cg), 0);
	if (!ASSERT_TRUE(a && b, "a && b"))
		return;
	link = kt_ops_attach(a, cg, BPF_F_CGROUP_FD);
	if (!ASSERT_OK_PTR(link, "link"))
		return;

	if (!ASSERT_OK(kt_cg_run_alloc(cg, 4, 1), "kt_cg_run_alloc"))
		return;
	if (!ASSERT_GT(a->bss->pages_calls, 0, "a->bss->pages_calls"))
		return;
	if (!ASSERT_EQ(b->bss->pages_calls, 0, "b->bss->pages_calls"))
		return;

	if (!ASSERT_OK(bpf_link__update_map(link, b->maps.test_ops), "bpf_link__update_map"))
		return;
	if (!ASSERT_OK(bpf_link_get_info_by_fd(bpf_link__fd(link), &info, &len),
		       "bpf_link_get_info_by_fd"))
		return;
	if (!ASSERT_OK(bpf_map_get_info_by_fd(bpf_map__fd(b->maps.test_ops), &binfo, &blen),
		       "bpf_map_get_info_by_fd"))
		return;
	if (!ASSERT_EQ(info.struct_ops.map_id, binfo.id, "info.struct_ops.map_id"))
		return;
	if (!ASSERT_EQ(info.struct_ops.cgroup_id, kt_cg_id(cg), "info.struct_ops.cgroup_id"))
		return;

	calls = a->bss->pages_calls;
	if (!ASSERT_OK(kt_cg_run_alloc(cg, 4, 1), "kt_cg_run_alloc"))
		return;
	if (!ASSERT_EQ(a->bss->pages_calls, calls, "a->bss->pages_calls"))
		return;
	if (!ASSERT_GT(b->bss->pages_calls, 0, "b->bss->pages_calls"))
		return;

	bpf_link__destroy(link);
	memcg_ops_test__destroy(a);
	memcg_ops_test__destroy(b);
}

static void attach_root_refused(void)
{
	struct memcg_ops_test *skel = kt_ops_load(0, 0);

	if (!ASSERT_OK_PTR(skel, "skel"))
		return;
	errno = 0;
	if (!ASSERT_NULL(kt_ops_attach(skel, kt_cgroup_root, BPF_F_CGROUP_FD), "kt_ops_attach") ||
	    !ASSERT_EQ(errno, EINVAL, "kt_ops_attach errno"))
		return;
	errno = 0;
	if (!ASSERT_NULL(kt_ops_attach(skel, kt_cgroup_root,
				       BPF_F_CGROUP_FD | BPF_F_ALLOW_OVERRIDE),
			 "kt_ops_attach") ||
	    !ASSERT_EQ(errno, EINVAL, "kt_ops_attach errno"))
		return;
	memcg_ops_test__destroy(skel);
}

static void attach_sleepable_refused(void)
{
	struct memcg_ops_nonsleepable *ok;
	struct memcg_ops_sleepable *bad;

	errno = 0;
	bad = memcg_ops_sleepable__open_and_load();
	if (bad) {
		PRINT_FAIL("a sleepable hook was accepted\n");
		memcg_ops_sleepable__destroy(bad);
		return;
	}
	if (!ASSERT_EQ(errno, EINVAL, "errno"))
		return;
	ok = memcg_ops_nonsleepable__open_and_load();
	if (!ASSERT_OK_PTR(ok, "ok"))
		return;
	memcg_ops_nonsleepable__destroy(ok);
}

/*
 * A cgroup removed between BPF_LINK_CREATE's lookup of its fd and reg():
 * progs/memcg_reg_stall.c holds reg() back while the cgroup goes, so that
 * reg() itself must see the dying css and refuse.  A removal before the
 * attach is refused by the fd lookup already and says nothing of reg().
 */
static void attach_removed_refused(void)
{
	struct memcg_reg_stall *stall;
	struct memcg_ops_test *skel;
	struct bpf_link *link;
	struct timespec nap = { 0, 1000000 };
	char cg[PATH_MAX];
	int fd, status, polls;
	pid_t pid;

	if (!ASSERT_OK(kt_cg_create("gone", cg), "kt_cg_create"))
		return;
	skel = kt_ops_load(0, 0);
	if (!ASSERT_OK_PTR(skel, "skel"))
		return;
	stall = memcg_reg_stall__open_and_load();
	if (!ASSERT_OK_PTR(stall, "stall"))
		return;
	stall->bss->stall_ns = 2000000000ULL;
	if (!ASSERT_OK(memcg_reg_stall__attach(stall), "memcg_reg_stall__attach"))
		return;
	fd = kt_cg_open(cg);
	if (!ASSERT_OK_FD(fd, "fd"))
		return;

	pid = fork();
	if (!ASSERT_GE(pid, 0, "pid"))
		return;
	if (pid == 0) {
		errno = 0;
		link = kt_ops_attach_fd(skel, fd, BPF_F_CGROUP_FD);
		_exit(link ? 0 : errno ? errno : 100);
	}
	for (polls = 0; polls < 20000 && !stall->bss->entered; polls++)
		nanosleep(&nap, NULL);
	if (!ASSERT_EQ(stall->bss->entered, 1, "stall->bss->entered"))
		return;
	if (!ASSERT_OK(kt_cg_remove(cg), "kt_cg_remove"))
		return;
	if (!ASSERT_EQ(waitpid(pid, &status, 0), pid, "waitpid"))
		return;
	kt_log("reg() stalled %u of %u, attach exit %d\n", stall->bss->stalled,
	       stall->bss->entered, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	/* The removal happened inside the window. */
	if (!ASSERT_EQ(stall->bss->stalled, 1, "stall->bss->stalled"))
		return;
	if (!ASSERT_TRUE(WIFEXITED(status), "WIFEXITED"))
		return;
	if (!ASSERT_EQ(WEXITSTATUS(status), ENOENT, "WEXITSTATUS"))
		return;
	close(fd);
	memcg_reg_stall__destroy(stall);
	memcg_ops_test__destroy(skel);
}

static void attach_one_map_two_cgroups(void)
{
	struct bpf_link *l1, *l2;
	struct memcg_ops_test *skel;
	char s1[PATH_MAX], s2[PATH_MAX];
	long long high1, high2;

	if (!ASSERT_OK(kt_cg_create("s1", s1), "kt_cg_create"))
		return;
	if (!ASSERT_OK(kt_cg_create("s2", s2), "kt_cg_create"))
		return;
	skel = kt_ops_load_penalty(0);
	if (!ASSERT_OK_PTR(skel, "skel"))
		return;
	l1 = kt_ops_attach(skel, s1, BPF_F_CGROUP_FD);
	l2 = kt_ops_attach(skel, s2, BPF_F_CGROUP_FD);
	if (!ASSERT_TRUE(l1 && l2, "l1 && l2"))
		return;

	if (!ASSERT_OK(bpf_link__destroy(l1), "bpf_link__destroy"))
		return;
	if (!ASSERT_OK(kt_cg_run_alloc(s1, 4, 1), "kt_cg_run_alloc"))
		return;
	if (!ASSERT_OK(kt_cg_run_alloc(s2, 4, 1), "kt_cg_run_alloc"))
		return;
	high1 = kt_cg_read_key(s1, "memory.events", "bpf_high");
	high2 = kt_cg_read_key(s2, "memory.events", "bpf_high");
	kt_log("bpf_high events: s1 (link destroyed) %lld, s2 %lld\n", high1, high2);
	if (!ASSERT_EQ(high1, 0, "high1"))
		return;
	if (!ASSERT_GT(high2, 0, "high2"))
		return;

	bpf_link__destroy(l2);
	memcg_ops_test__destroy(skel);
}

/* In a child as uid 1000 with CAP_BPF and CAP_PERFMON: attach to PATH. */
static int attach_as_user(struct memcg_ops_test *skel, const char *path)
{
	int status, err;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		err = kt_become_user(KT_CAP(CAP_BPF) | KT_CAP(CAP_PERFMON));
		if (err)
			_exit(100);
		errno = 0;
		_exit(kt_ops_attach(skel, path, BPF_F_CGROUP_FD) ? 0 : errno ? errno : 101);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -ECHILD;
	return -WEXITSTATUS(status);
}

/*
 * D5 of the third review: CAP_BPF and CAP_PERFMON, which a BPF token can
 * delegate into a container, and an fd of a cgroup directory, which anyone
 * can open, let a process throttle any cgroup.  Attaching needs what
 * delegation gives: write permission on the cgroup's directory.
 */
static void attach_needs_write_permission(void)
{
	static const char *const delegated_files[] = {
		"", "/cgroup.procs", "/cgroup.threads", "/cgroup.subtree_control",
	};
	struct memcg_ops_test *skel;
	char theirs[PATH_MAX], mine[PATH_MAX], p[PATH_MAX + 32];

	if (!ASSERT_OK(kt_cg_create("root-owned", theirs), "kt_cg_create"))
		return;
	if (!ASSERT_OK(kt_cg_create("delegated", mine), "kt_cg_create"))
		return;
	for (size_t i = 0; i < sizeof(delegated_files) / sizeof(delegated_files[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", mine, delegated_files[i]);
		if (!ASSERT_OK(chown(p, 1000, 1000), "chown"))
			return;
	}
	skel = kt_ops_load(0, 0);
	if (!ASSERT_OK_PTR(skel, "skel"))
		return;
	if (!ASSERT_EQ(attach_as_user(skel, theirs), -EACCES, "attach_as_user"))
		return;
	if (!ASSERT_EQ(attach_as_user(skel, mine), 0, "attach_as_user"))
		return;
	/* Root may still attach to both. */
	{
		struct bpf_link *l = kt_ops_attach(skel, theirs, BPF_F_CGROUP_FD);

		if (!ASSERT_OK_PTR(l, "l"))
			return;
		bpf_link__destroy(l);
	}
	memcg_ops_test__destroy(skel);
}

void test_memcg_ops_attach(void)
{
	kt_subtest("attach_btf_has_memcg_bpf_ops",
		   "struct memcg_bpf_ops and its hooks are in the kernel BTF",
		   attach_btf_has_memcg_bpf_ops);
	kt_subtest("attach_by_cgroup_fd",
		   "BPF_F_CGROUP_FD attach; link info and fdinfo name the cgroup",
		   attach_by_cgroup_fd);
	kt_subtest("attach_rejects_bad_input",
		   "unknown flags, non-cgroup fds and cgroups without memcg fail",
		   attach_rejects_bad_input);
	kt_subtest("attach_update_swaps_ops",
		   "bpf_link__update_map() swaps the ops of an attached link",
		   attach_update_swaps_ops);
	kt_subtest("attach_root_refused",
		   "the root cgroup refuses attachment (it would throttle kernel threads)",
		   attach_root_refused);
	kt_subtest("attach_sleepable_refused",
		   "a sleepable memcg_nr_pages_over_high does not load (EINVAL); the same object non-sleepable does",
		   attach_sleepable_refused);
	kt_subtest("attach_removed_refused",
		   "a cgroup removed while the attach is on its way to reg() is refused (ENOENT)",
		   attach_removed_refused);
	kt_subtest("attach_one_map_two_cgroups",
		   "one map attached to two siblings: destroying one link leaves the other served",
		   attach_one_map_two_cgroups);
	kt_subtest("attach_needs_write_permission",
		   "uid 1000 with CAP_BPF+CAP_PERFMON: EACCES on a root-owned cgroup, attaches in a subtree delegated to it",
		   attach_needs_write_permission);
}

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

#include "kt.h"
#include "kt_caps.h"
#include "kt_cgroup.h"
#include "kt_ops.h"
#include "memcg_ops_nonsleepable.skel.h"
#include "memcg_ops_sleepable.skel.h"
#include "memcg_reg_stall.skel.h"

KT_TEST(attach_btf_has_memcg_bpf_ops, "struct memcg_bpf_ops and its hooks are in the kernel BTF")
{
	static const char *const members[] = {
		"memcg_nr_pages_over_high", "memcg_below_low",
		"handle_cgroup_online", "handle_cgroup_offline",
	};
	const struct btf_type *t;
	struct btf *btf;
	int id;

	btf = btf__load_vmlinux_btf();
	KT_ASSERT(btf);
	id = btf__find_by_name_kind(btf, "memcg_bpf_ops", BTF_KIND_STRUCT);
	KT_ASSERT_CMP(id, >, 0);
	t = btf__type_by_id(btf, id);
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		const struct btf_member *m = btf_members(t);
		int found = 0;

		for (unsigned int j = 0; j < btf_vlen(t); j++, m++)
			found |= !strcmp(btf__name_by_offset(btf, m->name_off), members[i]);
		if (!found)
			fprintf(stderr, "member %s missing\n", members[i]);
		KT_ASSERT(found);
	}
	KT_ASSERT_CMP(btf__find_by_name_kind(btf, "bpf_struct_ops_memcg_bpf_ops",
					     BTF_KIND_STRUCT), >, 0);
	btf__free(btf);
	return KT_PASS;
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

KT_TEST(attach_by_cgroup_fd, "BPF_F_CGROUP_FD attach; link info and fdinfo name the cgroup")
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	unsigned long long fdinfo_id;
	struct memcg_ops_test *skel;
	struct bpf_map_info minfo = {};
	__u32 mlen = sizeof(minfo);
	struct bpf_link *link;
	char cg[PATH_MAX];

	KT_ASSERT(!kt_cg_create("a", cg));
	skel = kt_ops_load(0, 0);
	KT_ASSERT(skel);
	link = kt_ops_attach(skel, cg, BPF_F_CGROUP_FD);
	KT_ASSERT(link);

	KT_ASSERT(!bpf_link_get_info_by_fd(bpf_link__fd(link), &info, &len));
	KT_ASSERT(!bpf_map_get_info_by_fd(bpf_map__fd(skel->maps.test_ops), &minfo, &mlen));
	KT_ASSERT_CMP(info.type, ==, BPF_LINK_TYPE_STRUCT_OPS);
	KT_ASSERT_CMP(info.struct_ops.map_id, ==, minfo.id);
	KT_ASSERT_CMP(info.struct_ops.cgroup_id, ==, kt_cg_id(cg));
	KT_ASSERT(!fdinfo_cgroup_id(bpf_link__fd(link), &fdinfo_id));
	KT_ASSERT_CMP(fdinfo_id, ==, kt_cg_id(cg));

	/* Detached links report neither map nor cgroup. */
	KT_ASSERT(!bpf_link__detach(link));
	memset(&info, 0, sizeof(info));
	KT_ASSERT(!bpf_link_get_info_by_fd(bpf_link__fd(link), &info, &len));
	KT_ASSERT_CMP(info.struct_ops.map_id, ==, 0);
	KT_ASSERT_CMP(info.struct_ops.cgroup_id, ==, 0);

	bpf_link__destroy(link);
	memcg_ops_test__destroy(skel);
	return KT_PASS;
}

KT_TEST(attach_rejects_bad_input, "unknown flags, non-cgroup fds and cgroups without memcg fail")
{
	struct memcg_ops_test *skel;
	struct bpf_link *link;
	char cg[PATH_MAX], nomem[PATH_MAX + 8];
	int cg_fd, root_fd, nomem_fd;

	KT_ASSERT(!kt_cg_create("b", cg));
	skel = kt_ops_load(0, 0);
	KT_ASSERT(skel);
	cg_fd = kt_cg_open(cg);
	KT_ASSERT(cg_fd >= 0);

	KT_ASSERT_ERRNO(!kt_ops_attach_fd(skel, cg_fd, BPF_F_CGROUP_FD | (1U << 8)), EINVAL);
	KT_ASSERT_ERRNO(!kt_ops_attach_fd(skel, cg_fd, 1U << 12), EINVAL);
	KT_ASSERT_ERRNO(!kt_ops_attach_fd(skel, cg_fd, BPF_F_ALLOW_OVERRIDE), EINVAL);
	/* A target without BPF_F_CGROUP_FD means nothing: refused. */
	KT_ASSERT_ERRNO(!kt_ops_attach_fd(skel, cg_fd, 0), EINVAL);
	/* memcg_bpf_ops has no global attachment. */
	KT_ASSERT_ERRNO(!bpf_map__attach_struct_ops(skel->maps.test_ops), EINVAL);

	root_fd = open("/", O_RDONLY | O_DIRECTORY);
	KT_ASSERT(root_fd >= 0);
	KT_ASSERT_ERRNO(!kt_ops_attach_fd(skel, root_fd, BPF_F_CGROUP_FD), EBADF);
	close(root_fd);

	/* b has no memory controller enabled for its children. */
	snprintf(nomem, sizeof(nomem), "%s/nomem", cg);
	KT_ASSERT(!mkdir(nomem, 0755));
	nomem_fd = kt_cg_open(nomem);
	KT_ASSERT(nomem_fd >= 0);
	KT_ASSERT_ERRNO(!kt_ops_attach_fd(skel, nomem_fd, BPF_F_CGROUP_FD), EINVAL);
	close(nomem_fd);

	/* Nothing half-attached: a correct attach still works. */
	link = kt_ops_attach_fd(skel, cg_fd, BPF_F_CGROUP_FD);
	KT_ASSERT(link);
	bpf_link__destroy(link);
	close(cg_fd);
	memcg_ops_test__destroy(skel);
	return KT_PASS;
}

KT_TEST(attach_update_swaps_ops, "bpf_link__update_map() swaps the ops of an attached link")
{
	struct memcg_ops_test *a, *b;
	struct bpf_link_info info = {};
	struct bpf_map_info binfo = {};
	__u32 len = sizeof(info), blen = sizeof(binfo);
	struct bpf_link *link;
	char cg[PATH_MAX];
	__u64 calls;

	KT_ASSERT(!kt_cg_create("u", cg));
	a = kt_ops_load(kt_cg_id(cg), 0);
	b = kt_ops_load(kt_cg_id(cg), 0);
	KT_ASSERT(a && b);
	link = kt_ops_attach(a, cg, BPF_F_CGROUP_FD);
	KT_ASSERT(link);

	KT_ASSERT(!kt_cg_run_alloc(cg, 4, 1));
	KT_ASSERT_CMP(a->bss->pages_calls, >, 0);
	KT_ASSERT_CMP(b->bss->pages_calls, ==, 0);

	KT_ASSERT(!bpf_link__update_map(link, b->maps.test_ops));
	KT_ASSERT(!bpf_link_get_info_by_fd(bpf_link__fd(link), &info, &len));
	KT_ASSERT(!bpf_map_get_info_by_fd(bpf_map__fd(b->maps.test_ops), &binfo, &blen));
	KT_ASSERT_CMP(info.struct_ops.map_id, ==, binfo.id);
	KT_ASSERT_CMP(info.struct_ops.cgroup_id, ==, kt_cg_id(cg));

	calls = a->bss->pages_calls;
	KT_ASSERT(!kt_cg_run_alloc(cg, 4, 1));
	KT_ASSERT_CMP(a->bss->pages_calls, ==, calls);
	KT_ASSERT_CMP(b->bss->pages_calls, >, 0);

	bpf_link__destroy(link);
	memcg_ops_test__destroy(a);
	memcg_ops_test__destroy(b);
	return KT_PASS;
}

KT_TEST(attach_root_refused, "the root cgroup refuses attachment (it would throttle kernel threads)")
{
	struct memcg_ops_test *skel = kt_ops_load(0, 0);

	KT_ASSERT(skel);
	KT_ASSERT_ERRNO(!kt_ops_attach(skel, kt_cgroup_root, BPF_F_CGROUP_FD), EINVAL);
	KT_ASSERT_ERRNO(!kt_ops_attach(skel, kt_cgroup_root,
				       BPF_F_CGROUP_FD | BPF_F_ALLOW_OVERRIDE), EINVAL);
	memcg_ops_test__destroy(skel);
	return KT_PASS;
}

KT_TEST(attach_sleepable_refused, "a sleepable memcg_nr_pages_over_high does not load (EINVAL); the same object non-sleepable does")
{
	struct memcg_ops_nonsleepable *ok;
	struct memcg_ops_sleepable *bad;

	errno = 0;
	bad = memcg_ops_sleepable__open_and_load();
	if (bad) {
		fprintf(stderr, "a sleepable hook was accepted\n");
		memcg_ops_sleepable__destroy(bad);
		return KT_FAIL;
	}
	KT_ASSERT_CMP(errno, ==, EINVAL);
	ok = memcg_ops_nonsleepable__open_and_load();
	KT_ASSERT(ok);
	memcg_ops_nonsleepable__destroy(ok);
	return KT_PASS;
}

/*
 * A cgroup removed between BPF_LINK_CREATE's lookup of its fd and reg():
 * memcg_reg_stall.bpf.c holds reg() back while the cgroup goes, so that
 * reg() itself must see the dying css and refuse.  A removal before the
 * attach is refused by the fd lookup already and says nothing of reg().
 */
KT_TEST(attach_removed_refused, "a cgroup removed while the attach is on its way to reg() is refused (ENOENT)")
{
	struct memcg_reg_stall *stall;
	struct memcg_ops_test *skel;
	struct bpf_link *link;
	struct timespec nap = { 0, 1000000 };
	char cg[PATH_MAX];
	int fd, status, polls;
	pid_t pid;

	KT_ASSERT(!kt_cg_create("gone", cg));
	skel = kt_ops_load(0, 0);
	KT_ASSERT(skel);
	stall = memcg_reg_stall__open_and_load();
	KT_ASSERT(stall);
	stall->bss->stall_ns = 2000000000ULL;
	KT_ASSERT(!memcg_reg_stall__attach(stall));
	fd = kt_cg_open(cg);
	KT_ASSERT(fd >= 0);

	pid = fork();
	KT_ASSERT(pid >= 0);
	if (pid == 0) {
		errno = 0;
		link = kt_ops_attach_fd(skel, fd, BPF_F_CGROUP_FD);
		_exit(link ? 0 : errno ? errno : 100);
	}
	for (polls = 0; polls < 20000 && !stall->bss->entered; polls++)
		nanosleep(&nap, NULL);
	KT_ASSERT_CMP(stall->bss->entered, ==, 1);
	KT_ASSERT(!kt_cg_remove(cg));
	KT_ASSERT_CMP(waitpid(pid, &status, 0), ==, pid);
	kt_log("reg() stalled %u of %u, attach exit %d\n", stall->bss->stalled,
	       stall->bss->entered, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	/* The removal happened inside the window. */
	KT_ASSERT_CMP(stall->bss->stalled, ==, 1);
	KT_ASSERT(WIFEXITED(status));
	KT_ASSERT_CMP(WEXITSTATUS(status), ==, ENOENT);
	close(fd);
	memcg_reg_stall__destroy(stall);
	memcg_ops_test__destroy(skel);
	return KT_PASS;
}

KT_TEST(attach_one_map_two_cgroups, "one map attached to two siblings: destroying one link leaves the other served")
{
	struct bpf_link *l1, *l2;
	struct memcg_ops_test *skel;
	char s1[PATH_MAX], s2[PATH_MAX];
	long long high1, high2;

	KT_ASSERT(!kt_cg_create("s1", s1));
	KT_ASSERT(!kt_cg_create("s2", s2));
	skel = kt_ops_load_penalty(0);
	KT_ASSERT(skel);
	l1 = kt_ops_attach(skel, s1, BPF_F_CGROUP_FD);
	l2 = kt_ops_attach(skel, s2, BPF_F_CGROUP_FD);
	KT_ASSERT(l1 && l2);

	KT_ASSERT(!bpf_link__destroy(l1));
	KT_ASSERT(!kt_cg_run_alloc(s1, 4, 1));
	KT_ASSERT(!kt_cg_run_alloc(s2, 4, 1));
	high1 = kt_cg_read_key(s1, "memory.events", "bpf_high");
	high2 = kt_cg_read_key(s2, "memory.events", "bpf_high");
	kt_log("bpf_high events: s1 (link destroyed) %lld, s2 %lld\n", high1, high2);
	KT_ASSERT_CMP(high1, ==, 0);
	KT_ASSERT_CMP(high2, >, 0);

	bpf_link__destroy(l2);
	memcg_ops_test__destroy(skel);
	return KT_PASS;
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
KT_TEST(attach_needs_write_permission, "uid 1000 with CAP_BPF+CAP_PERFMON: EACCES on a root-owned cgroup, attaches in a subtree delegated to it")
{
	static const char *const delegated_files[] = {
		"", "/cgroup.procs", "/cgroup.threads", "/cgroup.subtree_control",
	};
	struct memcg_ops_test *skel;
	char theirs[PATH_MAX], mine[PATH_MAX], p[PATH_MAX + 32];

	KT_ASSERT(!kt_cg_create("root-owned", theirs));
	KT_ASSERT(!kt_cg_create("delegated", mine));
	for (size_t i = 0; i < sizeof(delegated_files) / sizeof(delegated_files[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", mine, delegated_files[i]);
		KT_ASSERT(!chown(p, 1000, 1000));
	}
	skel = kt_ops_load(0, 0);
	KT_ASSERT(skel);
	KT_ASSERT_CMP(attach_as_user(skel, theirs), ==, -EACCES);
	KT_ASSERT_CMP(attach_as_user(skel, mine), ==, 0);
	/* Root may still attach to both. */
	{
		struct bpf_link *l = kt_ops_attach(skel, theirs, BPF_F_CGROUP_FD);

		KT_ASSERT(l);
		bpf_link__destroy(l);
	}
	memcg_ops_test__destroy(skel);
	return KT_PASS;
}

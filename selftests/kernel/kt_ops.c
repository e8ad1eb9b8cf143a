// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <unistd.h>

#include "kt_cgroup.h"
#include "kt_ops.h"

struct memcg_ops_test *kt_ops_load(__u64 target_cgid, __u32 nr_pages)
{
	struct memcg_ops_test *skel = memcg_ops_test__open_and_load();

	if (!skel) {
		fprintf(stderr, "cannot load memcg_ops_test: %s\n", strerror(errno));
		return NULL;
	}
	/* Destroyed with the skeleton. */
	skel->links.test_pass_enter = bpf_program__attach(skel->progs.test_pass_enter);
	skel->links.test_pass_exit = bpf_program__attach(skel->progs.test_pass_exit);
	if (!skel->links.test_pass_enter || !skel->links.test_pass_exit) {
		fprintf(stderr, "cannot attach memcg_ops_test's pass probes: %s\n",
			strerror(errno));
		memcg_ops_test__destroy(skel);
		return NULL;
	}
	skel->bss->target_cgid = target_cgid;
	skel->bss->nr_pages = nr_pages;
	return skel;
}

struct memcg_ops_test *kt_ops_load_penalty(__u64 target_cgid)
{
	struct memcg_ops_test *skel = kt_ops_load(target_cgid, KT_PENALTY_PAGES);

	if (skel) {
		skel->bss->min_usage = KT_PENALTY_FROM_PAGES;
		skel->bss->max_returns = KT_PENALTY_RETURNS;
	}
	return skel;
}

struct bpf_link *kt_ops_attach_fd(struct memcg_ops_test *skel, int target_fd,
				  __u32 flags)
{
	LIBBPF_OPTS(bpf_struct_ops_opts, opts, .flags = flags,
		    .target_fd = target_fd);

	return bpf_map__attach_struct_ops_opts(skel->maps.test_ops, &opts);
}

struct bpf_link *kt_ops_attach(struct memcg_ops_test *skel, const char *path,
			       __u32 flags)
{
	struct bpf_link *link;
	int fd, err;

	fd = kt_cg_open(path);
	if (fd < 0)
		return NULL;
	link = kt_ops_attach_fd(skel, fd, flags);
	err = errno;
	close(fd);
	errno = err;
	return link;
}

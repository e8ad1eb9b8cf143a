// SPDX-License-Identifier: GPL-2.0
/*
 * zero-ops CGROUP CMD [ARGS...]: run CMD with a memcg_bpf_ops whose hooks
 * change nothing (the pages hook returns 0) attached to CGROUP, then detach
 * and print on stderr how often the pages hook was called, so that a run
 * can show the ops really covered what CMD did.  Exit status: CMD's, or 125
 * if the ops could not be attached (or were never called).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "memcg_ops_test.skel.h"

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_struct_ops_opts, opts, .flags = BPF_F_CGROUP_FD);
	struct memcg_ops_test *skel;
	struct bpf_link *link;
	int status, fd;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: zero-ops CGROUP CMD [ARGS...]\n");
		return 125;
	}
	skel = memcg_ops_test__open_and_load();
	if (!skel) {
		fprintf(stderr, "zero-ops: cannot load the ops: %s\n", strerror(errno));
		return 125;
	}
	fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "zero-ops: %s: %s\n", argv[1], strerror(errno));
		return 125;
	}
	opts.target_fd = fd;
	link = bpf_map__attach_struct_ops_opts(skel->maps.test_ops, &opts);
	if (!link) {
		fprintf(stderr, "zero-ops: cannot attach to %s: %s\n", argv[1],
			strerror(errno));
		return 125;
	}

	pid = fork();
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "zero-ops: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		fprintf(stderr, "zero-ops: cannot run %s: %s\n", argv[2], strerror(errno));
		return 125;
	}

	bpf_link__destroy(link);
	close(fd);
	fprintf(stderr, "zero-ops: pages hook called %llu times, online %llu, offline %llu\n",
		(unsigned long long)skel->bss->pages_calls,
		(unsigned long long)skel->bss->online_calls,
		(unsigned long long)skel->bss->offline_calls);
	if (!skel->bss->pages_calls) {
		fprintf(stderr, "zero-ops: the ops never ran: they did not cover %s\n",
			argv[2]);
		return 125;
	}
	memcg_ops_test__destroy(skel);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

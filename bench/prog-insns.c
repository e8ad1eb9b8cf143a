// SPDX-License-Identifier: GPL-2.0
/*
 * bench/prog-insns - the instructions the verifier processed to load each
 * BPF program in the kernel whose name starts with PREFIX (bpf_prog_info's
 * verified_insns, which bpftool does not print), and their sum.  Run by
 * bench/attach-time-guest while memcg-prio is attached.
 *
 * Usage: prog-insns PREFIX
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long long sum = 0;
	__u32 id = 0;
	size_t plen;

	if (argc != 2) {
		fprintf(stderr, "usage: prog-insns PREFIX\n");
		return 2;
	}
	plen = strlen(argv[1]);
	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;	/* gone meanwhile */
		if (bpf_prog_get_info_by_fd(fd, &info, &len)) {
			fprintf(stderr, "prog-insns: program %u: %s\n", id,
				strerror(errno));
			close(fd);
			return 1;
		}
		close(fd);
		if (strncmp(info.name, argv[1], plen))
			continue;
		printf("  %-28s %7u\n", info.name, info.verified_insns);
		sum += info.verified_insns;
	}
	printf("  %-28s %7llu\n", "all", sum);
	return 0;
}

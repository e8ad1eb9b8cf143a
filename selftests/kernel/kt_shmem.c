// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kt_cgroup.h"
#include "kt_shmem.h"

#define KT_SHMEM_CHUNK (1 << 20)

int kt_shmem_open(void)
{
	int fd = open("/dev/shm", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0)
		fprintf(stderr, "cannot create a file in /dev/shm: %s\n", strerror(errno));
	return fd;
}

struct shmem_fill {
	const char *chunk;
	int fd;
	size_t mb;
};

/* In the child: it only reads the chunk, so it charges the file's pages alone. */
static int fill_fn(void *arg)
{
	const struct shmem_fill *f = arg;

	for (size_t i = 0; i < f->mb; i++) {
		if (write(f->fd, f->chunk, KT_SHMEM_CHUNK) != KT_SHMEM_CHUNK) {
			perror("write to the tmpfs file");
			return 1;
		}
	}
	return 0;
}

int kt_shmem_fill(const char *path, int fd, size_t mb)
{
	static char *chunk;
	struct shmem_fill f = { .fd = fd, .mb = mb };

	/* Written here, before any fork, and only read by the children. */
	if (!chunk) {
		chunk = malloc(KT_SHMEM_CHUNK);
		if (!chunk)
			return -ENOMEM;
		memset(chunk, 'k', KT_SHMEM_CHUNK);
	}
	f.chunk = chunk;
	return kt_cg_run(path, fill_fn, &f);
}

// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/cgfile.h"
#include "util.h"

int prio_cg_read_u64(const char *dir, const char *file, uint64_t *ret)
{
	char path[PATH_MAX], buf[64];
	ssize_t n;
	int fd;

	if (prio_path_join(path, sizeof(path), dir, file) < 0)
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	if (strncmp(buf, "max", 3) == 0) {
		*ret = PRIO_CG_MAX;
		return 0;
	}
	errno = 0;
	*ret = strtoull(buf, NULL, 10);
	return errno ? -errno : 0;
}

int prio_cg_read_key(const char *dir, const char *file, const char *key,
		     uint64_t *ret)
{
	char path[PATH_MAX], line[256];
	size_t n = strlen(key);
	int r = -ENOENT;
	FILE *f;

	if (prio_path_join(path, sizeof(path), dir, file) < 0)
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (r == -ENOENT && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ' ' &&
		    sscanf(line + n + 1, "%" SCNu64, ret) == 1)
			r = 0;
	fclose(f);
	return r;
}

int prio_cg_write_u64(const char *dir, const char *file, uint64_t v,
		      int open_flags)
{
	char path[PATH_MAX], buf[32];
	ssize_t n;
	int fd;

	if (prio_path_join(path, sizeof(path), dir, file) < 0)
		return -ENAMETOOLONG;
	if (v == PRIO_CG_MAX)
		snprintf(buf, sizeof(buf), "max");
	else
		snprintf(buf, sizeof(buf), "%" PRIu64, v);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | open_flags);
	if (fd < 0)
		return -errno;
	n = write(fd, buf, strlen(buf));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}

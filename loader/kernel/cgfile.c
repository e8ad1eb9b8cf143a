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
#include "kernel/highctl.h"
#include "util.h"

int prio_read_small(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	return 0;
}

int prio_run_state_file(const char *pin_path, const char *suffix, char *buf,
			size_t len)
{
	size_t used;
	int n;

	n = snprintf(buf, len, "%s/", PRIO_RUN_DIR);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	used = (size_t)n;
	for (const char *p = pin_path + (pin_path[0] == '/'); *p; p++) {
		if (used + 1 >= len)
			return -ENAMETOOLONG;
		buf[used++] = *p == '/' ? '-' : *p;
	}
	n = snprintf(buf + used, len - used, "%s", suffix);
	return n < 0 || (size_t)n >= len - used ? -ENAMETOOLONG : 0;
}

int prio_cg_read_u64(const char *dir, const char *file, uint64_t *ret)
{
	char path[PATH_MAX], buf[64];
	int r;

	if (prio_path_join(path, sizeof(path), dir, file) < 0)
		return -ENAMETOOLONG;
	r = prio_read_small(path, buf, sizeof(buf));
	if (r < 0)
		return r;
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

// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/magic.h>

#include "kernel/pins.h"

const char *const prio_pin_watch[PRIO_NR_WATCH] = {
	[PRIO_WATCH_ENTER] = PRIO_PIN_LINKS "/watch_enter",
	[PRIO_WATCH_EXIT] = PRIO_PIN_LINKS "/watch_exit",
	[PRIO_WATCH_PAGES] = PRIO_PIN_LINKS "/watch_pages",
	[PRIO_WATCH_FALLBACK] = PRIO_PIN_LINKS "/watch_fallback",
	[PRIO_WATCH_FALLBACK_EXIT] = PRIO_PIN_LINKS "/watch_fallback_exit",
	[PRIO_WATCH_FALLBACK_GEN] = PRIO_PIN_LINKS "/watch_fallback_gen",
	[PRIO_WATCH_FALLBACK_GEN_EXIT] = PRIO_PIN_LINKS "/watch_fallback_gen_exit",
	[PRIO_WATCH_DIRECT_BEGIN] = PRIO_PIN_LINKS "/watch_direct_begin",
	[PRIO_WATCH_DIRECT_END] = PRIO_PIN_LINKS "/watch_direct_end",
	[PRIO_WATCH_KSWAPD_END] = PRIO_PIN_LINKS "/watch_kswapd_end",
	[PRIO_WATCH_REFAULT] = PRIO_PIN_LINKS "/watch_refault",
};
#include "util.h"

int prio_pins_check_fs(const char *pin_path, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	struct statfs sf;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", pin_path);
	/* The nearest directory that exists decides. */
	while (statfs(dir, &sf) < 0) {
		slash = strrchr(dir, '/');
		if (errno != ENOENT || !slash || slash == dir)
			return prio_fail(err, errlen, -errno, "pin_path %s: %s",
					 pin_path, strerror(errno));
		*slash = '\0';
	}
	if (sf.f_type != BPF_FS_MAGIC)
		return prio_fail(err, errlen, -ENOTSUP, "pin_path %s is not on "
				 "a BPF filesystem (mount -t bpf bpf "
				 "/sys/fs/bpf, or set pin_path)", pin_path);
	return 0;
}

bool prio_pins_present(const char *pin_path)
{
	struct stat st;

	return stat(pin_path, &st) == 0;
}

int prio_pins_sibling(const char *pin_path, const char *suffix, char *buf,
		      size_t len)
{
	int n = snprintf(buf, len, "%s%s", pin_path, suffix);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* mkdir -p: components that exist are left alone (some refuse mkdir). */
static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	struct stat st;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1;; p++) {
		if (*p && *p != '/')
			continue;
		char c = *p;

		*p = '\0';
		if (stat(buf, &st) < 0 && (mkdir(buf, 0700) < 0 && errno != EEXIST))
			return -errno;
		*p = c;
		if (!c)
			return 0;
	}
}

int prio_pins_mkdir(const char *dir, char *err, size_t errlen)
{
	char sub[PATH_MAX];
	int r;

	r = prio_pins_remove(dir);
	if (!r)
		r = mkdir_p(dir);
	if (!r && prio_path_join(sub, sizeof(sub), dir, PRIO_PIN_LINKS) == 0)
		r = mkdir_p(sub);
	if (!r && prio_path_join(sub, sizeof(sub), dir, PRIO_PIN_MAPS) == 0)
		r = mkdir_p(sub);
	if (r < 0)
		return prio_fail(err, errlen, r, "cannot make pin directory %s: "
				 "%s", dir, strerror(-r));
	return 0;
}

int prio_pin(const char *dir, const char *rel, int fd, char *err,
	     size_t errlen)
{
	char path[PATH_MAX];

	if (prio_path_join(path, sizeof(path), dir, rel) < 0)
		return prio_fail(err, errlen, -ENAMETOOLONG, "pin path %s/%s "
				 "is too long", dir, rel);
	if (bpf_obj_pin(fd, path) < 0)
		return prio_fail(err, errlen, -errno, "cannot pin %s: %s", path,
				 strerror(errno));
	return 0;
}

int prio_pin_open(const char *dir, const char *rel)
{
	char path[PATH_MAX];
	int fd;

	if (prio_path_join(path, sizeof(path), dir, rel) < 0)
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

int prio_pins_install(const char *tmp, const char *pin_path, char *err,
		      size_t errlen)
{
	int r;

	if (prio_pins_present(pin_path))
		r = renameat2(AT_FDCWD, tmp, AT_FDCWD, pin_path, RENAME_EXCHANGE);
	else
		r = rename(tmp, pin_path);
	if (r < 0)
		return prio_fail(err, errlen, -errno, "cannot move the pins from "
				 "%s to %s: %s", tmp, pin_path, strerror(errno));
	return 0;
}

static int remove_visit(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path) < 0 ? -1 : 0;
	return unlink(path) < 0 ? -1 : 0;
}

int prio_pins_remove(const char *dir)
{
	if (!prio_pins_present(dir))
		return 0;
	if (nftw(dir, remove_visit, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) != 0)
		return errno ? -errno : -EIO;
	return 0;
}

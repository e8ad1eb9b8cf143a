// SPDX-License-Identifier: GPL-2.0-only
/*
 * Safe defaults: memcg-prio acts as root on what the config file says, so
 * the file must be root's alone.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "plan/trust.h"
#include "util.h"

/*
 * Who other than root can write what st describes, in words into buf:
 * "is owned by uid 1000, not root", "can be written by everyone (mode
 * 0666)"; false if nobody.
 */
static bool others_write(const struct stat *st, char *buf, size_t len)
{
	unsigned int mode = st->st_mode & 07777;

	if (st->st_uid != 0)
		snprintf(buf, len, "is owned by uid %u, not root",
			 (unsigned int)st->st_uid);
	else if (mode & (S_IWOTH | S_IWGRP))
		snprintf(buf, len, "can be written by %s (mode %04o)",
			 mode & S_IWOTH ? "everyone" : "its group", mode);
	else
		return false;
	return true;
}

int prio_config_trusted(const char *file, char *err, size_t errlen)
{
	char real[PATH_MAX], who[64], *slash;
	struct stat st;

	if (!realpath(file, real) || stat(real, &st) < 0)
		return prio_fail(err, errlen, -errno, "config file %s: %s",
				 file, strerror(errno));
	if (others_write(&st, who, sizeof(who)))
		return prio_fail(err, errlen, -EPERM, "config file %s %s: make "
				 "it root's alone (chown root, chmod go-w)",
				 real, who);
	/* Each directory above it: whoever can write one can replace the
	 * file, except in a sticky directory of root's, where only the
	 * file's owner can. */
	while ((slash = strrchr(real, '/'))) {
		slash[slash == real] = '\0';
		if (stat(real, &st) < 0)
			return prio_fail(err, errlen, -errno, "directory %s: %s",
					 real, strerror(errno));
		if (others_write(&st, who, sizeof(who)) &&
		    !(st.st_uid == 0 && (st.st_mode & S_ISVTX)))
			return prio_fail(err, errlen, -EPERM, "config file %s is "
					 "in directory %s, which %s: whoever can "
					 "write there can replace the file",
					 file, real, who);
		if (slash == real)
			break;
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Safe defaults for what memcg-prio reads as root.
 */
#ifndef MEMCG_PRIO_LOADER_PLAN_TRUST_H
#define MEMCG_PRIO_LOADER_PLAN_TRUST_H

#include <stddef.h>

/*
 * Is the config file, symlinks resolved, root's alone: owned by root, not
 * writable by group or others, and in directories that only root can
 * write (or sticky ones)?  0, or -EPERM (-errno) with one sentence naming
 * the file or directory and what is wrong.
 */
int prio_config_trusted(const char *file, char *err, size_t errlen);

#endif

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading and writing one cgroup interface file (memory.low,
 * memory.reclaim, memory.stat...) of a cgroup directory.  Used by the
 * memory.low and memory.reclaim control of mode memory.high.
 */
#ifndef MEMCG_PRIO_LOADER_KERNEL_CGFILE_H
#define MEMCG_PRIO_LOADER_KERNEL_CGFILE_H

#include <stdint.h>

/* "max", as a number. */
#define PRIO_CG_MAX	UINT64_MAX

/* The number in dir/file ("max": PRIO_CG_MAX) into *ret.  0 or -errno. */
int prio_cg_read_u64(const char *dir, const char *file, uint64_t *ret);

/* The value of "key N" in dir/file (memory.stat) into *ret.  0 or -errno. */
int prio_cg_read_key(const char *dir, const char *file, const char *key,
		     uint64_t *ret);

/*
 * Write v ("max" for PRIO_CG_MAX) to dir/file, in one write(), with
 * open_flags added (O_NONBLOCK).  0 or -errno of the open or the write.
 */
int prio_cg_write_u64(const char *dir, const char *file, uint64_t v,
		      int open_flags);

#endif

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading and writing one cgroup interface file (memory.low,
 * memory.reclaim, memory.stat...) of a cgroup directory.  Used by the
 * memory.low and memory.reclaim control of mode memory.high.
 */
#ifndef MEMCG_PRIO_LOADER_KERNEL_CGFILE_H
#define MEMCG_PRIO_LOADER_KERNEL_CGFILE_H

#include <stddef.h>
#include <stdint.h>

/* "max", as a number. */
#define PRIO_CG_MAX	UINT64_MAX

/*
 * Read path in one read() (a seq_file in /proc or /sys is consistent only
 * within one), NUL-terminated, into buf.  0 or -errno (-EIO: empty).
 */
int prio_read_small(const char *path, char *buf, size_t len);

/*
 * The state file of the pins at pin_path: PRIO_RUN_DIR/<pin path with '/'
 * as '-', as systemd names mount units><suffix>.  0 or -ENAMETOOLONG.
 */
int prio_run_state_file(const char *pin_path, const char *suffix, char *buf,
			size_t len);

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

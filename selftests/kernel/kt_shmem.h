/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory that a cgroup holds with no task in it: the pages of an unnamed
 * tmpfs file written by a child moved into the cgroup.  They stay charged
 * to that cgroup until reclaim swaps them out (swap-backed: the VM's zram)
 * or the file's last fd is closed, which frees them and their swap.
 */
#ifndef MEMCG_PRIO_KT_SHMEM_H
#define MEMCG_PRIO_KT_SHMEM_H

#include <stddef.h>

/* An unnamed file in /dev/shm (O_TMPFILE): its fd, or -1 with a message. */
int kt_shmem_open(void);
/*
 * Append MB MiB to the file of FD from a child moved into cgroup PATH,
 * which so holds them: 0 or -errno.  Every byte is the same, so that the
 * pages cost zram no compressed memory when they are swapped out.
 */
int kt_shmem_fill(const char *path, int fd, size_t mb);

#endif

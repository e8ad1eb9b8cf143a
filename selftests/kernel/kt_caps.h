/* SPDX-License-Identifier: GPL-2.0 */
/* Dropping privileges in a forked child, for the permission tests. */
#ifndef MEMCG_PRIO_KT_CAPS_H
#define MEMCG_PRIO_KT_CAPS_H

#include <stdint.h>

/* The bit of capability CAP in the mask kt_become_user() takes. */
#define KT_CAP(cap) (1ULL << (cap))

/* The uid and gid the permission tests run as. */
#define KT_USER_ID 1000

/*
 * Become uid and gid KT_USER_ID, no supplementary groups, with exactly the
 * capabilities of CAPS (a mask of KT_CAP() bits) permitted and effective:
 * 0 or -errno.  For a forked child: there is no way back.
 */
int kt_become_user(uint64_t caps);

#endif

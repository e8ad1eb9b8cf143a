/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading one program of a test object alone, as root or as an
 * unprivileged user, for the tests of who may call a kfunc.  The object is
 * a skeleton's ELF (NAME__elf_bytes()).
 */
#ifndef MEMCG_PRIO_KT_LOAD_H
#define MEMCG_PRIO_KT_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The verifier's log of the last kt_load_alone() in this process. */
extern char kt_verifier_log[1 << 18];

/*
 * Load program NAME of the object ELF (SIZE bytes) and no other, as a
 * SYSCALL program if AS_SYSCALL: 0 or -errno.
 */
int kt_load_alone(const void *elf, size_t size, const char *name,
		  bool as_syscall);

/*
 * Whether NAME failed to load with -ERR, the verifier saying WHY; if not,
 * says what happened instead.
 */
bool kt_refused_for(const void *elf, size_t size, const char *name,
		    bool as_syscall, int err, const char *why);

enum { KT_CHILD_LOADED, KT_CHILD_REFUSED, KT_CHILD_OTHER, KT_CHILD_NO_CAPS };

/*
 * Load NAME alone in a child as uid KT_USER_ID with the capabilities CAPS
 * (KT_CAP() bits): KT_CHILD_LOADED, KT_CHILD_REFUSED when the verifier
 * refused it with -EACCES saying WHY, KT_CHILD_OTHER (with a message) or
 * KT_CHILD_NO_CAPS; -errno if the child could not be run.
 */
int kt_load_as_user(const void *elf, size_t size, const char *name,
		    uint64_t caps, const char *why);

#endif

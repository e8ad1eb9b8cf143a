/* SPDX-License-Identifier: GPL-2.0 */
/* kt_log(): what a test measured, said with memcg-bpf-test -v. */
#ifndef MEMCG_PRIO_KT_LOG_H
#define MEMCG_PRIO_KT_LOG_H

#include <stdio.h>

#include <test_progs.h>

#define kt_log(...)							\
	do {								\
		if (env.verbosity >= VERBOSE_NORMAL)			\
			fprintf(stderr, "  " __VA_ARGS__);		\
	} while (0)

#endif

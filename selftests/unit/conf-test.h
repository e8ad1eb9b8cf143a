// SPDX-License-Identifier: GPL-2.0-only
/* Helpers shared by the conf/ unit tests. */
#ifndef MEMCG_PRIO_CONF_TEST_H
#define MEMCG_PRIO_CONF_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "priority.h"

#define ERR_LEN 1024

/* dir/name as a NUL-terminated string (malloc'ed), NULL if unreadable. */
char *read_text(const char *dir, const char *name);

/* Load len bytes of text as if from a file called name. */
int load_bytes(const void *text, size_t len, const char *name,
	       struct prio_config *ret_config, char *err, size_t errlen);
int load_text(const char *text, struct prio_config *ret_config,
	      char *err, size_t errlen);

/* prio_config_dump() output (malloc'ed). */
char *dump_text(const struct prio_config *c);

void assert_group_keys_equal(const struct prio_conf_group *a,
			     const struct prio_conf_group *b);
void assert_config_equal(const struct prio_config *a,
			 const struct prio_config *b);

#endif

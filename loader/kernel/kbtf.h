// SPDX-License-Identifier: GPL-2.0-only
/* Questions about the running kernel's types, asked of its BTF. */
#ifndef MEMCG_PRIO_LOADER_KERNEL_KBTF_H
#define MEMCG_PRIO_LOADER_KERNEL_KBTF_H

#include <stdbool.h>
#include <stdint.h>

struct btf;
struct btf_type;

/* The struct named name, or NULL; its id in *ret_id if ret_id is set. */
const struct btf_type *prio_btf_struct(const struct btf *btf, const char *name,
				       int32_t *ret_id);

/*
 * The byte offset of member name of struct t, looking into anonymous
 * struct and union members too.  -ENOENT if there is none.
 */
int prio_btf_member_offset(const struct btf *btf, const struct btf_type *t,
			   const char *name);

/* The type of member name of struct t (same search), or NULL. */
const struct btf_type *prio_btf_member_type(const struct btf *btf,
					    const struct btf_type *t,
					    const char *name);

/* Does enum enum_name have a value called value_name? */
bool prio_btf_enum_has(const struct btf *btf, const char *enum_name,
		       const char *value_name);

/* Is there a typedef called name (btf_trace_<tracepoint>, say)? */
bool prio_btf_has_typedef(const struct btf *btf, const char *name);

/*
 * Function func of the kernel: with param NULL, its number of parameters;
 * otherwise the position of the parameter called param.  -ENOENT if there
 * is no such function (or parameter) in the BTF.
 */
int prio_btf_func_param(const struct btf *btf, const char *func,
			const char *param);

#endif

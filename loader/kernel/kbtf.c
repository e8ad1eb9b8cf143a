// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>

#include <bpf/btf.h>

#include "kernel/kbtf.h"

const struct btf_type *prio_btf_struct(const struct btf *btf, const char *name,
				       int32_t *ret_id)
{
	int32_t id = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);

	if (id < 0)
		return NULL;
	if (ret_id)
		*ret_id = id;
	return btf__type_by_id(btf, id);
}

/* Member name of composite t: byte offset and type; -ENOENT if none. */
static int find_member(const struct btf *btf, const struct btf_type *t,
		       const char *name, const struct btf_type **ret_type)
{
	const struct btf_member *m = btf_members(t);

	for (unsigned short i = 0; i < btf_vlen(t); i++, m++) {
		const char *mname = btf__name_by_offset(btf, m->name_off);
		const struct btf_type *mt = btf__type_by_id(btf, m->type);
		int off = (int)(btf_member_bit_offset(t, i) / 8), sub;

		if (mname && strcmp(mname, name) == 0) {
			*ret_type = mt;
			return off;
		}
		if (mname && *mname)
			continue;
		/* An anonymous struct or union: look inside. */
		while (mt && (btf_is_mod(mt) || btf_is_typedef(mt)))
			mt = btf__type_by_id(btf, mt->type);
		if (!mt || !btf_is_composite(mt))
			continue;
		sub = find_member(btf, mt, name, ret_type);
		if (sub >= 0)
			return off + sub;
	}
	return -ENOENT;
}

int prio_btf_member_offset(const struct btf *btf, const struct btf_type *t,
			   const char *name)
{
	const struct btf_type *mt;

	return find_member(btf, t, name, &mt);
}

const struct btf_type *prio_btf_member_type(const struct btf *btf,
					    const struct btf_type *t,
					    const char *name)
{
	const struct btf_type *mt = NULL;

	if (find_member(btf, t, name, &mt) < 0)
		return NULL;
	while (mt && (btf_is_mod(mt) || btf_is_typedef(mt)))
		mt = btf__type_by_id(btf, mt->type);
	return mt;
}

static bool enum_has(const struct btf *btf, const struct btf_type *t,
		     const char *value_name)
{
	for (unsigned short i = 0; i < btf_vlen(t); i++) {
		uint32_t off = btf_is_enum(t) ? btf_enum(t)[i].name_off :
						btf_enum64(t)[i].name_off;
		const char *n = btf__name_by_offset(btf, off);

		if (n && strcmp(n, value_name) == 0)
			return true;
	}
	return false;
}

bool prio_btf_enum_has(const struct btf *btf, const char *enum_name,
		       const char *value_name)
{
	int32_t id = btf__find_by_name_kind(btf, enum_name, BTF_KIND_ENUM);

	if (id < 0)
		id = btf__find_by_name_kind(btf, enum_name, BTF_KIND_ENUM64);
	if (id < 0)
		return false;
	return enum_has(btf, btf__type_by_id(btf, id), value_name);
}

bool prio_btf_has_typedef(const struct btf *btf, const char *name)
{
	return btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) >= 0;
}

int prio_btf_func_param(const struct btf *btf, const char *func,
			const char *param)
{
	const struct btf_type *t, *proto;
	const struct btf_param *p;
	int32_t id;

	id = btf__find_by_name_kind(btf, func, BTF_KIND_FUNC);
	if (id < 0)
		return -ENOENT;
	t = btf__type_by_id(btf, id);
	proto = t ? btf__type_by_id(btf, t->type) : NULL;
	if (!proto || !btf_is_func_proto(proto))
		return -ENOENT;
	if (!param)
		return btf_vlen(proto);
	p = btf_params(proto);
	for (int i = 0; i < (int)btf_vlen(proto); i++)
		if (!strcmp(btf__name_by_offset(btf, p[i].name_off), param))
			return i;
	return -ENOENT;
}

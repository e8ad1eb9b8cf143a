// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which reclaim source the loader picks from a kernel's BTF
 * (loader/kernel/probe.c, loader/kernel/kbtf.c), on BTF made up here:
 * vmpressure() with and without its order parameter, the memcg statistics
 * tracepoint, and the MEMCG_PRIO_SOURCE override with a source the kernel
 * lacks or that does not exist.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <bpf/btf.h>

#include "kernel/kbtf.h"
#include "kernel/probe.h"

static char err[512];

/* func name(params...) returning int, every parameter an int. */
static void add_func(struct btf *b, int int_id, const char *name,
		     const char *const *params, int n)
{
	int proto = btf__add_func_proto(b, int_id);

	assert_true(proto > 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(btf__add_func_param(b, params[i], int_id), 0);
	assert_true(btf__add_func(b, name, BTF_FUNC_GLOBAL, proto) > 0);
}

static struct btf *kernel_btf(int vmpressure, bool lruvec);

/* kernel_btf() with shrink_lruvec(lruvec, sc) and mem_cgroup_per_node. */
static struct btf *shrink_btf(int vmpressure, bool lruvec)
{
	static const char *const shrink[] = { "lruvec", "sc" };
	struct btf *b = kernel_btf(vmpressure, lruvec);

	add_func(b, 1, "shrink_lruvec", shrink, 2);
	assert_true(btf__add_struct(b, "mem_cgroup_per_node", 8) > 0);
	return b;
}

/*
 * A kernel's BTF: try_to_free_mem_cgroup_pages() always; vmpressure() in
 * the 7.2 shape (with_order), the older one, or none (vmpressure < 0); the
 * lruvec tracepoint if lruvec.
 */
static struct btf *kernel_btf(int vmpressure, bool lruvec)
{
	static const char *const reclaim[] = { "memcg", "nr_pages", "gfp_mask",
					       "reclaim_options", "swappiness" };
	static const char *const vmp6[] = { "gfp", "order", "memcg", "tree",
					    "scanned", "reclaimed" };
	static const char *const vmp5[] = { "gfp", "memcg", "tree", "scanned",
					    "reclaimed" };
	struct btf *b = btf__new_empty();
	int int_id;

	assert_non_null(b);
	int_id = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	assert_true(int_id > 0);
	add_func(b, int_id, "try_to_free_mem_cgroup_pages", reclaim, 5);
	if (vmpressure == 6)
		add_func(b, int_id, "vmpressure", vmp6, 6);
	else if (vmpressure == 5)
		add_func(b, int_id, "vmpressure", vmp5, 5);
	if (lruvec) {
		int e = btf__add_enum(b, "node_stat_item", 4);

		assert_true(e > 0);
		assert_int_equal(btf__add_enum_value(b, "PGSCAN_KSWAPD", 0), 0);
		assert_true(btf__add_typedef(b, "btf_trace_mod_memcg_lruvec_state",
					     int_id) > 0);
	}
	return b;
}

static void test_func_param(void **state)
{
	struct btf *b = kernel_btf(6, false);

	(void)state;
	assert_int_equal(prio_btf_func_param(b, "vmpressure", NULL), 6);
	assert_int_equal(prio_btf_func_param(b, "vmpressure", "order"), 1);
	assert_int_equal(prio_btf_func_param(b, "vmpressure", "memcg"), 2);
	assert_int_equal(prio_btf_func_param(b, "vmpressure", "nope"), -ENOENT);
	assert_int_equal(prio_btf_func_param(b, "nope", NULL), -ENOENT);
	assert_int_equal(prio_btf_func_param(b, "try_to_free_mem_cgroup_pages",
					     "reclaim_options"), 3);
	btf__free(b);
}

/* k->source after applying MEMCG_PRIO_SOURCE=want to a kernel with b. */
static int from_env(struct btf *b, const char *want, uint32_t *ret_source)
{
	struct prio_kernel k = { .vmlinux = b, .source = PRIO_NR_SOURCES };
	int r;

	if (want)
		setenv(PRIO_SOURCE_ENV, want, 1);
	else
		unsetenv(PRIO_SOURCE_ENV);
	err[0] = '\0';
	r = prio_kernel_source_from_env(&k, err, sizeof(err));
	*ret_source = k.source;
	return r;
}

static void test_env_picks_a_shape(void **state)
{
	struct btf *new = kernel_btf(6, true), *old = kernel_btf(5, false);
	uint32_t s;

	(void)state;
	assert_int_equal(from_env(new, "vmpressure", &s), 0);
	assert_int_equal(s, PRIO_SOURCE_VMPRESSURE);
	assert_int_equal(from_env(old, "vmpressure", &s), 0);
	assert_int_equal(s, PRIO_SOURCE_VMPRESSURE_NOORDER);
	assert_int_equal(from_env(new, "lruvec-stat", &s), 0);
	assert_int_equal(s, PRIO_SOURCE_LRUVEC);
	/* Unset or empty: the probed source stays. */
	assert_int_equal(from_env(new, NULL, &s), 0);
	assert_int_equal(s, PRIO_NR_SOURCES);
	assert_int_equal(from_env(new, "", &s), 0);
	assert_int_equal(s, PRIO_NR_SOURCES);
	btf__free(new);
	btf__free(old);
}

static void test_env_refuses(void **state)
{
	struct btf *b = kernel_btf(-1, false), *v = kernel_btf(6, false);
	uint32_t s;

	(void)state;
	assert_int_equal(from_env(b, "vmpressure", &s), -EOPNOTSUPP);
	assert_string_equal(err, "MEMCG_PRIO_SOURCE=vmpressure: the running "
			    "kernel does not offer it");
	assert_int_equal(from_env(v, "lruvec-stat", &s), -EOPNOTSUPP);
	assert_int_equal(from_env(v, "vm-events", &s), -EOPNOTSUPP);
	assert_int_equal(from_env(v, "tracepoint", &s), -EOPNOTSUPP);
	assert_string_equal(err, "MEMCG_PRIO_SOURCE=tracepoint: no such source "
			    "(vmpressure, lruvec-stat or vm-events)");
	assert_int_equal(s, PRIO_NR_SOURCES);
	btf__free(b);
	btf__free(v);
}

/* The test-only silent source: by name only, with lruvec-stat behind it. */
static void test_env_test_silent(void **state)
{
	struct btf *b = kernel_btf(6, true), *v = kernel_btf(6, false);
	struct prio_kernel k = { .vmlinux = b, .source = PRIO_NR_SOURCES };

	(void)state;
	setenv(PRIO_SOURCE_ENV, "test-silent", 1);
	assert_int_equal(prio_kernel_source_from_env(&k, err, sizeof(err)), 0);
	assert_int_equal(k.source, PRIO_SOURCE_TEST_SILENT);
	assert_int_equal(k.fallback, PRIO_SOURCE_LRUVEC);
	setenv(PRIO_SOURCE_ENV, "vmpressure", 1);
	assert_int_equal(prio_kernel_source_from_env(&k, err, sizeof(err)), 0);
	assert_int_equal(k.fallback, PRIO_SOURCE_LRUVEC);
	/* Without the tracepoint: no fallback. */
	k = (struct prio_kernel){ .vmlinux = v, .source = PRIO_NR_SOURCES };
	assert_int_equal(prio_kernel_source_from_env(&k, err, sizeof(err)), 0);
	assert_int_equal(k.source, PRIO_SOURCE_VMPRESSURE);
	assert_int_equal(k.fallback, PRIO_NR_SOURCES);
	/* lruvec-stat has none after it here either. */
	k = (struct prio_kernel){ .vmlinux = b, .source = PRIO_NR_SOURCES };
	setenv(PRIO_SOURCE_ENV, "lruvec-stat", 1);
	assert_int_equal(prio_kernel_source_from_env(&k, err, sizeof(err)), 0);
	assert_int_equal(k.fallback, PRIO_NR_SOURCES);
	unsetenv(PRIO_SOURCE_ENV);
	assert_string_equal(prio_source_name(PRIO_SOURCE_TEST_SILENT),
			    "test-silent");
	btf__free(b);
	btf__free(v);
}

/* The shrink probes: the fallback before the tracepoint, never the source
 * in use, not even by name. */
static void test_shrink_fallback(void **state)
{
	struct btf *b = shrink_btf(6, true), *n = shrink_btf(-1, true);
	struct prio_kernel k = { .vmlinux = b, .source = PRIO_NR_SOURCES };
	uint32_t s;

	(void)state;
	setenv(PRIO_SOURCE_ENV, "vmpressure", 1);
	assert_int_equal(prio_kernel_source_from_env(&k, err, sizeof(err)), 0);
	assert_int_equal(k.source, PRIO_SOURCE_VMPRESSURE);
	assert_int_equal(k.fallback, PRIO_SOURCE_SHRINK);
	setenv(PRIO_SOURCE_ENV, "test-silent", 1);
	assert_int_equal(prio_kernel_source_from_env(&k, err, sizeof(err)), 0);
	assert_int_equal(k.fallback, PRIO_SOURCE_SHRINK);
	/* After the tracepoint source, none: shrink comes before it. */
	setenv(PRIO_SOURCE_ENV, "lruvec-stat", 1);
	assert_int_equal(prio_kernel_source_from_env(&k, err, sizeof(err)), 0);
	assert_int_equal(k.fallback, PRIO_NR_SOURCES);
	assert_int_equal(from_env(b, "shrink", &s), -EOPNOTSUPP);
	assert_string_equal(err, "MEMCG_PRIO_SOURCE=shrink: it is only ever "
			    "the fallback");
	/* Without vmpressure(): the tracepoint is the source, not shrink. */
	assert_int_equal(from_env(n, "lruvec-stat", &s), 0);
	assert_int_equal(s, PRIO_SOURCE_LRUVEC);
	unsetenv(PRIO_SOURCE_ENV);
	assert_string_equal(prio_source_name(PRIO_SOURCE_SHRINK), "shrink");
	btf__free(b);
	btf__free(n);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(prio_source_name(PRIO_SOURCE_VMPRESSURE), "vmpressure");
	assert_string_equal(prio_source_name(PRIO_SOURCE_LRUVEC), "lruvec-stat");
	assert_string_equal(prio_source_hook(PRIO_SOURCE_LRUVEC),
			    "tracepoint memcg:mod_memcg_lruvec_state");
	assert_string_equal(prio_source_name(PRIO_NR_SOURCES), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_func_param),
		cmocka_unit_test(test_env_picks_a_shape),
		cmocka_unit_test(test_env_refuses),
		cmocka_unit_test(test_env_test_silent),
		cmocka_unit_test(test_shrink_fallback),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-test.h"

char *read_text(const char *dir, const char *name)
{
	char path[PRIO_PATH_MAX];
	char *buf = NULL;
	size_t size = 0;
	FILE *f, *mem;
	int ch;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	mem = open_memstream(&buf, &size);
	assert_non_null(mem);
	while ((ch = getc(f)) != EOF)
		fputc(ch, mem);
	fclose(f);
	fclose(mem);
	return buf;
}

int load_bytes(const void *text, size_t len, const char *name,
	       struct prio_config *ret_config, char *err, size_t errlen)
{
	FILE *f = tmpfile();
	int r;

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	rewind(f);
	r = prio_config_load_stream(f, name, ret_config, err, errlen);
	fclose(f);
	return r;
}

int load_text(const char *text, struct prio_config *ret_config,
	      char *err, size_t errlen)
{
	return load_bytes(text, strlen(text), "t.ini", ret_config, err, errlen);
}

char *dump_text(const struct prio_config *c)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&buf, &size);

	assert_non_null(mem);
	assert_int_equal(prio_config_dump(c, mem), 0);
	fclose(mem);
	return buf;
}

/* Every key, not the name, path or line. */
void assert_group_keys_equal(const struct prio_conf_group *a,
			     const struct prio_conf_group *b)
{
	assert_int_equal(a->priority, b->priority);
	assert_int_equal(a->pressure_level, b->pressure_level);
	assert_int_equal(a->window_pages, b->window_pages);
	assert_int_equal(a->scan_threshold_pages, b->scan_threshold_pages);
	assert_int_equal(a->window_ms, b->window_ms);
	assert_int_equal(a->hold_ms, b->hold_ms);
	assert_int_equal(a->hold_doublings, b->hold_doublings);
	assert_int_equal(a->penalty_pages, b->penalty_pages);
	assert_int_equal(a->penalty_max_pages, b->penalty_max_pages);
	assert_int_equal(a->penalty_scaling, b->penalty_scaling);
	assert_int_equal(a->throttle_max_ms, b->throttle_max_ms);
	assert_int_equal(a->throttle_max_share, b->throttle_max_share);
	assert_int_equal(a->throttle_window_ms, b->throttle_window_ms);
	assert_int_equal(a->relief_ms, b->relief_ms);
}

/* The whole model, apart from the line numbers. */
void assert_config_equal(const struct prio_config *a,
			 const struct prio_config *b)
{
	assert_string_equal(a->file, b->file);
	assert_string_equal(a->cgroup_root, b->cgroup_root);
	assert_string_equal(a->pin_path, b->pin_path);
	assert_int_equal(a->create_cgroups, b->create_cgroups);
	assert_int_equal(a->mode, b->mode);
	assert_int_equal(a->n_groups, b->n_groups);
	for (uint32_t i = 0; i < a->n_groups; i++) {
		assert_string_equal(a->groups[i].name, b->groups[i].name);
		assert_string_equal(a->groups[i].path, b->groups[i].path);
		assert_group_keys_equal(&a->groups[i], &b->groups[i]);
	}
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Internal to conf/: the one table that defines priority.ini, and the
 * helpers the parser, validator, dumper and man page writer share.
 */
#ifndef MEMCG_PRIO_SCHEMA_H
#define MEMCG_PRIO_SCHEMA_H

#include "priority.h"

/* Longest line accepted, '\n' excluded: inih r55 splits longer ones. */
#define PRIO_LINE_MAX 199

enum prio_section {
	PRIO_SECTION_GLOBAL,		/* [global] */
	PRIO_SECTION_GROUP,		/* [group.NAME] */
};

enum prio_type {
	PRIO_TYPE_BOOL,
	PRIO_TYPE_U32,			/* decimal, min..max */
	PRIO_TYPE_PRIORITY,		/* high, low or min..max */
	PRIO_TYPE_ENUM,			/* one of names[], stored as its
					 * index in an enum field */
	PRIO_TYPE_ABS_PATH,		/* absolute, normalised when parsed */
	PRIO_TYPE_CGROUP_PATH,		/* normalised when parsed, made
					 * relative to cgroup_root when
					 * validated */
};

/* Index of each key in prio_schema[], in the order the table lists them. */
enum prio_key_id {
	PRIO_KEY_CGROUP_ROOT,
	PRIO_KEY_PIN_PATH,
	PRIO_KEY_CREATE_CGROUPS,
	PRIO_KEY_MODE,
	PRIO_KEY_OOM,
	PRIO_KEY_PATH,
	PRIO_KEY_PRIORITY,
	PRIO_KEY_PRESSURE_LEVEL,
	PRIO_KEY_WINDOW_PAGES,
	PRIO_KEY_SCAN_THRESHOLD_PAGES,
	PRIO_KEY_WINDOW_MS,
	PRIO_KEY_HOLD_MS,
	PRIO_KEY_HOLD_DOUBLINGS,
	PRIO_KEY_PENALTY_PAGES,
	PRIO_KEY_PENALTY_MAX_PAGES,
	PRIO_KEY_PENALTY_SCALING,
	PRIO_KEY_THROTTLE_MAX_MS,
	PRIO_KEY_THROTTLE_MAX_SHARE,
	PRIO_KEY_THROTTLE_WINDOW_MS,
	PRIO_KEY_RELIEF_MS,
	PRIO_KEY_OOM_KILL,
	PRIO_KEY_OOM_GROUP,
	PRIO_KEY_OOMD_PREFERENCE,
	PRIO_KEY_N,
};

struct prio_key {
	enum prio_section section;
	const char *name;
	enum prio_type type;
	const char *def;		/* default, in file syntax; NULL: required */
	uint32_t min, max;		/* PRIO_TYPE_U32, PRIO_TYPE_PRIORITY */
	const char *const *names;	/* PRIO_TYPE_ENUM: NULL-terminated */
	size_t offset;			/* in struct prio_config or
					 * prio_conf_group */
	size_t size;			/* of the field, in bytes */
	const char *doc;		/* one or more sentences, plain text */
};

extern const struct prio_key prio_schema[PRIO_KEY_N];

/* The key of that section and name, NULL if there is none. */
const struct prio_key *prio_schema_find(enum prio_section s, const char *name);

/*
 * Parse value into the field of k in base (a struct prio_config for global
 * keys, a struct prio_conf_group for group keys). On -EINVAL writes the reason
 * to msg, starting with the key name: "window_pages '7' is not ...".
 */
int prio_key_parse(const struct prio_key *k, void *base, const char *value,
		   char *msg, size_t msglen);

/* Format the field of k in base as the file would spell it. */
void prio_key_format(const struct prio_key *k, const void *base,
		     char *buf, size_t len);

/* Set every key of section s that has a default. */
void prio_schema_set_defaults(enum prio_section s, void *base);

/*
 * Normalise a path: collapse repeated '/', drop "." components and any
 * trailing '/'. Absolute stays absolute ("/" for the root), relative stays
 * relative ("" for "." or "./"). -EINVAL if a component is "..",
 * -ENAMETOOLONG if out is too small.
 */
int prio_path_normalise(const char *in, char *out, size_t outlen);

/*
 * Lines where the parser saw each key (0: not set), for validation
 * messages.
 */
struct prio_lines {
	unsigned int last;		/* lines read in total */
	unsigned int global[PRIO_KEY_N];
	unsigned int group[PRIO_MAX_GROUPS][PRIO_KEY_N];
};

/*
 * Check what no single line can: required keys, values that depend on each
 * other, paths against cgroup_root, duplicate paths, at least two
 * priorities. Turns group paths relative to cgroup_root.
 */
int prio_config_validate(struct prio_config *c, const struct prio_lines *lines,
			 char *err, size_t errlen);

/* Write "FILE:LINE: " + fmt to err (if any) and return -EINVAL. */
int prio_error(char *err, size_t errlen, const char *file, unsigned int line,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif

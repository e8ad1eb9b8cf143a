// SPDX-License-Identifier: GPL-2.0-only
/*
 * The priority.ini schema: every section, key, type, default, range and doc
 * string, once. Parsing, defaults, validation, the config dump and the man
 * page all read this table.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "schema.h"

#define FIELD(type, field) .offset = offsetof(type, field), \
	.size = sizeof(((type *)0)->field)
#define GLOBAL(field) PRIO_SECTION_GLOBAL, #field, \
	FIELD(struct prio_config, field)
#define GROUP(field) PRIO_SECTION_GROUP, #field, \
	FIELD(struct prio_conf_group, field)

static const char *const level_names[] = {
	[PRIO_LEVEL_LOW] = "low",
	[PRIO_LEVEL_MEDIUM] = "medium",
	[PRIO_LEVEL_CRITICAL] = "critical",
	NULL,
};

static const char *const mode_names[] = {
	[PRIO_MODE_AUTO] = "auto",
	[PRIO_MODE_HOOK] = "hook",
	[PRIO_MODE_MEMORY_HIGH] = "memory.high",
	NULL,
};

static const char *const oom_names[] = {
	[PRIO_OOM_PRIORITY] = "priority",
	[PRIO_OOM_KERNEL] = "kernel",
	NULL,
};

static const char *const oom_group_names[] = {
	[PRIO_OOM_GROUP_AUTO] = "auto",
	[PRIO_OOM_GROUP_YES] = "yes",
	[PRIO_OOM_GROUP_NO] = "no",
	NULL,
};

static const char *const oomd_pref_names[] = {
	[PRIO_OOMD_NONE] = "none",
	[PRIO_OOMD_AVOID] = "avoid",
	[PRIO_OOMD_OMIT] = "omit",
	NULL,
};

const struct prio_key prio_schema[PRIO_KEY_N] = {
	[PRIO_KEY_CGROUP_ROOT] = { GLOBAL(cgroup_root),
		.type = PRIO_TYPE_ABS_PATH, .def = "/sys/fs/cgroup",
		.doc = "Mount point of the cgroup2 file system." },
	[PRIO_KEY_PIN_PATH] = { GLOBAL(pin_path),
		.type = PRIO_TYPE_ABS_PATH, .def = "/sys/fs/bpf/memcg-prio",
		.doc = "Directory in bpffs where the BPF links and maps are "
		       "pinned." },
	[PRIO_KEY_CREATE_CGROUPS] = { GLOBAL(create_cgroups),
		.type = PRIO_TYPE_BOOL, .def = "false",
		.doc = "Create the cgroup of a group if it does not exist; "
		       "removed again if the attach fails." },
	[PRIO_KEY_MODE] = { GLOBAL(mode),
		.type = PRIO_TYPE_ENUM, .names = mode_names, .def = "auto",
		.doc = "How lower groups are throttled. \"hook\": the kernel "
		       "asks the policy through memcg_bpf_ops (a kernel with "
		       "the patches in kernel/); memcg-prio --attach loads it "
		       "and exits. \"memory.high\": on any kernel, memcg-prio "
		       "--foreground lowers the memory.high of a lower group "
		       "below its usage while a higher group is pressed, and "
		       "restores it when not, on exit and after a crash (the "
		       "next run or --detach); meanwhile it raises the pressed "
		       "group's memory.low to its usage and has the lower "
		       "group give back through memory.reclaim what the "
		       "pressed group lacks. \"auto\": hook if the running "
		       "kernel has it, else memory.high." },
	[PRIO_KEY_OOM] = { GLOBAL(oom),
		.type = PRIO_TYPE_ENUM, .names = oom_names, .def = "priority",
		.doc = "Who picks the victim of an OOM (at a memory.max, or "
		       "global). \"priority\": the lowest-priority group in "
		       "the OOM's domain that holds memory worth killing. On a "
		       "kernel with the OOM hook (bpf_oom_ops, the patches in "
		       "kernel/) memcg-prio --foreground attaches a BPF policy "
		       "to the root cgroup that chooses: the process with the "
		       "largest RSS in the lowest group inside the domain that "
		       "may be killed (oom_kill) and holds more than 4 MiB; if "
		       "there is none, the kernel chooses as always. On other "
		       "kernels memcg-prio --foreground can only steer the "
		       "kernel's choice: it keeps the oom_score_adj of the "
		       "groups' tasks in bands, the lowest priority highest "
		       "(1000) and the highest 0, and the kernel still "
		       "chooses; memcg-prio(8) says exactly what each "
		       "guarantees, and --check which one is used. "
		       "\"kernel\": memcg-prio leaves OOM alone (no hook, no "
		       "oom_score_adj, no memory.oom.group, no xattrs); it "
		       "still counts the kills." },
	[PRIO_KEY_PATH] = { GROUP(path),
		.type = PRIO_TYPE_CGROUP_PATH,
		.doc = "The group's cgroup, relative to cgroup_root. An "
		       "absolute path that starts with cgroup_root names the "
		       "same cgroup; any other absolute path is also taken "
		       "relative to cgroup_root. \"..\" is not allowed. The "
		       "group covers its whole subtree, except where a group "
		       "with a longer path takes over. The limits (memory.max, "
		       "memory.high) of a cgroup whose subtree holds such a "
		       "nested group are shared with it: reclaim for them "
		       "presses the outer group, and throttles the nested "
		       "group if its priority is lower. No two groups may have "
		       "the same path." },
	[PRIO_KEY_PRIORITY] = { GROUP(priority),
		.type = PRIO_TYPE_PRIORITY,
		.min = PRIO_PRIORITY_LOW, .max = PRIO_PRIORITY_HIGH,
		.doc = "Bigger is more important; high is 100, low is 0. A "
		       "group is throttled while a group of strictly higher "
		       "priority is under pressure. At least two priorities "
		       "must occur." },
	[PRIO_KEY_PRESSURE_LEVEL] = { GROUP(pressure_level),
		.type = PRIO_TYPE_ENUM, .names = level_names, .def = "medium",
		.doc = "vmpressure level at which this group is under "
		       "pressure: the share of scanned pages that reclaim "
		       "could not free reaches 0 % (low), 60 % (medium) or "
		       "95 % (critical) in a window. A group that thrashes "
		       "(refaults window_pages pages that reclaim took "
		       "within a second) is under pressure at level critical "
		       "where its charges reclaim, whatever the level." },
	[PRIO_KEY_WINDOW_PAGES] = { GROUP(window_pages),
		.type = PRIO_TYPE_U32, .def = "512", .min = 32, .max = 1048576,
		.doc = "Scanned pages per vmpressure window." },
	[PRIO_KEY_SCAN_THRESHOLD_PAGES] = { GROUP(scan_threshold_pages),
		.type = PRIO_TYPE_U32, .def = "0", .min = 0, .max = 1073741824,
		.doc = "Expert raw mode: if not 0, the group is under pressure "
		       "when this many pages are scanned within window_ms, "
		       "whatever pressure_level says. 0 turns raw mode off." },
	[PRIO_KEY_WINDOW_MS] = { GROUP(window_ms),
		.type = PRIO_TYPE_U32, .def = "1000", .min = 10, .max = 60000,
		.doc = "Window of raw mode, in milliseconds." },
	[PRIO_KEY_HOLD_MS] = { GROUP(hold_ms),
		.type = PRIO_TYPE_U32, .def = "1000", .min = 0, .max = 600000,
		.doc = "Pressure stays on this many milliseconds after the "
		       "last window under pressure. A pressure that starts "
		       "again within the hold it had after it ended holds "
		       "twice as long (see hold_doublings)." },
	[PRIO_KEY_HOLD_DOUBLINGS] = { GROUP(hold_doublings),
		.type = PRIO_TYPE_U32, .def = "3", .min = 0,
		.max = PRIO_HOLD_DOUBLINGS_MAX,
		.doc = "How many times the hold may double while the pressure "
		       "keeps coming back within it: the lower groups stay "
		       "yielded up to hold_ms times 2 to this power after the "
		       "last window under pressure. 0 keeps the hold at "
		       "hold_ms, and a lower group may take back memory the "
		       "moment a pressure ends." },
	[PRIO_KEY_PENALTY_PAGES] = { GROUP(penalty_pages),
		.type = PRIO_TYPE_U32, .def = "1024", .min = 1, .max = 1048576,
		.doc = "Pages reported over memory.high for this group while "
		       "it is throttled. At most penalty_max_pages." },
	[PRIO_KEY_PENALTY_MAX_PAGES] = { GROUP(penalty_max_pages),
		.type = PRIO_TYPE_U32, .def = "16384", .min = 1, .max = 1048576,
		.doc = "Ceiling of a scaled penalty. At least penalty_pages." },
	[PRIO_KEY_PENALTY_SCALING] = { GROUP(penalty_scaling),
		.type = PRIO_TYPE_BOOL, .def = "false",
		.doc = "Scale the penalty by how hard the group under pressure "
		       "is pressed, up to penalty_max_pages." },
	[PRIO_KEY_THROTTLE_MAX_MS] = { GROUP(throttle_max_ms),
		.type = PRIO_TYPE_U32, .def = "30000", .min = 100,
		.max = 3600000,
		.doc = "No starvation: throttling of this group that lasts this "
		       "many milliseconds without a break (gaps of up to 3 s, "
		       "longer than a throttled task's longest sleep, do not "
		       "count) ends in relief_ms of relief, however long the "
		       "pressure above lasts." },
	[PRIO_KEY_THROTTLE_MAX_SHARE] = { GROUP(throttle_max_share),
		.type = PRIO_TYPE_U32, .def = "90", .min = 1, .max = 100,
		.doc = "No starvation: once this group has been throttled for "
		       "this percentage of a throttle_window_ms window, it gets "
		       "relief_ms of relief. 100 turns this bound off." },
	[PRIO_KEY_THROTTLE_WINDOW_MS] = { GROUP(throttle_window_ms),
		.type = PRIO_TYPE_U32, .def = "60000", .min = 100,
		.max = 3600000,
		.doc = "The window of throttle_max_share, in milliseconds; a "
		       "new one starts when it is over." },
	[PRIO_KEY_RELIEF_MS] = { GROUP(relief_ms),
		.type = PRIO_TYPE_U32, .def = "5000", .min = 100,
		.max = 3600000,
		.doc = "How long a group is not throttled after it hit "
		       "throttle_max_ms or throttle_max_share." },
	[PRIO_KEY_OOM_KILL] = { GROUP(oom_kill),
		.type = PRIO_TYPE_BOOL, .def = "true",
		.doc = "Whether an OOM may kill this group's tasks. With the "
		       "OOM hook, \"false\" makes the hook pass the group "
		       "over; if no other group in the domain has a task to "
		       "kill, the kernel's own killer chooses, and may choose "
		       "here. Without the hook, \"false\" puts the tasks "
		       "below every band (oom_score_adj -999): the "
		       "kernel picks one of them only if every other task in "
		       "the OOM's domain is unkillable or smaller by more than "
		       "999/1000 of the domain's memory. Never -1000, which would leave an "
		       "OOM with nothing to kill and hang the domain's "
		       "tasks. Tasks whose oom_score_adj someone else set are "
		       "never changed." },
	[PRIO_KEY_OOM_GROUP] = { GROUP(oom_group),
		.type = PRIO_TYPE_ENUM, .names = oom_group_names, .def = "auto",
		.doc = "Whether the group dies as a whole when one of its "
		       "tasks is chosen. \"auto\": as the cgroup's "
		       "memory.oom.group says, untouched. \"yes\" and "
		       "\"no\": memcg-prio --foreground writes 1 or 0 to the "
		       "group's memory.oom.group and restores the value it "
		       "found on exit (or the next run, or --detach, after a "
		       "crash). The kernel kills as a whole from the highest "
		       "cgroup with memory.oom.group set, up to the OOM's "
		       "domain, also when the OOM hook chose the task." },
	[PRIO_KEY_OOMD_PREFERENCE] = { GROUP(oomd_preference),
		.type = PRIO_TYPE_ENUM, .names = oomd_pref_names, .def = "none",
		.doc = "What systemd-oomd is told about this group: \"avoid\" "
		       "or \"omit\" set the extended attribute user.oomd_avoid "
		       "or user.oomd_omit to \"1\" on the group's cgroup "
		       "while memcg-prio --foreground runs, and remove it "
		       "afterwards; an attribute that was there before, or "
		       "that someone else changed, is left as it is. "
		       "systemd-oomd honours these only for cgroups owned by "
		       "root, as those of memcg-prio are. \"none\": no "
		       "attribute is set." },
};

/* The name of value v of an enum whose names are listed in names. */
static const char *enum_name(const char *const *names, unsigned int v)
{
	for (unsigned int i = 0; names[i]; i++)
		if (i == v)
			return names[i];
	return NULL;
}

/* The index of s (case-insensitive) in names: 0 or -EINVAL. */
static int enum_parse(const char *const *names, const char *s,
		      unsigned int *ret)
{
	for (unsigned int i = 0; names[i]; i++) {
		if (strcasecmp(s, names[i]) == 0) {
			*ret = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *prio_level_to_string(enum prio_level l)
{
	return enum_name(level_names, l);
}

int prio_level_from_string(const char *s, enum prio_level *ret)
{
	unsigned int v;

	if (enum_parse(level_names, s, &v) < 0)
		return -EINVAL;
	*ret = (enum prio_level)v;
	return 0;
}

const char *prio_mode_to_string(enum prio_mode m)
{
	return enum_name(mode_names, m);
}

const char *prio_oom_to_string(enum prio_oom o)
{
	return enum_name(oom_names, o);
}

const char *prio_oom_group_to_string(enum prio_oom_group o)
{
	return enum_name(oom_group_names, o);
}

const char *prio_oomd_pref_to_string(enum prio_oomd_pref p)
{
	return enum_name(oomd_pref_names, p);
}

/* "a, b or c" of names, into buf. */
static void enum_list(const char *const *names, char *buf, size_t len)
{
	size_t n = 0, used = 0;

	while (names[n])
		n++;
	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 i == 0 ? "" : i + 1 == n ? " or " : ", ",
					 names[i]);
}

const struct prio_key *prio_schema_find(enum prio_section s, const char *name)
{
	for (unsigned int i = 0; i < PRIO_KEY_N; i++) {
		if (prio_schema[i].section == s &&
		    strcmp(prio_schema[i].name, name) == 0)
			return &prio_schema[i];
	}
	return NULL;
}

/* Plain decimal digits only: no sign, no blanks, no hex. */
static int parse_u32(const char *s, uint32_t *ret)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -ERANGE;
	}
	*ret = (uint32_t)v;
	return 0;
}

static int parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = { "true", "yes", "1" };
	static const char *const no[] = { "false", "no", "0" };

	for (unsigned int i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_u32_range(const struct prio_key *k, const char *value,
			   uint32_t *ret)
{
	uint32_t v;

	if (parse_u32(value, &v) < 0 || v < k->min || v > k->max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int parse_priority(const struct prio_key *k, const char *value,
			  uint32_t *ret)
{
	if (strcasecmp(value, "high") == 0) {
		*ret = PRIO_PRIORITY_HIGH;
		return 0;
	}
	if (strcasecmp(value, "low") == 0) {
		*ret = PRIO_PRIORITY_LOW;
		return 0;
	}
	return parse_u32_range(k, value, ret);
}

static int parse_path(const struct prio_key *k, const char *value, char *field,
		      char *msg, size_t msglen)
{
	int r;

	if (!*value) {
		snprintf(msg, msglen, "%s is empty", k->name);
		return -EINVAL;
	}
	if (k->type == PRIO_TYPE_ABS_PATH && value[0] != '/') {
		snprintf(msg, msglen, "%s '%s' is not an absolute path",
			 k->name, value);
		return -EINVAL;
	}
	r = prio_path_normalise(value, field, k->size);
	if (r == -EINVAL)
		snprintf(msg, msglen, "%s '%s' contains a '..' component",
			 k->name, value);
	else if (r < 0)
		snprintf(msg, msglen, "%s '%s' is too long", k->name, value);
	return r < 0 ? -EINVAL : 0;
}

int prio_key_parse(const struct prio_key *k, void *base, const char *value,
		   char *msg, size_t msglen)
{
	void *field = (char *)base + k->offset;
	char list[128];

	switch (k->type) {
	case PRIO_TYPE_BOOL:
		if (parse_bool(value, field) == 0)
			return 0;
		snprintf(msg, msglen, "%s '%s' is not a boolean "
			 "(true, false, yes, no, 1 or 0)", k->name, value);
		return -EINVAL;
	case PRIO_TYPE_U32:
		if (parse_u32_range(k, value, field) == 0)
			return 0;
		snprintf(msg, msglen, "%s '%s' is not an integer %u..%u",
			 k->name, value, k->min, k->max);
		return -EINVAL;
	case PRIO_TYPE_PRIORITY:
		if (parse_priority(k, value, field) == 0)
			return 0;
		snprintf(msg, msglen, "%s '%s' is not high, low or an "
			 "integer %u..%u", k->name, value, k->min, k->max);
		return -EINVAL;
	case PRIO_TYPE_ENUM:
		if (enum_parse(k->names, value, field) == 0)
			return 0;
		enum_list(k->names, list, sizeof(list));
		snprintf(msg, msglen, "%s '%s' is not %s", k->name, value, list);
		return -EINVAL;
	case PRIO_TYPE_ABS_PATH:
	case PRIO_TYPE_CGROUP_PATH:
		return parse_path(k, value, field, msg, msglen);
	}
	snprintf(msg, msglen, "%s has no parser", k->name);
	return -EINVAL;
}

void prio_key_format(const struct prio_key *k, const void *base,
		     char *buf, size_t len)
{
	const void *field = (const char *)base + k->offset;
	const char *path = field, *name;

	switch (k->type) {
	case PRIO_TYPE_BOOL:
		snprintf(buf, len, "%s", *(const bool *)field ? "true" : "false");
		break;
	case PRIO_TYPE_U32:
	case PRIO_TYPE_PRIORITY:
		snprintf(buf, len, "%u", *(const uint32_t *)field);
		break;
	case PRIO_TYPE_ENUM:
		name = enum_name(k->names, *(const unsigned int *)field);
		snprintf(buf, len, "%s", name ? name : "invalid");
		break;
	case PRIO_TYPE_ABS_PATH:
	case PRIO_TYPE_CGROUP_PATH:
		/* A group at cgroup_root itself has path "": spell it "/". */
		snprintf(buf, len, "%s", *path ? path : "/");
		break;
	}
}

void prio_schema_set_defaults(enum prio_section s, void *base)
{
	char msg[256];

	for (unsigned int i = 0; i < PRIO_KEY_N; i++) {
		const struct prio_key *k = &prio_schema[i];

		/* Defaults are constants of this table, checked by the unit
		 * tests; they cannot fail to parse. */
		if (k->section == s && k->def)
			(void)prio_key_parse(k, base, k->def, msg, sizeof(msg));
	}
}

void prio_config_defaults(struct prio_config *c)
{
	memset(c, 0, sizeof(*c));
	prio_schema_set_defaults(PRIO_SECTION_GLOBAL, c);
}

void prio_group_defaults(struct prio_conf_group *g)
{
	memset(g, 0, sizeof(*g));
	prio_schema_set_defaults(PRIO_SECTION_GROUP, g);
}

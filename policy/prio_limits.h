/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The limits and enums that the config (conf/), the loader (loader/) and
 * the BPF policy (prio.bpf.c) share: their one home.  No includes, no
 * types: BPF programs and host code include it alike.
 */
#ifndef MEMCG_PRIO_POLICY_PRIO_LIMITS_H
#define MEMCG_PRIO_POLICY_PRIO_LIMITS_H

/* Groups in a config, entries in the policy's maps. */
#define PRIO_MAX_GROUPS		64

/* Characters in a group name, and its size with the NUL. */
#define PRIO_NAME_MAX		32
#define PRIO_NAME_LEN		(PRIO_NAME_MAX + 1)

/*
 * Bytes in a group's cgroup directory, absolute (cgroup_root/path), NUL
 * included: the policy's .rodata holds it for --status, and the config is
 * refused where a group's would be longer.
 */
#define PRIO_CGROUP_PATH_LEN	256

/* Bytes in the config's other paths (cgroup_root, pin_path, its own name). */
#define PRIO_PATH_MAX		4096

/* Most doublings of a pressure's hold: key hold_doublings, prio_hold_shift(). */
#define PRIO_HOLD_DOUBLINGS_MAX	6

/* vmpressure levels: reclaim inefficiency of at least 0 %, 60 %, 95 %. */
enum prio_level {
	PRIO_LEVEL_LOW,
	PRIO_LEVEL_MEDIUM,
	PRIO_LEVEL_CRITICAL,
};

#endif

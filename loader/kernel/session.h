// SPDX-License-Identifier: GPL-2.0-only
/*
 * One loaded instance of the BPF policy (policy/prio.bpf.c) and the links
 * this process made for it: load with the plan's groups in .rodata, attach
 * the programs that watch reclaim and the struct_ops links, pin.  Closing the session
 * closes its fds: whatever is not pinned is detached by the kernel then.
 */
#ifndef MEMCG_PRIO_LOADER_KERNEL_SESSION_H
#define MEMCG_PRIO_LOADER_KERNEL_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/pins.h"
#include "plan/plan.h"
#include "kernel/probe.h"

/*
 * The struct_ops variable of policy/prio.bpf.c: the skeleton's member, and
 * the map's name in the kernel (--detach tells memcg-prio's links from
 * others' by it).  A rename there fails to compile here.
 */
#define PRIO_OPS_MAP		prio_ops
#define PRIO_OPS_MAP_NAME	PRIO_STRINGIFY(PRIO_OPS_MAP)
#define PRIO_STRINGIFY(x)	PRIO_STRINGIFY_(x)
#define PRIO_STRINGIFY_(x)	#x

struct bpf_link;
struct bpf_map;
struct prio_bpf;

struct prio_session {
	struct prio_bpf *skel;
	const struct prio_kernel *kernel;
	const struct prio_config *config;
	const struct prio_plan *plan;
	enum prio_backend backend;
	struct bpf_link *watch_links[PRIO_NR_WATCH];	/* enum prio_watch */
	struct bpf_link *links[PRIO_MAX_GROUPS];	/* by plan index */
};

/*
 * Open and load the policy for plan p of config c (both must outlive the
 * session), fill its maps, and make its struct_ops ready to attach; with
 * backend PRIO_BACKEND_MEMORY_HIGH, without the struct_ops (the kernel may
 * have none).  0 or -errno with a message.  On failure the session is
 * closed.
 */
int prio_session_load(struct prio_session *s, const struct prio_kernel *k,
		      const struct prio_config *c, const struct prio_plan *p,
		      enum prio_backend backend, bool dry_run, char *err,
		      size_t errlen);

/* Attach the programs that watch reclaim.  0 or -errno with a message. */
int prio_session_attach_watch(struct prio_session *s, char *err, size_t errlen);

/* Attach the struct_ops link of plan group i.  0 or -errno, message
 * naming the group and its cgroup. */
int prio_session_attach_group(struct prio_session *s, uint32_t i, char *err,
			      size_t errlen);

/* The watching programs, then (with the hook) every group of the plan in
 * attach order. */
int prio_session_attach_all(struct prio_session *s, char *err, size_t errlen);

/* Pin the maps and the links made by this session into dir. */
int prio_session_pin(struct prio_session *s, const char *dir, char *err,
		     size_t errlen);

/* Pin only the maps: for --status of a session that keeps its links. */
int prio_session_pin_maps(struct prio_session *s, const char *dir, char *err,
			  size_t errlen);

/* The struct_ops map, for swapping the ops of older links. */
const struct bpf_map *prio_session_ops(const struct prio_session *s);

/*
 * Mode memory.high: tell the policy that memcg-prio has lowered the
 * memory.high of cgroup_id (lowered) or no longer has, so that reclaim
 * for it counts as the policy's own.  0 or -errno.
 */
int prio_session_set_lowered(const struct prio_session *s, uint64_t cgroup_id,
			     bool lowered);

/* Name of plan group i. */
const char *prio_session_group_name(const struct prio_session *s, uint32_t i);

/* Destroy the links and the object; NULL-safe, idempotent. */
void prio_session_close(struct prio_session *s);

#endif

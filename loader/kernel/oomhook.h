// SPDX-License-Identifier: GPL-2.0-only
/*
 * The OOM hook: the OOM policy (policy/oom.bpf.c) loaded, its maps filled
 * from the plan (plan/oomplan.h), attached to the root cgroup through a
 * bpf_oom_ops struct_ops link, and pinned at PIN_PATH-oom (pins.h) so that
 * --status can read it and a later run or --detach can remove what a
 * killed --foreground left.  All or nothing: when a step fails, what the
 * earlier ones made is undone.
 */
#ifndef MEMCG_PRIO_LOADER_KERNEL_OOMHOOK_H
#define MEMCG_PRIO_LOADER_KERNEL_OOMHOOK_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/probe.h"
#include "plan/plan.h"
#include "policy/oom.h"

struct bpf_link;
struct oom_bpf;

struct prio_oomhook {
	struct oom_bpf *skel;
	struct bpf_link *link;
	char pin_dir[PATH_MAX];		/* "" while nothing is pinned */
};

/* PIN_PATH-oom, the hook's pins, into buf.  0 or -ENAMETOOLONG. */
int prio_oomhook_pin_dir(const char *pin_path, char *buf, size_t len);

/*
 * Load the OOM policy for config c and plan p on kernel k (which must have
 * k->oom_abi), attach it to the root cgroup (c->cgroup_root) and pin it at
 * pin_dir (which must not exist).  0, or -errno with a message; then
 * nothing is attached or pinned.  prio_oomhook_stop() undoes it.
 */
int prio_oomhook_start(struct prio_oomhook *h, const struct prio_kernel *k,
		       const struct prio_config *c, const struct prio_plan *p,
		       const char *pin_dir, char *err, size_t errlen);

/* The policy's state now.  0 or -errno. */
int prio_oomhook_read(const struct prio_oomhook *h,
		      struct prio_oom_state *ret_state);

/* Detach, unpin, unload; NULL-safe and idempotent.  0, or -errno if the
 * pins could not be removed. */
int prio_oomhook_stop(struct prio_oomhook *h);

/*
 * The state of a hook pinned at pin_dir (another process's).  0, -ENOENT
 * if nothing is pinned there, or -errno.
 */
int prio_oomhook_read_pinned(const char *pin_dir,
			     struct prio_oom_state *ret_state);

/* The groups and the state of the hook pinned at pin_dir.  0, -ENOENT if
 * nothing is pinned there, or -errno. */
int prio_oomhook_read_pins(const char *pin_dir, struct prio_oom_config *ret_cfg,
			   struct prio_oom_state *ret_state);

/*
 * Add the state of the hook pinned at pin_dir to st (its groups matched by
 * cgroup id): oom_hook and the counters.  Nothing if none is pinned.
 */
struct prio_status;
void prio_oomhook_read_status(const char *pin_dir, struct prio_status *st);

/*
 * Detach the hook pinned at pin_dir (left by a memcg-prio that is gone)
 * and remove its pins.  The number of links detached (0 or 1), 0 if
 * nothing is pinned, or -errno.
 */
int prio_oomhook_remove_pinned(const char *pin_dir,
			       const struct prio_attach_abi *abi);

#endif

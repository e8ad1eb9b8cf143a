// SPDX-License-Identifier: GPL-2.0-only
/*
 * Replacing a running policy (pinned at pin_path) by a newly loaded one
 * without a moment in which a group that should be throttled is not, all
 * or nothing.  Its states, in order:
 *
 *	PLANNED    the running policy read from its pins and the way from it
 *	           to the new plan worked out (prio_plan_diff()): nothing
 *	           changed yet; --check stops here
 *	BUILT      the new session's watching programs and new links
 *	           attached, and every pin of the new policy made in
 *	           PIN_PATH-new, the kept links' too; the old policy runs
 *	           as before
 *	COMMITTED  the kept links run the new ops and the new pins are at
 *	           pin_path (exchanged atomically); PIN_PATH-new holds the
 *	           old pins
 *	DONE       the old links that are not kept detached, the old pins
 *	           removed
 *
 * prio_replace_free() in any state before COMMITTED aborts: it removes
 * what was built, and the old policy is left as it was.
 */
#ifndef MEMCG_PRIO_LOADER_KERNEL_REPLACE_H
#define MEMCG_PRIO_LOADER_KERNEL_REPLACE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "kernel/view.h"
#include "plan/plan.h"

struct prio_attach_abi;
struct prio_session;

enum prio_replace_state {
	PRIO_REPLACE_PLANNED,
	PRIO_REPLACE_BUILT,
	PRIO_REPLACE_COMMITTED,
	PRIO_REPLACE_DONE,
};

struct prio_replace {
	enum prio_replace_state state;
	const struct prio_attach_abi *abi;
	const char *pin_path;
	/* PIN_PATH-new: the new pins until the commit, the old ones after. */
	char side_dir[PATH_MAX];
	bool side_made;			/* build began: abort removes it */
	struct prio_view view;		/* the running policy */
	struct prio_group_cfg old[PRIO_MAX_GROUPS];	/* its live groups */
	struct prio_diff diff;
};

/*
 * PLANNED: read the policy pinned at pin_path and work out the way to plan
 * p of config c.  *ret is allocated; free it with prio_replace_free().  0,
 * or -errno with a message that says what to do instead.
 */
int prio_replace_plan(struct prio_replace **ret, const char *pin_path,
		      const struct prio_attach_abi *abi,
		      const struct prio_config *c, const struct prio_plan *p,
		      char *err, size_t errlen);

/* BUILT: with session s loaded for the same plan.  0 or -errno. */
int prio_replace_build(struct prio_replace *r, struct prio_session *s,
		       char *err, size_t errlen);

/* COMMITTED: swap the kept links' ops and the pins.  0 or -errno, and
 * then every kept link runs its old ops again. */
int prio_replace_commit(struct prio_replace *r, struct prio_session *s,
			char *err, size_t errlen);

/* DONE: detach the dropped links, remove the old pins; warns. */
void prio_replace_finish(struct prio_replace *r);

/* Abort unless COMMITTED, close the view, free r.  NULL-safe. */
void prio_replace_free(struct prio_replace *r);

#endif

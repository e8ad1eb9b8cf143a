// SPDX-License-Identifier: GPL-2.0-only
/* Replacing a running policy: see replace.h for the states. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kernel/ops_link.h"
#include "kernel/pins.h"
#include "kernel/replace.h"
#include "kernel/session.h"
#include "log.h"
#include "util.h"

int prio_replace_plan(struct prio_replace **ret, const char *pin_path,
		      const struct prio_attach_abi *abi,
		      const struct prio_config *c, const struct prio_plan *p,
		      char *err, size_t errlen)
{
	struct prio_replace *r = calloc(1, sizeof(*r));
	char why[PRIO_ERR_LEN];
	int e;

	*ret = NULL;
	if (!r)
		return prio_fail(err, errlen, -ENOMEM, "out of memory");
	r->abi = abi;
	r->pin_path = pin_path;
	e = prio_pins_sibling(pin_path, PRIO_PINS_NEW, r->side_dir,
			      sizeof(r->side_dir));
	if (e < 0) {
		free(r);
		return prio_fail(err, errlen, e, "pin path %s is too long",
				 pin_path);
	}
	e = prio_view_open_pins(&r->view, pin_path, why, sizeof(why));
	if (e < 0) {
		free(r);
		return prio_fail(err, errlen, e, "cannot replace the policy "
				 "pinned at %s: %s; run memcg-prio --detach "
				 "first", pin_path, why);
	}
	prio_view_live_groups(&r->view, abi, r->old);
	e = prio_plan_diff(r->old, r->view.n_groups, c, p, &r->diff, why,
			   sizeof(why));
	if (e < 0) {
		prio_view_close(&r->view);
		free(r);
		return prio_fail(err, errlen, e, "cannot replace the running "
				 "policy: %s; run memcg-prio --detach, then "
				 "--attach", why);
	}
	r->state = PRIO_REPLACE_PLANNED;
	*ret = r;
	return 0;
}

/* The fd of the old link of kept link j. */
static int kept_fd(const struct prio_replace *r, uint32_t j)
{
	return r->view.link_fd[r->diff.keep_old[j]];
}

/* Is the link behind fd detached (its cgroup removed meanwhile)? */
static bool link_gone(const struct prio_replace *r, int fd)
{
	uint64_t cgroup_id = 0;
	uint32_t id, map_id = 0;

	return r->abi->link_info(fd, &id, &cgroup_id, &map_id) == 0 &&
	       (!cgroup_id || !map_id);
}

int prio_replace_build(struct prio_replace *r, struct prio_session *s,
		       char *err, size_t errlen)
{
	const struct prio_diff *d = &r->diff;
	char rel[64];
	int e;

	r->side_made = true;
	e = prio_pins_mkdir(r->side_dir, err, errlen);
	if (!e)
		e = prio_session_attach_watch(s, err, errlen);
	for (uint32_t j = 0; !e && j < d->n_add; j++)
		e = prio_session_attach_group(s, d->add[j], err, errlen);
	if (!e)
		e = prio_session_pin(s, r->side_dir, err, errlen);
	for (uint32_t j = 0; !e && j < d->n_keep; j++) {
		snprintf(rel, sizeof(rel), PRIO_PIN_GROUP "%s",
			 prio_session_group_name(s, d->keep_new[j]));
		e = prio_pin(r->side_dir, rel, kept_fd(r, j), err, errlen);
	}
	if (!e)
		r->state = PRIO_REPLACE_BUILT;
	return e;
}

/*
 * The struct_ops map the old links use, opened, or -errno.  Any kept link
 * that is still attached tells: a cgroup may go away at any moment.
 */
static int old_ops_fd(const struct prio_replace *r)
{
	uint64_t cgroup_id;
	uint32_t id, map_id;
	int fd;

	for (uint32_t j = 0; j < r->diff.n_keep; j++) {
		if (r->abi->link_info(kept_fd(r, j), &id, &cgroup_id,
				      &map_id) < 0 || !map_id)
			continue;
		fd = bpf_map_get_fd_by_id(map_id);
		if (fd >= 0)
			return fd;
	}
	return -ENOENT;
}

static bool all_kept_gone(const struct prio_replace *r)
{
	for (uint32_t j = 0; j < r->diff.n_keep; j++)
		if (!link_gone(r, kept_fd(r, j)))
			return false;
	return true;
}

/* Kept links 0..n-1 back to the old ops; a link gone meanwhile is fine. */
static void swap_back(const struct prio_replace *r, uint32_t n, int old_fd)
{
	for (uint32_t j = 0; j < n; j++)
		if (r->abi->update(kept_fd(r, j), old_fd) < 0 &&
		    !link_gone(r, kept_fd(r, j)))
			log_warn("group '%s': cannot swap its old ops back",
				 r->view.groups[r->diff.keep_old[j]].name);
}

/* Every kept link to the new ops.  A link whose cgroup was removed since
 * the plan has nothing to swap. */
static int swap_kept(struct prio_replace *r, int new_fd, int old_fd,
		     char *err, size_t errlen)
{
	uint32_t j;
	int e = 0;

	for (j = 0; j < r->diff.n_keep; j++) {
		e = r->abi->update(kept_fd(r, j), new_fd);
		if (e < 0 && link_gone(r, kept_fd(r, j)))
			e = 0;
		if (e < 0)
			break;
	}
	if (!e)
		return 0;
	prio_fail(err, errlen, e, "cannot swap the ops of group '%s': %s",
		  r->view.groups[r->diff.keep_old[j]].name, strerror(-e));
	swap_back(r, j, old_fd);
	return e;
}

int prio_replace_commit(struct prio_replace *r, struct prio_session *s,
			char *err, size_t errlen)
{
	int new_fd = bpf_map__fd(prio_session_ops(s)), old_fd, e;

	old_fd = old_ops_fd(r);
	/* No kept link still attached: nothing to swap, nor to swap back. */
	if (r->diff.n_keep && old_fd < 0 && !all_kept_gone(r))
		return prio_fail(err, errlen, old_fd, "cannot find the ops of "
				 "the running policy: %s", strerror(-old_fd));
	e = swap_kept(r, new_fd, old_fd, err, errlen);
	if (!e) {
		e = prio_pins_install(r->side_dir, r->pin_path, err, errlen);
		if (e < 0)
			swap_back(r, r->diff.n_keep, old_fd);
	}
	if (old_fd >= 0)
		close(old_fd);
	if (!e)
		r->state = PRIO_REPLACE_COMMITTED;
	return e;
}

void prio_replace_finish(struct prio_replace *r)
{
	for (uint32_t j = 0; j < r->diff.n_drop; j++) {
		uint32_t i = r->diff.drop[j];
		int e = r->abi->detach(r->view.link_fd[i]);

		if (e < 0)
			log_warn("group '%s': cannot detach its old link: %s",
				 r->view.groups[i].name, strerror(-e));
	}
	if (prio_pins_remove(r->side_dir) < 0)
		log_warn("cannot remove the old pins in %s: %s", r->side_dir,
			 strerror(errno));
	r->state = PRIO_REPLACE_DONE;
}

void prio_replace_free(struct prio_replace *r)
{
	if (!r)
		return;
	/* Not committed: the new pins (and with them the new links) go. */
	if (r->side_made && r->state < PRIO_REPLACE_COMMITTED)
		prio_pins_remove(r->side_dir);
	prio_view_close(&r->view);
	free(r);
}

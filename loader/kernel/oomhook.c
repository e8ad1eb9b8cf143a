// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kernel/oomhook.h"
#include "kernel/ops_link.h"
#include "kernel/pins.h"
#include "kernel/view.h"
#include "plan/oomplan.h"
#include "util.h"

#include "oom.skel.h"

int prio_oomhook_pin_dir(const char *pin_path, char *buf, size_t len)
{
	return prio_pins_sibling(pin_path, PRIO_PINS_OOM, buf, len);
}

/* The kill messages, in .rodata: set between open and load. */
static void fill_messages(struct oom_bpf *skel, const struct prio_config *c)
{
	for (uint32_t i = 0; i < c->n_groups && i < PRIO_MAX_GROUPS; i++)
		prio_oom_message(c->groups[i].name,
				 (char *)skel->rodata->oom_msgs[i],
				 sizeof(skel->rodata->oom_msgs[i]));
}

static int fill_maps(struct oom_bpf *skel, const struct prio_config *c,
		     const struct prio_plan *p, char *err, size_t errlen)
{
	struct prio_oom_config cfg;
	uint32_t zero = 0;

	prio_oom_plan(c, p, &cfg);
	if (bpf_map__update_elem(skel->maps.oom_config, &zero, sizeof(zero),
				 &cfg, sizeof(cfg), BPF_ANY) < 0)
		return prio_fail(err, errlen, -errno, "OOM hook: cannot fill "
				 "map oom_config: %s", strerror(errno));
	for (uint32_t i = 0; i < cfg.n_groups; i++) {
		const struct prio_oom_entry *g = &cfg.order[i];

		if (bpf_map__update_elem(skel->maps.oom_roots, &g->cgroup_id,
					 sizeof(g->cgroup_id), &g->index,
					 sizeof(g->index), BPF_ANY) < 0)
			return prio_fail(err, errlen, -errno, "OOM hook: cannot "
					 "fill map oom_roots: %s",
					 strerror(errno));
	}
	return 0;
}

static int attach_root(struct prio_oomhook *h, const struct prio_kernel *k,
		       const char *root, char *err, size_t errlen)
{
	int fd, e;

	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return prio_fail(err, errlen, -errno, "OOM hook: cannot open "
				 "the root cgroup %s: %s", root,
				 strerror(errno));
	h->link = k->oom_abi->attach(h->skel->maps.prio_oom_ops, fd, false);
	e = errno;
	close(fd);
	if (h->link)
		return 0;
	return prio_fail(err, errlen, -e, "OOM hook: cannot attach bpf_oom_ops "
			 "to the root cgroup %s: %s%s", root, strerror(e),
			 e == EBUSY ? " (another OOM policy is attached "
			 "there: see bpftool link show; or set oom = kernel)" :
			 "");
}

static int pin(struct prio_oomhook *h, const char *dir, char *err,
	       size_t errlen)
{
	int r;

	if (prio_pins_present(dir))
		return prio_fail(err, errlen, -EEXIST, "OOM hook: %s exists: "
				 "run memcg-prio --detach first", dir);
	r = prio_pins_mkdir(dir, err, errlen);
	if (!r)
		r = prio_pin(dir, PRIO_PIN_OOM_CONFIG,
			     bpf_map__fd(h->skel->maps.oom_config), err, errlen);
	if (!r)
		r = prio_pin(dir, PRIO_PIN_OOM_STATE,
			     bpf_map__fd(h->skel->maps.oom_state), err, errlen);
	if (!r)
		r = prio_pin(dir, PRIO_PIN_OOM_LINK, bpf_link__fd(h->link), err,
			     errlen);
	if (r < 0) {
		prio_pins_remove(dir);
		return r;
	}
	snprintf(h->pin_dir, sizeof(h->pin_dir), "%s", dir);
	return 0;
}

int prio_oomhook_start(struct prio_oomhook *h, const struct prio_kernel *k,
		       const struct prio_config *c, const struct prio_plan *p,
		       const char *pin_dir, char *err, size_t errlen)
{
	int r;

	memset(h, 0, sizeof(*h));
	if (!k->oom_abi)
		return prio_fail(err, errlen, -EOPNOTSUPP, "%s", k->no_oom_hook);
	h->skel = oom_bpf__open();
	if (!h->skel)
		return prio_fail(err, errlen, -errno, "OOM hook: cannot open "
				 "its BPF object: %s", strerror(errno));
	fill_messages(h->skel, c);
	r = oom_bpf__load(h->skel);
	if (r < 0)
		r = prio_fail(err, errlen, r, "OOM hook: cannot load its BPF "
			      "program into the kernel: %s (run with -v for "
			      "libbpf's and the verifier's messages)",
			      strerror(-r));
	if (!r)
		r = fill_maps(h->skel, c, p, err, errlen);
	if (!r)
		r = attach_root(h, k, c->cgroup_root, err, errlen);
	if (!r)
		r = pin(h, pin_dir, err, errlen);
	if (r < 0)
		prio_oomhook_stop(h);
	return r;
}

int prio_oomhook_read(const struct prio_oomhook *h,
		      struct prio_oom_state *ret_state)
{
	uint32_t zero = 0;

	if (!h->skel)
		return -ENOENT;
	if (bpf_map__lookup_elem(h->skel->maps.oom_state, &zero, sizeof(zero),
				 ret_state, sizeof(*ret_state), 0) < 0)
		return -errno;
	return 0;
}

int prio_oomhook_stop(struct prio_oomhook *h)
{
	int r = 0;

	if (!h)
		return 0;
	/* Unpinned first: then closing the link's fd detaches it. */
	if (h->pin_dir[0] && prio_pins_remove(h->pin_dir) < 0)
		r = -errno;
	h->pin_dir[0] = '\0';
	bpf_link__destroy(h->link);
	h->link = NULL;
	oom_bpf__destroy(h->skel);
	h->skel = NULL;
	return r;
}

int prio_oomhook_read_pinned(const char *pin_dir,
			     struct prio_oom_state *ret_state)
{
	uint32_t zero = 0;
	int fd, r = 0;

	fd = prio_pin_open(pin_dir, PRIO_PIN_OOM_STATE);
	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &zero, ret_state) < 0)
		r = -errno;
	close(fd);
	return r;
}

static int read_config_pinned(const char *pin_dir,
			      struct prio_oom_config *ret)
{
	uint32_t zero = 0;
	int fd, r = 0;

	fd = prio_pin_open(pin_dir, PRIO_PIN_OOM_CONFIG);
	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &zero, ret) < 0)
		r = -errno;
	close(fd);
	return r;
}

int prio_oomhook_read_pins(const char *pin_dir, struct prio_oom_config *ret_cfg,
			   struct prio_oom_state *ret_state)
{
	int r = read_config_pinned(pin_dir, ret_cfg);

	return r < 0 ? r : prio_oomhook_read_pinned(pin_dir, ret_state);
}

/* The config index of status group g, or PRIO_MAX_GROUPS. */
static uint32_t index_of(const struct prio_oom_config *cfg,
			 const struct prio_group_status *g)
{
	for (uint32_t k = 0; k < cfg->n_groups && k < PRIO_MAX_GROUPS; k++)
		if (cfg->order[k].cgroup_id == g->cfg.cgroup_id)
			return cfg->order[k].index;
	return PRIO_MAX_GROUPS;
}

void prio_oomhook_read_status(const char *pin_dir, struct prio_status *st)
{
	struct prio_oom_config *cfg = calloc(1, sizeof(*cfg));
	struct prio_oom_state *os = calloc(1, sizeof(*os));

	st->oom_last_group = st->n_groups;
	if (!cfg || !os || read_config_pinned(pin_dir, cfg) < 0 ||
	    prio_oomhook_read_pinned(pin_dir, os) < 0)
		goto out;
	st->oom_hook = true;
	st->oom_calls = os->calls;
	st->oom_declined = os->declined;
	st->oom_kills = os->kills;
	st->oom_last = os->last;
	for (uint32_t i = 0; i < st->n_groups; i++) {
		struct prio_group_status *g = &st->groups[i];
		uint32_t idx = index_of(cfg, g);

		if (idx >= PRIO_MAX_GROUPS)
			continue;
		g->oom_hooked = true;
		memcpy(g->oom_policy, os->group[idx], sizeof(g->oom_policy));
		if (os->kills && idx == os->last.index)
			st->oom_last_group = i;
	}
out:
	free(cfg);
	free(os);
}

int prio_oomhook_remove_pinned(const char *pin_dir,
			       const struct prio_attach_abi *abi)
{
	int fd, n = 0;

	if (!prio_pins_present(pin_dir))
		return 0;
	/* Detached at once, whoever else holds the link. */
	fd = prio_pin_open(pin_dir, PRIO_PIN_OOM_LINK);
	if (fd >= 0) {
		n = abi && abi->detach(fd) == 0;
		close(fd);
	}
	if (prio_pins_remove(pin_dir) < 0)
		return -errno;
	return n;
}

// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kernel/ops_link.h"
#include "kernel/pins.h"
#include "kernel/session.h"
#include "util.h"
#include "kernel/view.h"

#include "prio.skel.h"

const char *const prio_stat_names[PRIO_NR_STATS] = {
	[PRIO_STAT_SCAN_EVENTS] = "scan_events",
	[PRIO_STAT_PAGES_SCANNED] = "pages_scanned",
	[PRIO_STAT_PAGES_RECLAIMED] = "pages_reclaimed",
	[PRIO_STAT_WINDOWS] = "windows",
	[PRIO_STAT_WINDOWS_PRESSURED] = "windows_pressured",
	[PRIO_STAT_HOOK_CALLS] = "hook_calls",
	[PRIO_STAT_THROTTLED] = "throttled",
	[PRIO_STAT_DRY_RUN_THROTTLED] = "dry_run_throttled",
	[PRIO_STAT_PAGES_REPORTED] = "pages_reported",
	[PRIO_STAT_IGNORED_OWN] = "ignored_own_limit",
	[PRIO_STAT_IGNORED_POLICY] = "ignored_policy",
	[PRIO_STAT_NOT_IN_DOMAIN] = "pressed_elsewhere",
	[PRIO_STAT_DOMAIN_EVICTIONS] = "domain_evictions",
	[PRIO_STAT_BOUND_CONTINUOUS] = "reliefs_continuous",
	[PRIO_STAT_BOUND_SHARE] = "reliefs_share",
	[PRIO_STAT_SPARED] = "charges_spared",
	[PRIO_STAT_CHARGE_RECLAIMED] = "charge_reclaimed",
	[PRIO_STAT_SHIELDED] = "shielded",
	[PRIO_STAT_GIVEBACK_ASKED] = "giveback_asked",
	[PRIO_STAT_GIVEBACK_TAKEN] = "giveback_taken",
	[PRIO_STAT_GIVEBACK_CALLS] = "giveback_calls",
	[PRIO_STAT_GIVEBACK_DROPPED] = "giveback_dropped",
	[PRIO_STAT_REFAULTS] = "refaults",
	[PRIO_STAT_THRASH_PRESSURES] = "thrash_pressures",
	[PRIO_STAT_GIVEBACK_REFILL] = "giveback_refill",
	[PRIO_STAT_SHIELD_RENEWALS] = "shield_renewals",
	[PRIO_STAT_GIVEBACK_KICKED] = "giveback_kicked",
	[PRIO_STAT_AT_FLOOR] = "at_floor",
};

const char *const prio_gstat_names[PRIO_NR_GSTATS] = {
	[PRIO_GSTAT_EVENTS] = "reclaim_events",
	[PRIO_GSTAT_NO_GROUP] = "events_outside_groups",
	[PRIO_GSTAT_CACHE_MISS] = "cgroup_cache_misses",
	[PRIO_GSTAT_HOOK_NO_GROUP] = "hook_calls_outside_groups",
	[PRIO_GSTAT_HOOK_UNPRESSED] = "hook_calls_unpressed",
	[PRIO_GSTAT_ONLINE] = "cgroups_online",
	[PRIO_GSTAT_OFFLINE] = "cgroups_offline",
	[PRIO_GSTAT_MEMCG_RECLAIMS] = "memcg_reclaims",
	[PRIO_GSTAT_PROACTIVE] = "ignored_proactive",
	[PRIO_GSTAT_NO_CONTEXT] = "reclaims_without_context",
	[PRIO_GSTAT_UNHEARD] = "reclaims_unheard",
	[PRIO_GSTAT_SOURCE_SWITCHES] = "source_switches",
	[PRIO_GSTAT_INACTIVE_REPORTS] = "reports_of_inactive_source",
	[PRIO_GSTAT_UNATTRIBUTED] = "reports_unattributed",
};

static void view_init(struct prio_view *v, bool own)
{
	memset(v, 0, sizeof(*v));
	v->own_fds = own;
	v->rodata_fd = v->state_fd = v->stats_fd = v->gstats_fd = -1;
	v->source_fd = -1;
	for (int w = 0; w < PRIO_NR_WATCH; w++)
		v->watch_fd[w] = -1;
	for (int i = 0; i < PRIO_MAX_GROUPS; i++)
		v->link_fd[i] = -1;
}

#define RODATA_MIN_SIZE (offsetof(struct prio_bpf__rodata, dry_run) + \
			 sizeof(((struct prio_bpf__rodata *)0)->dry_run))

/*
 * The groups, from the .rodata map's one value: the skeleton's layout,
 * possibly followed by other read-only data of the object.
 */
static int read_rodata(struct prio_view *v, int fd, const char *pin_path,
		       char *err, size_t errlen)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info), zero = 0;
	struct prio_bpf__rodata *ro;
	void *value;
	int r = 0;

	if (bpf_map_get_info_by_fd(fd, &info, &len) < 0)
		return prio_fail(err, errlen, -errno, "cannot read map %s/%s: "
				 "%s", pin_path, PRIO_PIN_RODATA, strerror(errno));
	if (info.value_size < RODATA_MIN_SIZE)
		return prio_fail(err, errlen, -EPROTO, "the pins at %s were "
				 "made by another version of memcg-prio",
				 pin_path);
	/* The map's value is not padded to the struct's alignment. */
	value = calloc(1, info.value_size > sizeof(*ro) ? info.value_size :
						       sizeof(*ro));
	if (!value)
		return prio_fail(err, errlen, -ENOMEM, "out of memory");
	ro = value;
	if (bpf_map_lookup_elem(fd, &zero, value) < 0)
		r = prio_fail(err, errlen, -errno, "cannot read map %s/%s: %s",
			      pin_path, PRIO_PIN_RODATA, strerror(errno));
	else if (ro->prio_nr_groups > PRIO_MAX_GROUPS)
		r = prio_fail(err, errlen, -EPROTO, "the pins at %s were made "
			      "by another version of memcg-prio", pin_path);
	if (!r) {
		v->n_groups = ro->prio_nr_groups;
		v->dry_run = ro->dry_run;
		v->source = ro->prio_source;
		v->fallback = ro->prio_fallback;
		v->backend = ro->prio_backend;
		memcpy(v->groups, ro->prio_groups, sizeof(v->groups));
	}
	free(value);
	for (uint32_t i = 0; i < v->n_groups; i++) {
		v->groups[i].name[PRIO_NAME_LEN - 1] = '\0';
		v->groups[i].path[PRIO_CGROUP_PATH_LEN - 1] = '\0';
	}
	return r;
}

static int open_map(const char *pin_path, const char *rel, int *ret_fd,
		    char *err, size_t errlen)
{
	int fd = prio_pin_open(pin_path, rel);

	if (fd < 0)
		return prio_fail(err, errlen, fd == -ENOENT ? -EPROTO : fd,
				 "cannot open %s/%s: %s (incomplete pins? "
				 "memcg-prio --detach removes them)", pin_path,
				 rel, strerror(-fd));
	*ret_fd = fd;
	return 0;
}

static void open_links(struct prio_view *v, const char *pin_path)
{
	char rel[64];
	int fd;

	for (int w = 0; w < PRIO_NR_WATCH; w++) {
		fd = prio_pin_open(pin_path, prio_pin_watch[w]);
		v->watch_fd[w] = fd < 0 ? -1 : fd;
	}
	for (uint32_t i = 0; i < v->n_groups; i++) {
		if (!(v->groups[i].link_flags & PRIO_LINK_ATTACHED))
			continue;
		snprintf(rel, sizeof(rel), PRIO_PIN_GROUP "%s",
			 v->groups[i].name);
		fd = prio_pin_open(pin_path, rel);
		v->link_fd[i] = fd < 0 ? -1 : fd;
	}
}

int prio_view_open_pins(struct prio_view *v, const char *pin_path, char *err,
			size_t errlen)
{
	int r;

	view_init(v, true);
	if (!prio_pins_present(pin_path))
		return prio_fail(err, errlen, -ENOENT, "not attached: nothing "
				 "pinned at %s", pin_path);
	r = open_map(pin_path, PRIO_PIN_RODATA, &v->rodata_fd, err, errlen);
	if (!r)
		r = read_rodata(v, v->rodata_fd, pin_path, err, errlen);
	if (!r)
		r = open_map(pin_path, PRIO_PIN_STATE, &v->state_fd, err, errlen);
	if (!r)
		r = open_map(pin_path, PRIO_PIN_STATS, &v->stats_fd, err, errlen);
	if (!r)
		r = open_map(pin_path, PRIO_PIN_GSTATS, &v->gstats_fd, err,
			     errlen);
	if (r < 0) {
		prio_view_close(v);
		return r;
	}
	open_links(v, pin_path);
	r = prio_pin_open(pin_path, PRIO_PIN_SOURCE);
	v->source_fd = r < 0 ? -1 : r;
	return 0;
}

int prio_view_from_session(struct prio_view *v, const struct prio_session *s,
			   char *err, size_t errlen)
{
	const struct prio_bpf *skel = s->skel;

	view_init(v, false);
	v->rodata_fd = bpf_map__fd(skel->maps.rodata);
	v->state_fd = bpf_map__fd(skel->maps.group_state);
	v->stats_fd = bpf_map__fd(skel->maps.group_stats);
	v->gstats_fd = bpf_map__fd(skel->maps.global_stats);
	v->source_fd = bpf_map__fd(skel->maps.source_state);
	for (int w = 0; w < PRIO_NR_WATCH; w++)
		v->watch_fd[w] = s->watch_links[w] ?
				 bpf_link__fd(s->watch_links[w]) : -1;
	for (uint32_t i = 0; i < s->plan->n_groups; i++)
		v->link_fd[i] = s->links[i] ? bpf_link__fd(s->links[i]) : -1;
	return read_rodata(v, v->rodata_fd, "(this process)", err, errlen);
}

void prio_view_close(struct prio_view *v)
{
	int *fds[] = { &v->rodata_fd, &v->state_fd, &v->stats_fd,
		       &v->gstats_fd, &v->source_fd };

	if (!v->own_fds)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	for (int w = 0; w < PRIO_NR_WATCH; w++) {
		if (v->watch_fd[w] >= 0)
			close(v->watch_fd[w]);
		v->watch_fd[w] = -1;
	}
	for (int i = 0; i < PRIO_MAX_GROUPS; i++) {
		if (v->link_fd[i] >= 0)
			close(v->link_fd[i]);
		v->link_fd[i] = -1;
	}
}

void prio_view_live_groups(const struct prio_view *v,
			   const struct prio_attach_abi *abi,
			   struct prio_group_cfg *ret)
{
	for (uint32_t i = 0; i < v->n_groups; i++) {
		uint64_t cgroup_id = 0;
		uint32_t id, map_id = 0;

		ret[i] = v->groups[i];
		if (!(ret[i].link_flags & PRIO_LINK_ATTACHED))
			continue;
		if (!abi || v->link_fd[i] < 0 ||
		    abi->link_info(v->link_fd[i], &id, &cgroup_id, &map_id) < 0 ||
		    !cgroup_id || !map_id)
			ret[i].link_flags = 0;
	}
}

/* A per-CPU counter, summed. */
static int read_percpu(int fd, uint32_t key, uint64_t *values, int ncpus,
		       uint64_t *ret_sum)
{
	uint64_t sum = 0;

	if (bpf_map_lookup_elem(fd, &key, values) < 0)
		return -errno;
	for (int c = 0; c < ncpus; c++)
		sum += values[c];
	*ret_sum = sum;
	return 0;
}

static int read_counters(const struct prio_view *v, struct prio_status *st)
{
	int ncpus = libbpf_num_possible_cpus(), r = 0;
	uint64_t *values;

	if (ncpus <= 0)
		return ncpus < 0 ? ncpus : -EINVAL;
	values = calloc((size_t)ncpus, sizeof(*values));
	if (!values)
		return -ENOMEM;
	for (uint32_t g = 0; !r && g < st->n_groups; g++)
		for (uint32_t k = 0; !r && k < PRIO_NR_STATS; k++)
			r = read_percpu(v->stats_fd, g * PRIO_NR_STATS + k,
					values, ncpus, &st->groups[g].stats[k]);
	for (uint32_t k = 0; !r && k < PRIO_NR_GSTATS; k++)
		r = read_percpu(v->gstats_fd, k, values, ncpus, &st->gstats[k]);
	free(values);
	return r;
}

/* The id of the link behind fd, 0 if there is none. */
static uint32_t link_id(int fd)
{
	struct bpf_link_info info = { 0 };
	uint32_t len = sizeof(info);

	if (fd < 0 || bpf_link_get_info_by_fd(fd, &info, &len) < 0)
		return 0;
	return info.id;
}

static void read_link(const struct prio_view *v,
		      const struct prio_attach_abi *abi, uint32_t i,
		      struct prio_link_status *ret)
{
	uint32_t map_id = 0;

	memset(ret, 0, sizeof(*ret));
	if (v->link_fd[i] < 0)
		return;
	ret->present = true;
	if (!abi || abi->link_info(v->link_fd[i], &ret->id, &ret->cgroup_id, &map_id) < 0)
		return;
	ret->attached = ret->cgroup_id != 0 && map_id != 0;
}

int prio_view_read(const struct prio_view *v, const struct prio_attach_abi *abi,
		   struct prio_status *ret_status)
{
	struct prio_status *st = ret_status;

	memset(st, 0, sizeof(*st));
	st->dry_run = v->dry_run;
	st->n_groups = v->n_groups;
	st->now_ns = prio_now_ns();
	for (uint32_t i = 0; i < v->n_groups; i++) {
		struct prio_group_status *g = &st->groups[i];

		g->cfg = v->groups[i];
		if (bpf_map_lookup_elem(v->state_fd, &i, &g->state) < 0)
			return -errno;
		read_link(v, abi, i, &g->link);
		g->pressed = g->state.pressured_until_ns > st->now_ns;
		g->throttled = g->state.last_throttled_ns &&
			       g->state.last_throttled_ns +
			       PRIO_THROTTLE_RECENT_NS > st->now_ns &&
			       g->state.throttled_by < v->n_groups;
	}
	st->source = v->source;
	st->fallback = v->fallback;
	st->backend = v->backend;
	st->source_known = v->source_fd >= 0 &&
		bpf_map_lookup_elem(v->source_fd, &(uint32_t){ 0 },
				    &st->source_state) == 0;
	for (int w = 0; w < PRIO_NR_WATCH; w++)
		st->watch_link_id[w] = link_id(v->watch_fd[w]);
	return read_counters(v, st);
}

static const char *const cause_names[PRIO_NR_CAUSES] = {
	[PRIO_CAUSE_NONE] = "unknown",
	[PRIO_CAUSE_KSWAPD] = "kswapd",
	[PRIO_CAUSE_DIRECT] = "direct reclaim",
	[PRIO_CAUSE_MAX] = "memory.max",
	[PRIO_CAUSE_HIGH] = "memory.high",
};

const char *prio_cause_name(uint32_t cause)
{
	return cause < PRIO_NR_CAUSES ? cause_names[cause] : "unknown";
}

/*
 * Is cgroup id in dir's subtree (dir itself included)?  Then dir names it.
 * Only directories are followed, at most PRIO_MAX_DEPTH levels down.
 */
static bool find_below(char *dir, uint64_t id, int depth)
{
	size_t n = strlen(dir);
	struct dirent *e;
	struct stat st;
	bool found = false;
	DIR *d;

	if (stat(dir, &st) < 0)
		return false;
	if (st.st_ino == id)
		return true;
	if (depth >= PRIO_MAX_DEPTH || !(d = opendir(dir)))
		return false;
	while (!found && (e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.' ||
		    n + 1 + strlen(e->d_name) >= PRIO_CGROUP_PATH_LEN)
			continue;
		snprintf(dir + n, PRIO_CGROUP_PATH_LEN - n, "/%s", e->d_name);
		found = find_below(dir, id, depth + 1);
		if (!found)
			dir[n] = '\0';
	}
	closedir(d);
	return found;
}

void prio_view_domain_name(const char *presser_path, uint64_t domain_id,
			   uint32_t cause, char *buf, size_t len)
{
	char dir[PRIO_CGROUP_PATH_LEN];
	struct stat st;
	char *slash;

	if (cause == PRIO_CAUSE_KSWAPD || cause == PRIO_CAUSE_DIRECT) {
		snprintf(buf, len, "global: %s", prio_cause_name(cause));
		return;
	}
	snprintf(dir, sizeof(dir), "%s", presser_path);
	while ((slash = strrchr(dir, '/')) && slash != dir) {
		*slash = '\0';
		if (stat(dir, &st) == 0 && st.st_ino == domain_id) {
			snprintf(buf, len, "limit of %s: %s", dir,
				 prio_cause_name(cause));
			return;
		}
	}
	/* Then the presser's subtree: a domain there holds a nested group. */
	snprintf(dir, sizeof(dir), "%s", presser_path);
	if (find_below(dir, domain_id, 0)) {
		snprintf(buf, len, "limit of %s: %s", dir,
			 prio_cause_name(cause));
		return;
	}
	snprintf(buf, len, "limit of cgroup %" PRIu64 ": %s", domain_id,
		 prio_cause_name(cause));
}

const struct prio_domain_state *
prio_group_main_domain(const struct prio_group_status *g, uint64_t now_ns)
{
	const struct prio_domain_state *best = NULL;

	for (int i = 0; i < PRIO_MAX_DOMAINS; i++) {
		const struct prio_domain_state *d = &g->state.domains[i];
		bool pressed = d->pressured_until_ns > now_ns;

		if (!d->cgroup_id)
			continue;
		if (!best ||
		    (pressed && d->pressured_until_ns > best->pressured_until_ns) ||
		    (best->pressured_until_ns <= now_ns && !pressed &&
		     d->last_seen_ns > best->last_seen_ns))
			best = d;
	}
	return best;
}

// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kernel/ops_link.h"
#include "kernel/pins.h"
#include "kernel/session.h"
#include "util.h"

#include "policy/prio.h"
#include "prio.skel.h"

const char *prio_session_group_name(const struct prio_session *s, uint32_t i)
{
	return s->config->groups[s->plan->groups[i].conf_index].name;
}

const struct bpf_map *prio_session_ops(const struct prio_session *s)
{
	return s->skel->maps.PRIO_OPS_MAP;
}

int prio_session_set_lowered(const struct prio_session *s, uint64_t cgroup_id,
			     bool lowered)
{
	const struct bpf_map *m = s->skel->maps.policy_lowered;
	uint8_t one = 1;
	int r;

	if (lowered)
		r = bpf_map__update_elem(m, &cgroup_id, sizeof(cgroup_id), &one,
					 sizeof(one), BPF_ANY);
	else
		r = bpf_map__delete_elem(m, &cgroup_id, sizeof(cgroup_id), 0);
	return r < 0 && !(r == -ENOENT && !lowered) ? r : 0;
}

static void fill_rodata(struct prio_session *s, bool dry_run)
{
	struct prio_bpf__rodata *ro = s->skel->rodata;

	ro->prio_source = s->kernel->source;
	ro->prio_fallback = s->kernel->fallback;
	ro->prio_backend = s->backend;
	ro->prio_global_marks = s->kernel->global_marks;
	ro->prio_giveback = s->backend == PRIO_BACKEND_HOOK &&
			    s->kernel->giveback;
	ro->prio_page_shift = (uint32_t)__builtin_ctzl(
		(unsigned long)sysconf(_SC_PAGESIZE));
	for (uint32_t i = 0; i < s->plan->n_groups; i++) {
		struct prio_group_cfg *g = &ro->prio_groups[i];

		prio_plan_group_cfg(s->config, s->plan, i, g);
		/* Mode memory.high lowers the groups someone outranks. */
		if (s->backend == PRIO_BACKEND_MEMORY_HIGH)
			g->link_flags = g->link_flags & PRIO_LINK_ATTACHED &&
					g->priority < ro->prio_groups[0].priority ?
					PRIO_LINK_MEMORY_HIGH : 0;
	}
	ro->prio_nr_groups = s->plan->n_groups;
	ro->dry_run = dry_run;
}

/* The program of a pages source; NULL for PRIO_NR_SOURCES (none). */
static struct bpf_program *source_prog(const struct prio_session *s,
				       uint32_t source)
{
	struct bpf_program *pages[PRIO_NR_SOURCES + 1] = {
		[PRIO_SOURCE_VMPRESSURE] = s->skel->progs.prio_vmpressure,
		[PRIO_SOURCE_VMPRESSURE_NOORDER] =
			s->skel->progs.prio_vmpressure_noorder,
		[PRIO_SOURCE_SHRINK] = s->skel->progs.prio_shrink_enter,
		[PRIO_SOURCE_LRUVEC] = s->skel->progs.prio_lruvec_state,
		[PRIO_SOURCE_EVENTS] = s->skel->progs.prio_memcg_events,
		[PRIO_SOURCE_TEST_SILENT] = s->skel->progs.prio_test_silent,
	};

	return pages[source < PRIO_NR_SOURCES ? source : PRIO_NR_SOURCES];
}

/* The program of each watch for the running kernel, NULL if none. */
static struct bpf_program *watch_prog(const struct prio_session *s,
				      enum prio_watch w)
{
	bool marks = s->kernel->global_marks;
	bool shrink = s->kernel->fallback == PRIO_SOURCE_SHRINK;
	bool gen = shrink && s->kernel->shrink_gen;

	switch (w) {
	case PRIO_WATCH_ENTER:
		return s->skel->progs.prio_reclaim_enter;
	case PRIO_WATCH_EXIT:
		return s->skel->progs.prio_reclaim_exit;
	case PRIO_WATCH_PAGES:
		return source_prog(s, s->kernel->source);
	case PRIO_WATCH_FALLBACK:
		return source_prog(s, s->kernel->fallback);
	case PRIO_WATCH_FALLBACK_EXIT:
		return shrink ? s->skel->progs.prio_shrink_exit : NULL;
	case PRIO_WATCH_FALLBACK_GEN:
		return gen ? s->skel->progs.prio_shrink_gen_enter : NULL;
	case PRIO_WATCH_FALLBACK_GEN_EXIT:
		return gen ? s->skel->progs.prio_shrink_gen_exit : NULL;
	case PRIO_WATCH_DIRECT_BEGIN:
		return marks ? s->skel->progs.prio_direct_begin : NULL;
	case PRIO_WATCH_DIRECT_END:
		return marks ? s->skel->progs.prio_direct_end : NULL;
	case PRIO_WATCH_KSWAPD_END:
		return marks ? s->skel->progs.prio_kswapd_end : NULL;
	default:
		return s->kernel->refault ? s->skel->progs.prio_refault : NULL;
	}
}

/* Load only the watching programs the running kernel feeds. */
static void choose_programs(struct prio_session *s)
{
	for (uint32_t src = 0; src < PRIO_NR_SOURCES; src++)
		bpf_program__set_autoload(source_prog(s, src), false);
	bpf_program__set_autoload(s->skel->progs.prio_shrink_exit, false);
	bpf_program__set_autoload(s->skel->progs.prio_shrink_gen_enter, false);
	bpf_program__set_autoload(s->skel->progs.prio_shrink_gen_exit, false);
	bpf_program__set_autoload(s->skel->progs.prio_direct_begin, false);
	bpf_program__set_autoload(s->skel->progs.prio_direct_end, false);
	bpf_program__set_autoload(s->skel->progs.prio_kswapd_end, false);
	bpf_program__set_autoload(s->skel->progs.prio_refault, false);
	for (int w = 0; w < PRIO_NR_WATCH; w++)
		if (watch_prog(s, w))
			bpf_program__set_autoload(watch_prog(s, w), true);
	bpf_program__set_autoload(s->skel->progs.prio_giveback_setup,
				  s->backend == PRIO_BACKEND_HOOK &&
				  s->kernel->giveback);
	if (s->backend == PRIO_BACKEND_HOOK) {
		if (s->kernel->shield)
			return;
		/* A memcg_bpf_ops without the member: libbpf skips a NULL. */
		s->skel->struct_ops.PRIO_OPS_MAP->memcg_below_low = NULL;
		bpf_program__set_autoload(s->skel->progs.prio_below_low, false);
		return;
	}
	/* No struct_ops: the kernel may not even know the type. */
	bpf_map__set_autocreate(s->skel->maps.PRIO_OPS_MAP, false);
	bpf_program__set_autoload(s->skel->progs.prio_below_low, false);
	bpf_program__set_autoload(s->skel->progs.prio_pages_over_high, false);
	bpf_program__set_autoload(s->skel->progs.prio_cgroup_online, false);
	bpf_program__set_autoload(s->skel->progs.prio_cgroup_offline, false);
}

/*
 * (cgroup, group i) for group i's cgroup and each of its ancestors up to
 * the cgroup2 root: the reclaim domains that hold memory of group i.
 */
static int fill_domain_groups(struct prio_session *s, uint32_t i)
{
	struct { uint64_t cgroup_id; uint32_t group, pad; } key = { .group = i };
	char path[PRIO_CGROUP_PATH_LEN], *slash;
	uint8_t one = 1;
	struct statfs fs;
	struct stat st;

	snprintf(path, sizeof(path), "%s", s->plan->groups[i].path);
	for (;;) {
		if (stat(path, &st) < 0 || statfs(path, &fs) < 0)
			return -errno;
		if (fs.f_type != CGROUP2_SUPER_MAGIC)
			return 0;
		key.cgroup_id = st.st_ino;
		if (bpf_map__update_elem(s->skel->maps.domain_groups, &key,
					 sizeof(key), &one, sizeof(one),
					 BPF_ANY) < 0)
			return -errno;
		slash = strrchr(path, '/');
		if (!slash || slash == path)
			return 0;
		*slash = '\0';
	}
}

static int fill_maps(struct prio_session *s, char *err, size_t errlen)
{
	struct prio_source_state ss = { .active = s->kernel->source };
	uint32_t zero = 0;

	if (bpf_map__update_elem(s->skel->maps.source_state, &zero,
				 sizeof(zero), &ss, sizeof(ss), BPF_ANY) < 0)
		return prio_fail(err, errlen, -errno, "cannot fill map "
				 "source_state: %s", strerror(errno));
	for (uint32_t i = 0; i < s->plan->n_groups; i++) {
		uint64_t id = s->plan->groups[i].cgroup_id;

		if (bpf_map__update_elem(s->skel->maps.group_roots, &id,
					 sizeof(id), &i, sizeof(i), BPF_ANY) < 0)
			return prio_fail(err, errlen, -errno, "cannot fill map "
					 "group_roots: %s", strerror(errno));
	}
	for (uint32_t i = 0; i < s->plan->n_groups; i++) {
		int r = fill_domain_groups(s, i);

		if (r < 0)
			return prio_fail(err, errlen, r, "cannot fill map "
					 "domain_groups for group '%s': %s",
					 prio_session_group_name(s, i),
					 strerror(-r));
	}
	for (uint32_t k = 0; k < s->plan->n_shared; k++) {
		uint64_t id = s->plan->shared[k];
		uint8_t one = 1;

		if (bpf_map__update_elem(s->skel->maps.shared_domains, &id,
					 sizeof(id), &one, sizeof(one),
					 BPF_ANY) < 0)
			return prio_fail(err, errlen, -errno, "cannot fill map "
					 "shared_domains: %s", strerror(errno));
	}
	return 0;
}

static int prepare_ops(struct prio_session *s, char *err, size_t errlen)
{
	const struct prio_ops_member members[] = {
		{ "memcg_nr_pages_over_high", s->skel->progs.prio_pages_over_high },
		{ "handle_cgroup_online", s->skel->progs.prio_cgroup_online },
		{ "handle_cgroup_offline", s->skel->progs.prio_cgroup_offline },
		{ "memcg_below_low", s->skel->progs.prio_below_low },
	};
	size_t n = ARRAY_SIZE(members) - !s->kernel->shield;
	int r;

	r = s->kernel->abi->prepare(s->skel->maps.PRIO_OPS_MAP, s->kernel->vmlinux,
				    members, n);
	if (r < 0)
		return prio_fail(err, errlen, r, "cannot register the "
				 "memcg_bpf_ops programs with the kernel: %s",
				 strerror(-r));
	return 0;
}

/* Give the give-back work items their callback: one run of the program. */
static int setup_giveback(struct prio_session *s, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int fd = bpf_program__fd(s->skel->progs.prio_giveback_setup);

	if (bpf_prog_test_run_opts(fd, &opts) < 0)
		return prio_fail(err, errlen, -errno, "cannot set up the "
				 "give-back work items (prio_giveback_setup): %s",
				 strerror(errno));
	if (opts.retval != 0)
		return prio_fail(err, errlen, -EINVAL, "cannot set up the "
				 "give-back work items: prio_giveback_setup "
				 "returned %u", opts.retval);
	return 0;
}

int prio_session_load(struct prio_session *s, const struct prio_kernel *k,
		      const struct prio_config *c, const struct prio_plan *p,
		      enum prio_backend backend, bool dry_run, char *err,
		      size_t errlen)
{
	int r;

	*s = (struct prio_session){ .kernel = k, .config = c, .plan = p,
				    .backend = backend };
	s->skel = prio_bpf__open();
	if (!s->skel)
		return prio_fail(err, errlen, -errno, "cannot open the BPF "
				 "object: %s", strerror(errno));
	choose_programs(s);
	fill_rodata(s, dry_run);
	r = prio_bpf__load(s->skel);
	if (r < 0) {
		r = prio_fail(err, errlen, r, "cannot load the BPF programs "
			      "into the kernel: %s (run with -v for libbpf's "
			      "and the verifier's messages)", strerror(-r));
		goto fail;
	}
	r = fill_maps(s, err, errlen);
	if (!r && backend == PRIO_BACKEND_HOOK)
		r = prepare_ops(s, err, errlen);
	if (!r && backend == PRIO_BACKEND_HOOK && k->giveback)
		r = setup_giveback(s, err, errlen);
	if (!r)
		return 0;
fail:
	prio_session_close(s);
	return r;
}

int prio_session_attach_watch(struct prio_session *s, char *err, size_t errlen)
{
	for (int w = 0; w < PRIO_NR_WATCH; w++) {
		struct bpf_program *prog = watch_prog(s, w);

		if (!prog)
			continue;
		s->watch_links[w] = bpf_program__attach(prog);
		if (!s->watch_links[w])
			return prio_fail(err, errlen, -errno, "cannot attach "
					 "program %s (%s): %s",
					 bpf_program__name(prog),
					 w == PRIO_WATCH_PAGES ?
					 prio_source_hook(s->kernel->source) :
					 w >= PRIO_WATCH_FALLBACK &&
					 w <= PRIO_WATCH_FALLBACK_GEN_EXIT ?
					 prio_source_hook(s->kernel->fallback) :
					 w >= PRIO_WATCH_DIRECT_BEGIN ?
					 "the start and end of global reclaim" :
					 "try_to_free_mem_cgroup_pages()",
					 strerror(errno));
	}
	return 0;
}

/* The reason for an attach error, in words, into buf. */
static void explain(const struct prio_session *s, const char *path, int error,
		    char *buf, size_t len)
{
	switch (error) {
	case EBUSY:
		prio_attach_explain_busy(s->kernel->abi, s->config->cgroup_root,
					 path, buf, len);
		break;
	case EINVAL:
		snprintf(buf, len, "does it have a memory controller of its "
			 "own?");
		break;
	default:
		snprintf(buf, len, "%s", s->kernel->abi->name);
		break;
	}
}

int prio_session_attach_group(struct prio_session *s, uint32_t i, char *err,
			      size_t errlen)
{
	const struct prio_plan_group *g = &s->plan->groups[i];
	char why[512];
	int fd, e;

	fd = open(g->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return prio_fail(err, errlen, -errno, "group '%s': cannot open "
				 "%s: %s", prio_session_group_name(s, i),
				 g->path, strerror(errno));
	s->links[i] = s->kernel->abi->attach(s->skel->maps.PRIO_OPS_MAP, fd,
					     g->allow_override);
	e = errno;
	close(fd);
	if (s->links[i])
		return 0;
	explain(s, g->path, e, why, sizeof(why));
	return prio_fail(err, errlen, -e, "group '%s': cannot attach to %s: "
			 "%s (%s)", prio_session_group_name(s, i), g->path,
			 strerror(e), why);
}

int prio_session_attach_all(struct prio_session *s, char *err, size_t errlen)
{
	int r;

	r = prio_session_attach_watch(s, err, errlen);
	if (s->backend != PRIO_BACKEND_HOOK)
		return r;
	for (uint32_t a = 0; !r && a < s->plan->n_attach; a++)
		r = prio_session_attach_group(s, s->plan->attach_order[a], err,
					      errlen);
	return r;
}

int prio_session_pin_maps(struct prio_session *s, const char *dir, char *err,
			  size_t errlen)
{
	const struct {
		const char *rel;
		const struct bpf_map *map;
	} maps[] = {
		{ PRIO_PIN_RODATA, s->skel->maps.rodata },
		{ PRIO_PIN_STATE, s->skel->maps.group_state },
		{ PRIO_PIN_STATS, s->skel->maps.group_stats },
		{ PRIO_PIN_GSTATS, s->skel->maps.global_stats },
		{ PRIO_PIN_SOURCE, s->skel->maps.source_state },
		/* Its bpf_wq work items live while user space holds the map:
		 * with no pin they would be freed when --attach exits. */
		{ PRIO_PIN_GIVEBACK, s->skel->maps.giveback },
	};
	int r = 0;

	for (size_t m = 0; !r && m < ARRAY_SIZE(maps); m++)
		r = prio_pin(dir, maps[m].rel, bpf_map__fd(maps[m].map), err,
			     errlen);
	return r;
}

int prio_session_pin(struct prio_session *s, const char *dir, char *err,
		     size_t errlen)
{
	char rel[64];
	int r;

	r = prio_session_pin_maps(s, dir, err, errlen);
	for (int w = 0; !r && w < PRIO_NR_WATCH; w++)
		if (s->watch_links[w])
			r = prio_pin(dir, prio_pin_watch[w],
				     bpf_link__fd(s->watch_links[w]), err,
				     errlen);
	for (uint32_t i = 0; !r && i < s->plan->n_groups; i++) {
		if (!s->links[i])
			continue;
		snprintf(rel, sizeof(rel), PRIO_PIN_GROUP "%s",
			 prio_session_group_name(s, i));
		r = prio_pin(dir, rel, bpf_link__fd(s->links[i]), err, errlen);
	}
	return r;
}

void prio_session_close(struct prio_session *s)
{
	if (!s)
		return;
	/* Later attachments first: they may sit below earlier ones. */
	for (int i = PRIO_MAX_GROUPS - 1; i >= 0; i--) {
		bpf_link__destroy(s->links[i]);
		s->links[i] = NULL;
	}
	for (int w = 0; w < PRIO_NR_WATCH; w++) {
		bpf_link__destroy(s->watch_links[w]);
		s->watch_links[w] = NULL;
	}
	prio_bpf__destroy(s->skel);
	s->skel = NULL;
}

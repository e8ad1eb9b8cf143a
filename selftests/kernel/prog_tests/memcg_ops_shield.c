// SPDX-License-Identifier: GPL-2.0
/*
 * memcg_bpf_ops.memcg_below_low: reclaim for a limit above a memcg leaves
 * it alone while the hook says it is below its memory.low, as long as the
 * other memcgs of the domain have something to give; a hook answering 0
 * changes nothing; reclaim for the memcg's own limit never asks the hook;
 * and a domain with nothing else to take from takes from the shielded
 * memcg after all, counting "low" in its memory.events, without an OOM.
 *
 * The domain is p with children a, b and c, each holding the pages of a
 * tmpfs file it wrote (swap-backed: reclaim swaps them out to the VM's
 * zram), the test program attached to p.  Sizes: p's memory.max is 48M;
 * a and b write 16M each, then c writes 32M, so that reclaim for p must
 * take at least 16M.  Stock reclaim spreads that over a, b and c by their
 * size, about a third from a.
 */
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <test_progs.h>

#include "kt_log.h"
#include "kt_cgroup.h"
#include "kt_shmem.h"
#include "memcg_shield_test.skel.h"

#define MB (1LL << 20)
#define DOMAIN_MAX (48 * MB)
#define HOLD_MB 16
#define PRESS_MB 32
/* How much a memcg must lose to count as reclaimed from. */
#define RECLAIMED (2 * MB)

/*
 * What the per-CPU charge caches may hold for one memcg (MEMCG_CHARGE_BATCH,
 * 64 pages, a CPU) and give back when a reclaim for the domain drains
 * them: a memcg's memory.current may drop that much with no reclaim.
 */
static long long stock_bytes(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN) * 64 * sysconf(_SC_PAGESIZE);
}

struct shield {
	struct memcg_shield_test *skel;
	struct bpf_link *link;
	int fd[3];
	char p[PATH_MAX], a[PATH_MAX], b[PATH_MAX], c[PATH_MAX];
};

static int write_ll(const char *cg, const char *file, long long value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", value);
	return kt_cg_write(cg, file, buf);
}

static long long current_of(const char *cg)
{
	return kt_cg_read_u64(cg, "memory.current");
}

static long long events_of(const char *cg, const char *key)
{
	return kt_cg_read_key(cg, "memory.events", key);
}

/*
 * p, a, b and c, a tmpfs file for each of a, b, c, and the program
 * attached to p: ANSWER for a, in the reclaim for p (any target if
 * ANY_TARGET).  0 or -1 with a message; shield_cleanup() either way.
 */
static int shield_setup(struct shield *s, __u32 answer, bool any_target)
{
	LIBBPF_OPTS(bpf_struct_ops_opts, opts, .flags = BPF_F_CGROUP_FD);
	int fd;

	for (int i = 0; i < 3; i++)
		s->fd[i] = -1;
	if (kt_cg_create("p", s->p) || kt_cg_create("p/a", s->a) ||
	    kt_cg_create("p/b", s->b) || kt_cg_create("p/c", s->c))
		return -1;
	for (int i = 0; i < 3; i++) {
		s->fd[i] = kt_shmem_open();
		if (s->fd[i] < 0)
			return -1;
	}
	s->skel = memcg_shield_test__open_and_load();
	if (!s->skel) {
		fprintf(stderr, "cannot load memcg_shield_test: %s\n", strerror(errno));
		return -1;
	}
	s->skel->bss->shield_cgid = kt_cg_id(s->a);
	s->skel->bss->domain_cgid = kt_cg_id(s->p);
	s->skel->bss->any_domain = any_target;
	s->skel->bss->answer = answer;
	fd = kt_cg_open(s->p);
	if (fd < 0)
		return -1;
	opts.target_fd = fd;
	s->link = bpf_map__attach_struct_ops_opts(s->skel->maps.shield_ops, &opts);
	if (!s->link)
		fprintf(stderr, "cannot attach to %s: %s\n", s->p, strerror(errno));
	close(fd);
	return s->link ? 0 : -1;
}

/* Detach, and free the files' pages before the runner removes the cgroups. */
static void shield_cleanup(struct shield *s)
{
	bpf_link__destroy(s->link);
	memcg_shield_test__destroy(s->skel);
	for (int i = 0; i < 3; i++)
		if (s->fd[i] >= 0)
			close(s->fd[i]);
}

struct domain_run {
	long long a0, b0;	/* before c wrote */
	long long a1, b1;	/* after */
	long long a_low, p_oom, p_steal;
};

/* a and b hold HOLD_MB each, then c writes PRESS_MB into the 48M domain. */
static bool domain_reclaim(struct shield *s, struct domain_run *r)
{
	const struct memcg_shield_test__bss *bss = s->skel->bss;

	if (!ASSERT_OK(write_ll(s->p, "memory.max", DOMAIN_MAX), "write_ll"))
		return false;
	if (!ASSERT_OK(kt_shmem_fill(s->a, s->fd[0], HOLD_MB), "kt_shmem_fill"))
		return false;
	if (!ASSERT_OK(kt_shmem_fill(s->b, s->fd[1], HOLD_MB), "kt_shmem_fill"))
		return false;
	r->a0 = current_of(s->a);
	r->b0 = current_of(s->b);
	/* Both fit: nothing was reclaimed yet. */
	if (!ASSERT_GE(r->a0, HOLD_MB * MB, "r->a0"))
		return false;
	if (!ASSERT_GE(r->b0, HOLD_MB * MB, "r->b0"))
		return false;
	if (!ASSERT_OK(kt_shmem_fill(s->c, s->fd[2], PRESS_MB), "kt_shmem_fill"))
		return false;
	r->a1 = current_of(s->a);
	r->b1 = current_of(s->b);
	r->a_low = events_of(s->a, "low");
	r->p_oom = events_of(s->p, "oom");
	r->p_steal = kt_cg_read_key(s->p, "memory.stat", "pgsteal");
	kt_log("a %lld -> %lld, b %lld -> %lld, c %lld; a low events %lld, "
	       "p oom events %lld, p pgsteal %lld; hook calls %llu, for a in "
	       "p's reclaim %llu\n", r->a0, r->a1, r->b0, r->b1,
	       current_of(s->c), r->a_low, r->p_oom, r->p_steal,
	       (unsigned long long)bss->calls,
	       (unsigned long long)bss->domain_calls);
	/* p reclaimed, asked the hook about a, never about p itself. */
	if (!ASSERT_GT(r->p_steal, 0, "r->p_steal"))
		return false;
	if (!ASSERT_EQ(r->p_oom, 0, "r->p_oom"))
		return false;
	if (!ASSERT_GT(bss->domain_calls, 0, "bss->domain_calls"))
		return false;
	if (!ASSERT_EQ(bss->self_calls, 0, "bss->self_calls"))
		return false;
	return true;
}

static void protects_in_domain(struct shield *s)
{
	struct domain_run r;

	if (!ASSERT_OK(shield_setup(s, 1, false), "shield_setup"))
		return;
	if (!ASSERT_TRUE(domain_reclaim(s, &r), "domain_reclaim"))
		return;
	/* a lost at most what the charge caches held for it, b gave. */
	if (!ASSERT_GE(r.a1, r.a0 - stock_bytes(), "r.a1"))
		return;
	if (!ASSERT_GE(r.b0 - r.b1, RECLAIMED, "r.b0 - r.b1"))
		return;
	/* b and c always had something: the second, low pass never came. */
	if (!ASSERT_EQ(r.a_low, 0, "r.a_low"))
		return;
}

static void shield_protects_in_domain(void)
{
	struct shield s = {};
	protects_in_domain(&s);
	shield_cleanup(&s);
}

static void off_is_stock(struct shield *s)
{
	struct domain_run r;

	if (!ASSERT_OK(shield_setup(s, 0, false), "shield_setup"))
		return;
	if (!ASSERT_TRUE(domain_reclaim(s, &r), "domain_reclaim"))
		return;
	if (!ASSERT_GE(r.a0 - r.a1, RECLAIMED, "r.a0 - r.a1"))
		return;
	if (!ASSERT_GE(r.b0 - r.b1, RECLAIMED, "r.b0 - r.b1"))
		return;
	if (!ASSERT_EQ(r.a_low, 0, "r.a_low"))
		return;
}

static void shield_off_is_stock(void)
{
	struct shield s = {};
	off_is_stock(&s);
	shield_cleanup(&s);
}

/*
 * a's own memory.high, then memory.max, 4M and 8M below what it holds: the
 * reclaim for a's limits must take from a, which is all of that domain,
 * without asking the hook (it would say "shielded", in any domain) and so
 * without a "low" event.  Then a reclaim for p's limit shows the program
 * attached and answering.
 */
static void not_against_own_limit(struct shield *s)
{
	const struct memcg_shield_test__bss *bss;
	long long a0, a1, a2, p0;

	if (!ASSERT_OK(shield_setup(s, 1, true), "shield_setup"))
		return;
	bss = s->skel->bss;
	if (!ASSERT_OK(kt_shmem_fill(s->a, s->fd[0], HOLD_MB), "kt_shmem_fill"))
		return;
	if (!ASSERT_OK(kt_shmem_fill(s->b, s->fd[1], 8), "kt_shmem_fill"))
		return;
	a0 = current_of(s->a);
	if (!ASSERT_GE(a0, HOLD_MB * MB, "a0"))
		return;

	if (!ASSERT_OK(write_ll(s->a, "memory.high", a0 - 4 * MB), "write_ll"))
		return;
	a1 = current_of(s->a);
	if (!ASSERT_OK(write_ll(s->a, "memory.max", a0 - 8 * MB), "write_ll"))
		return;
	a2 = current_of(s->a);
	kt_log("a %lld -> %lld (memory.high) -> %lld (memory.max); hook calls "
	       "%llu, with memcg == target %llu; a low events %lld\n", a0, a1,
	       a2, (unsigned long long)bss->calls,
	       (unsigned long long)bss->self_calls, events_of(s->a, "low"));
	if (!ASSERT_LE(a1, a0 - 4 * MB, "a1"))
		return;
	if (!ASSERT_LE(a2, a0 - 8 * MB, "a2"))
		return;
	if (!ASSERT_EQ(bss->self_calls, 0, "bss->self_calls"))
		return;
	if (!ASSERT_EQ(events_of(s->a, "low"), 0, "events_of"))
		return;
	if (!ASSERT_EQ(events_of(s->a, "oom"), 0, "events_of"))
		return;

	/* The control: reclaim for p asks about a, and takes from b. */
	p0 = current_of(s->p);
	if (!ASSERT_OK(write_ll(s->p, "memory.max", p0 - 4 * MB), "write_ll"))
		return;
	kt_log("p %lld -> %lld; hook calls %llu, for a in p's reclaim %llu\n",
	       p0, current_of(s->p), (unsigned long long)bss->calls,
	       (unsigned long long)bss->domain_calls);
	if (!ASSERT_GT(bss->domain_calls, 0, "bss->domain_calls"))
		return;
	if (!ASSERT_EQ(bss->self_calls, 0, "bss->self_calls"))
		return;
	if (!ASSERT_EQ(events_of(s->a, "low"), 0, "events_of"))
		return;
}

static void shield_not_against_own_limit(void)
{
	struct shield s = {};
	not_against_own_limit(&s);
	shield_cleanup(&s);
}

/*
 * a holds 24M, its siblings nothing, and p's memory.max goes to 16M: the
 * first pass finds only a, shielded, and nothing else; the second pass
 * takes from a, counting "low", and the limit is met without an OOM.
 */
static void yields_when_nothing_else(struct shield *s)
{
	const struct memcg_shield_test__bss *bss;
	long long a0, a1;

	if (!ASSERT_OK(shield_setup(s, 1, false), "shield_setup"))
		return;
	bss = s->skel->bss;
	if (!ASSERT_OK(kt_shmem_fill(s->a, s->fd[0], 24), "kt_shmem_fill"))
		return;
	a0 = current_of(s->a);
	if (!ASSERT_GE(a0, 24 * MB, "a0"))
		return;

	if (!ASSERT_OK(write_ll(s->p, "memory.max", 16 * MB), "write_ll"))
		return;
	a1 = current_of(s->a);
	kt_log("a %lld -> %lld, p %lld; a low events %lld, p oom events %lld; "
	       "hook calls for a in p's reclaim %llu\n", a0, a1,
	       current_of(s->p), events_of(s->a, "low"),
	       events_of(s->p, "oom"), (unsigned long long)bss->domain_calls);
	if (!ASSERT_LE(current_of(s->p), 16 * MB, "current_of"))
		return;
	if (!ASSERT_LE(a1, 16 * MB, "a1"))
		return;
	if (!ASSERT_GT(bss->domain_calls, 0, "bss->domain_calls"))
		return;
	if (!ASSERT_GT(events_of(s->a, "low"), 0, "events_of"))
		return;
	if (!ASSERT_EQ(events_of(s->p, "oom"), 0, "events_of"))
		return;
}

static void shield_yields_when_nothing_else(void)
{
	struct shield s = {};
	yields_when_nothing_else(&s);
	shield_cleanup(&s);
}

void test_memcg_ops_shield(void)
{
	kt_subtest("shield_protects_in_domain",
		   "a memcg the hook shields keeps its pages while reclaim for its parent's limit takes its siblings'",
		   shield_protects_in_domain);
	kt_subtest("shield_off_is_stock",
		   "a hook answering 0 leaves the memcg to stock reclaim: it loses pages like its siblings",
		   shield_off_is_stock);
	kt_subtest("shield_not_against_own_limit",
		   "reclaim for a memcg's own memory.high and memory.max never asks the hook about it",
		   shield_not_against_own_limit);
	kt_subtest("shield_yields_when_nothing_else",
		   "a shielded memcg is reclaimed after all, with \"low\" events, when its domain has nothing else",
		   shield_yields_when_nothing_else);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_memcg_reclaim(): from a sleepable SYSCALL program run by
 * BPF_PROG_RUN it reclaims at most 16M a call and returns what it took,
 * which memory.current shows gone; it stops at the larger of the memcg's
 * memory.low and memory.min; flags other than 0 and the root memcg get
 * -EINVAL; the verifier refuses it where a SYSCALL program cannot sleep
 * (its timer callbacks), to tracing programs and to loaders without
 * CAP_SYS_ADMIN; and a bpf_wq callback of a SYSCALL program may call it.
 * The memory is a tmpfs file's, written by a child in the cgroup
 * (kt_shmem.h): reclaim swaps it out to zram.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <test_progs.h>

#include "kt_log.h"
#include "kt_caps.h"
#include "kt_cgroup.h"
#include "kt_load.h"
#include "kt_shmem.h"
#include "memcg_reclaim_test.skel.h"

#define MB (1LL << 20)
/* The most one call tries (BPF_MEMCG_RECLAIM_MAX_BYTES). */
#define CALL_MAX (16 * MB)
/*
 * What one call may take beyond what it asked: reclaim stops only between
 * batches of SWAP_CLUSTER_MAX pages of a list, so its last batch may
 * overshoot by a few of them (memory.reclaim, asked for 16M of a 40M
 * cgroup on the test kernel, took 16.2M to 16.5M); also the slack allowed
 * between what a call returned and how far memory.current fell.
 */
#define OVERSHOOT (1 * MB)
#define WQ_TIMEOUT_S 60

struct reclaim_run {
	struct memcg_reclaim_test *skel;
	int fd;
	char cg[PATH_MAX];
};

/*
 * Cgroup NAME holding MB megabytes of a tmpfs file, and the programs
 * loaded, with EXTRA (a '?' program) too if not NULL.  0 or -1 with a
 * message; reclaim_cleanup() either way.
 */
static int reclaim_setup(struct reclaim_run *r, const char *name, size_t mb,
			 const char *extra)
{
	int err;

	r->fd = -1;
	if (kt_cg_create(name, r->cg))
		return -1;
	r->fd = kt_shmem_open();
	if (r->fd < 0 || kt_shmem_fill(r->cg, r->fd, mb))
		return -1;
	r->skel = memcg_reclaim_test__open();
	if (!r->skel) {
		fprintf(stderr, "cannot open memcg_reclaim_test: %s\n", strerror(errno));
		return -1;
	}
	if (extra)
		bpf_program__set_autoload(bpf_object__find_program_by_name(r->skel->obj,
									   extra), true);
	err = memcg_reclaim_test__load(r->skel);
	if (err) {
		fprintf(stderr, "cannot load memcg_reclaim_test: %s\n", strerror(-err));
		return -1;
	}
	r->skel->bss->cgid = kt_cg_id(r->cg);
	return 0;
}

static void reclaim_cleanup(struct reclaim_run *r)
{
	memcg_reclaim_test__destroy(r->skel);
	if (r->fd >= 0)
		close(r->fd);
}

static long long current_of(const char *cg)
{
	return kt_cg_read_u64(cg, "memory.current");
}

/* Run PROG with BPF_PROG_RUN: its return value, or -errno with a message. */
static long long prog_run(struct bpf_program *prog)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);

	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts)) {
		fprintf(stderr, "BPF_PROG_RUN of %s: %s\n",
			bpf_program__name(prog), strerror(errno));
		return -errno;
	}
	return opts.retval;
}

/*
 * bpf_memcg_reclaim(memcg of PROG's cgroup, BYTES, FLAGS) through PROG:
 * what it returned, or LLONG_MIN if the program failed.
 */
static long long call_kfunc(struct reclaim_run *r, struct bpf_program *prog,
			    long long bytes, __u64 flags)
{
	r->skel->bss->nr_bytes = bytes;
	r->skel->bss->flags = flags;
	r->skel->bss->result = LLONG_MIN;
	if (prog_run(prog))
		return LLONG_MIN;
	return r->skel->bss->result;
}

static long long reclaim_cg(struct reclaim_run *r, long long bytes, __u64 flags)
{
	return call_kfunc(r, r->skel->progs.reclaim, bytes, flags);
}

static int write_ll(const char *cg, const char *file, long long value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", value);
	return kt_cg_write(cg, file, buf);
}

/*
 * 40M held, 64M asked twice: each call takes at most 16M, yet the two
 * together take more than one may: the cap ended the first, not the supply.
 */
static void bounded(struct reclaim_run *r)
{
	long long c0, c1, c2, got1, got2;

	if (!ASSERT_OK(reclaim_setup(r, "r", 40, NULL), "reclaim_setup"))
		return;
	c0 = current_of(r->cg);
	if (!ASSERT_GE(c0, 40 * MB, "c0"))
		return;
	got1 = reclaim_cg(r, 64 * MB, 0);
	c1 = current_of(r->cg);
	got2 = reclaim_cg(r, 64 * MB, 0);
	c2 = current_of(r->cg);
	kt_log("memory.current %lld -> %lld -> %lld; returned %lld, %lld\n",
	       c0, c1, c2, got1, got2);
	if (!ASSERT_GT(got1, 0, "got1"))
		return;
	if (!ASSERT_LE(got1, CALL_MAX + OVERSHOOT, "got1"))
		return;
	if (!ASSERT_LE(llabs(c0 - c1 - got1), OVERSHOOT, "llabs"))
		return;
	if (!ASSERT_GT(got2, 0, "got2"))
		return;
	if (!ASSERT_LE(got2, CALL_MAX + OVERSHOOT, "got2"))
		return;
	if (!ASSERT_LE(llabs(c1 - c2 - got2), OVERSHOOT, "llabs"))
		return;
	if (!ASSERT_GT(got1 + got2, CALL_MAX + OVERSHOOT, "got1 + got2"))
		return;
}

static void reclaim_kfunc_bounded(void)
{
	struct reclaim_run r = {};
	bounded(&r);
	reclaim_cleanup(&r);
}

/*
 * Ask 16M with FILE (memory.low or memory.min) 4M below the usage: the call
 * stops at it, having taken most of those 4M.
 */
static bool stops_at(struct reclaim_run *r, const char *file)
{
	long long c0, c1, floor, got;

	c0 = current_of(r->cg);
	floor = (c0 - 4 * MB) & ~(sysconf(_SC_PAGESIZE) - 1);
	if (!ASSERT_OK(write_ll(r->cg, file, floor), "write_ll"))
		return false;
	got = reclaim_cg(r, CALL_MAX, 0);
	c1 = current_of(r->cg);
	kt_log("%s %lld: memory.current %lld -> %lld, returned %lld\n", file,
	       floor, c0, c1, got);
	if (!ASSERT_GE(got, 2 * MB, "got"))
		return false;
	if (!ASSERT_LE(got, 4 * MB + OVERSHOOT, "got"))
		return false;
	if (!ASSERT_GE(c1, floor - OVERSHOOT, "c1"))
		return false;
	if (!ASSERT_OK(write_ll(r->cg, file, 0), "write_ll"))
		return false;
	return true;
}

static void floor_test(struct reclaim_run *r)
{
	long long got;

	if (!ASSERT_OK(reclaim_setup(r, "f", 24, NULL), "reclaim_setup"))
		return;
	if (!ASSERT_GE(current_of(r->cg), 24 * MB, "current_of"))
		return;
	if (!ASSERT_TRUE(stops_at(r, "memory.low"), "stops_at"))
		return;
	if (!ASSERT_TRUE(stops_at(r, "memory.min"), "stops_at"))
		return;
	/* Without either, the same call takes what it asks. */
	got = reclaim_cg(r, CALL_MAX, 0);
	kt_log("no protection: returned %lld\n", got);
	if (!ASSERT_GE(got, 8 * MB, "got"))
		return;
}

static void reclaim_kfunc_floor(void)
{
	struct reclaim_run r = {};
	floor_test(&r);
	reclaim_cleanup(&r);
}

static void bad_args(struct reclaim_run *r)
{
	long long c0, c1, got;

	if (!ASSERT_OK(reclaim_setup(r, "e", 8, NULL), "reclaim_setup"))
		return;
	c0 = current_of(r->cg);
	if (!ASSERT_EQ(reclaim_cg(r, MB, 1), -EINVAL, "reclaim_cg"))
		return;
	if (!ASSERT_EQ(reclaim_cg(r, MB, 1ULL << 63), -EINVAL, "reclaim_cg"))
		return;
	if (!ASSERT_EQ(call_kfunc(r, r->skel->progs.reclaim_root, MB, 0), -EINVAL, "call_kfunc"))
		return;
	c1 = current_of(r->cg);
	/* Refused before reclaiming anything. */
	if (!ASSERT_LT(c0 - c1, OVERSHOOT, "c0 - c1"))
		return;
	/* The same calls with good arguments. */
	if (!ASSERT_EQ(reclaim_cg(r, 0, 0), 0, "reclaim_cg"))
		return;
	got = reclaim_cg(r, MB, 0);
	kt_log("memory.current %lld -> %lld; 1M with flags 0 returned %lld\n",
	       c0, c1, got);
	if (!ASSERT_GT(got, 0, "got"))
		return;
	if (!ASSERT_LE(got, MB + OVERSHOOT, "got"))
		return;
}

static void reclaim_kfunc_bad_args(void)
{
	struct reclaim_run r = {};
	bad_args(&r);
	reclaim_cleanup(&r);
}

/* The object whose programs kt_load_alone() and kt_load_as_user() load. */
#define RECLAIM_ELF(sz) memcg_reclaim_test__elf_bytes(sz)

#define NOT_ALLOWED "calling kernel function bpf_memcg_reclaim is not allowed"

static bool refused_for(const char *name, bool as_syscall, int err,
			const char *why)
{
	size_t sz;
	const void *elf = RECLAIM_ELF(&sz);

	return kt_refused_for(elf, sz, name, as_syscall, err, why);
}

static int load_as_user(const char *name, uint64_t caps)
{
	size_t sz;
	const void *elf = RECLAIM_ELF(&sz);

	return kt_load_as_user(elf, sz, name, caps, NOT_ALLOWED);
}

static void reclaim_kfunc_refused(void)
{
	uint64_t bpf_caps = KT_CAP(CAP_BPF) | KT_CAP(CAP_PERFMON);

	size_t sz;
	const void *elf = RECLAIM_ELF(&sz);

	/* The control: as root, the sleepable SYSCALL program loads. */
	if (!ASSERT_EQ(kt_load_alone(elf, sz, "reclaim", false), 0, "kt_load_alone"))
		return;
	/* No SYSCALL program is non-sleepable, whatever it calls... */
	if (!ASSERT_TRUE(refused_for("reclaim_not_sleepable", true, EINVAL,
				     "Syscall programs can only be sleepable"),
			 "refused_for"))
		return;
	/* ... but the callback of its bpf_timer is. */
	if (!ASSERT_TRUE(refused_for("reclaim_from_timer", false, EACCES,
				     "program must be sleepable to call sleepable kfunc bpf_memcg_reclaim"),
			 "refused_for"))
		return;
	if (!ASSERT_TRUE(refused_for("reclaim_fentry", false, EACCES, NOT_ALLOWED), "refused_for"))
		return;
	/*
	 * CAP_BPF and CAP_PERFMON, what a BPF token can delegate: SYSCALL
	 * programs and the memcg lookup load, bpf_memcg_reclaim() does not;
	 * with CAP_SYS_ADMIN as well it does.
	 */
	if (!ASSERT_EQ(load_as_user("lookup_only", bpf_caps), KT_CHILD_LOADED, "load_as_user"))
		return;
	if (!ASSERT_EQ(load_as_user("reclaim", bpf_caps), KT_CHILD_REFUSED, "load_as_user"))
		return;
	if (!ASSERT_EQ(load_as_user("reclaim", bpf_caps | KT_CAP(CAP_SYS_ADMIN)), KT_CHILD_LOADED,
		       "load_as_user"))
		return;
}

/*
 * Why bpf_wq_set_callback() is missing, if it is for the known reason: its
 * kernel BTF still has the implicit argument and no _impl twin.
 */
static bool wq_callback_btf_unrewritten(void)
{
	const struct btf_param *params;
	const struct btf_type *t;
	struct btf *btf = btf__load_vmlinux_btf();
	bool unrewritten = false;
	int id;

	if (!btf)
		return false;
	id = btf__find_by_name_kind(btf, "bpf_wq_set_callback", BTF_KIND_FUNC);
	if (id > 0 && btf__find_by_name_kind(btf, "bpf_wq_set_callback_impl",
					     BTF_KIND_FUNC) < 0) {
		t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
		params = btf_params(t);
		unrewritten = btf_vlen(t) == 4 &&
			!strcmp(btf__name_by_offset(btf, params[3].name_off), "aux");
	}
	btf__free(btf);
	return unrewritten;
}

static void from_wq(struct reclaim_run *r)
{
	const struct timespec nap = { 0, 10 * 1000 * 1000 };
	volatile __u32 *done;
	long long c0, c1, got;
	int polls;

	if (!ASSERT_OK(reclaim_setup(r, "w", 24, "start_reclaim_wq"), "reclaim_setup"))
		return;
	c0 = current_of(r->cg);
	r->skel->bss->nr_bytes = 8 * MB;
	r->skel->bss->flags = 0;
	r->skel->bss->result = LLONG_MIN;
	if (!ASSERT_EQ(prog_run(r->skel->progs.start_reclaim_wq), 0, "prog_run"))
		return;
	if (r->skel->bss->no_wq_callback) {
		if (wq_callback_btf_unrewritten())
			PRINT_FAIL("bpf_wq_set_callback() cannot be called: "
				   "its kernel BTF keeps the implicit 'aux' argument "
				   "and has no bpf_wq_set_callback_impl, as "
				   "resolve_btfids leaves it without kfunc decl tags "
				   "(pahole < 1.26) unless patched to find it\n");
		else
			PRINT_FAIL("libbpf did not resolve bpf_wq_set_callback()\n");
		return;
	}
	done = &r->skel->bss->wq_done;
	for (polls = 0; polls < WQ_TIMEOUT_S * 100 && !*done; polls++)
		nanosleep(&nap, NULL);
	got = r->skel->bss->result;
	c1 = current_of(r->cg);
	kt_log("work item ran %u time(s) after %d polls; memory.current %lld -> "
	       "%lld, returned %lld\n", *done, polls, c0, c1, got);
	if (!ASSERT_EQ(*done, 1, "*done"))
		return;
	/* Reclaimed (how much at most is reclaim_kfunc_bounded's matter). */
	if (!ASSERT_GE(got, 4 * MB, "got"))
		return;
	if (!ASSERT_LE(llabs(c0 - c1 - got), OVERSHOOT, "llabs"))
		return;
}

static void reclaim_kfunc_from_wq(void)
{
	struct reclaim_run r = {};
	from_wq(&r);
	reclaim_cleanup(&r);
}

void test_memcg_reclaim_kfunc(void)
{
	kt_subtest("reclaim_kfunc_bounded",
		   "bpf_memcg_reclaim() from BPF_PROG_RUN takes at most 16M a call, as much as memory.current falls",
		   reclaim_kfunc_bounded);
	kt_subtest("reclaim_kfunc_floor",
		   "bpf_memcg_reclaim() stops at the memcg's own memory.low and memory.min",
		   reclaim_kfunc_floor);
	kt_subtest("reclaim_kfunc_bad_args",
		   "bpf_memcg_reclaim() returns -EINVAL for flags other than 0 and for the root memcg",
		   reclaim_kfunc_bad_args);
	kt_subtest("reclaim_kfunc_refused",
		   "a SYSCALL program's timer callback, fentry, and loaders without CAP_SYS_ADMIN cannot call bpf_memcg_reclaim()",
		   reclaim_kfunc_refused);
	kt_subtest("reclaim_kfunc_from_wq",
		   "a bpf_wq callback of a SYSCALL program reclaims with bpf_memcg_reclaim()",
		   reclaim_kfunc_from_wq);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * poke-churn: live text patching of a function that other CPUs execute,
 * as fast as libbpf can attach and detach, to tell a kernel bug from an
 * emulator's in the "Oops: int3" seen under two-vCPU TCG (README, Known
 * problems).
 *
 * One child per CPU, pinned, calls getppid() in a tight loop.  The parent
 * keeps program "anchor" on __do_sys_getppid() and attaches and detaches
 * program "churn" on the same function CYCLES times.  Each attach and each
 * detach makes the kernel write the function's entry with the int3
 * protocol (smp_text_poke_single()), and each detach also writes a jump
 * into the trampoline image the other CPUs may be running.  Any kernel
 * report on the console fails the run (selftests/vm/run).
 *
 * Usage: poke-churn [CYCLES]   (default 20000)
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "poke_churn.skel.h"

#define PROG "poke-churn"

static pid_t spin_on(int cpu)
{
	pid_t pid = fork();
	cpu_set_t set;

	if (pid)
		return pid;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		_exit(2);
	for (;;)
		syscall(SYS_getppid);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long cycles = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct poke_churn_bpf *skel;
	struct bpf_link *anchor, *churn;
	pid_t kids[64];
	double t0;
	long c, i;
	int rc = 1;

	if (argc > 2 || cycles <= 0 || ncpu < 1 || ncpu > 64) {
		fprintf(stderr, "usage: " PROG " [CYCLES]  (CYCLES > 0, at most 64 CPUs)\n");
		return 2;
	}
	skel = poke_churn_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, PROG ": loading the programs: %s\n", strerror(errno));
		return 1;
	}
	anchor = bpf_program__attach(skel->progs.anchor);
	if (!anchor) {
		fprintf(stderr, PROG ": attaching anchor: %s\n", strerror(errno));
		goto out;
	}
	for (i = 0; i < ncpu; i++)
		kids[i] = spin_on(i);
	t0 = now();
	for (c = 1; c <= cycles; c++) {
		churn = bpf_program__attach(skel->progs.churn);
		if (!churn) {
			fprintf(stderr, PROG ": cycle %ld: attaching churn: %s\n",
				c, strerror(errno));
			goto kill;
		}
		bpf_link__destroy(churn);
		if (c % 100 == 0)
			fprintf(stderr, PROG ": %ld cycles, %.0f s\n", c, now() - t0);
	}
	printf(PROG ": %ld attach/detach cycles in %.0f s on %ld CPUs; "
	       "getppid() calls seen: anchor %llu, churn %llu\n",
	       cycles, now() - t0, ncpu,
	       (unsigned long long)skel->bss->anchor_calls,
	       (unsigned long long)skel->bss->churn_calls);
	/* A run whose spinners never entered the patched function tested nothing. */
	rc = skel->bss->anchor_calls && skel->bss->churn_calls ? 0 : 1;
	if (rc)
		fprintf(stderr, PROG ": the patched function was not executed\n");
kill:
	for (i = 0; i < ncpu; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	bpf_link__destroy(anchor);
out:
	poke_churn_bpf__destroy(skel);
	return rc;
}

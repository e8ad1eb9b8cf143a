// SPDX-License-Identifier: GPL-2.0
/* Loading one program of a test object alone: see kt_load.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "kt_caps.h"
#include "kt_load.h"

char kt_verifier_log[1 << 18];

int kt_load_alone(const void *elf, size_t size, const char *name,
		  bool as_syscall)
{
	struct bpf_object *obj;
	struct bpf_program *prog, *p;
	int err;

	obj = bpf_object__open_mem(elf, size, NULL);
	if (!obj)
		return -errno;
	prog = bpf_object__find_program_by_name(obj, name);
	if (!prog) {
		bpf_object__close(obj);
		return -ENOENT;
	}
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, p == prog);
	if (as_syscall)
		bpf_program__set_type(prog, BPF_PROG_TYPE_SYSCALL);
	kt_verifier_log[0] = '\0';
	bpf_program__set_log_buf(prog, kt_verifier_log, sizeof(kt_verifier_log));
	bpf_program__set_log_level(prog, 1);
	err = bpf_object__load(obj);
	bpf_object__close(obj);
	return err;
}

bool kt_refused_for(const void *elf, size_t size, const char *name,
		    bool as_syscall, int err, const char *why)
{
	int ret = kt_load_alone(elf, size, name, as_syscall);

	if (ret == -err && strstr(kt_verifier_log, why))
		return true;
	fprintf(stderr, "%s: load returned %d (%s), expected %d with \"%s\"; "
		"verifier log:\n%s\n", name, ret, strerror(-ret), -err, why,
		kt_verifier_log);
	return false;
}

int kt_load_as_user(const void *elf, size_t size, const char *name,
		    uint64_t caps, const char *why)
{
	int status, err;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (kt_become_user(caps))
			_exit(KT_CHILD_NO_CAPS);
		err = kt_load_alone(elf, size, name, false);
		if (!err)
			_exit(KT_CHILD_LOADED);
		if (err == -EACCES && strstr(kt_verifier_log, why))
			_exit(KT_CHILD_REFUSED);
		fprintf(stderr, "%s as uid %d: load returned %d (%s); verifier "
			"log:\n%s\n", name, KT_USER_ID, err, strerror(-err),
			kt_verifier_log);
		_exit(KT_CHILD_OTHER);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -ECHILD;
	return WEXITSTATUS(status);
}

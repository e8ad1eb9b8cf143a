// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kt_log.h"
#include "kt_cgroup.h"
#include "kt_oom.h"

#define KT_OOM_MAX 8

/* What a test made, undone by kt_oom_cleanup() however the test ended. */
static struct oom_ops_test *skels[KT_OOM_MAX];
static struct bpf_link *links[KT_OOM_MAX];
static pid_t pids[KT_OOM_MAX];
static int nr_skels, nr_links, nr_pids;

void kt_oom_cleanup(void)
{
	while (nr_pids)
		kt_oom_reap(pids[--nr_pids]);
	while (nr_links)
		bpf_link__destroy(links[--nr_links]);
	while (nr_skels)
		oom_ops_test__destroy(skels[--nr_skels]);
}

struct oom_ops_test *kt_oom_load(enum kt_oom_mode mode)
{
	struct oom_ops_test *skel;

	if (nr_skels == KT_OOM_MAX)
		return NULL;
	skel = oom_ops_test__open_and_load();
	if (!skel) {
		fprintf(stderr, "cannot load oom_ops_test: %s\n", strerror(errno));
		return NULL;
	}
	skel->bss->mode = mode;
	skels[nr_skels++] = skel;
	return skel;
}

struct bpf_link *kt_oom_attach(struct oom_ops_test *skel, const char *path)
{
	LIBBPF_OPTS(bpf_struct_ops_opts, opts, .flags = BPF_F_CGROUP_FD);
	struct bpf_link *link;
	int fd, err;

	fd = kt_cg_open(path);
	if (fd < 0)
		return NULL;
	opts.target_fd = fd;
	link = bpf_map__attach_struct_ops_opts(skel->maps.test_oom_ops, &opts);
	err = errno;
	close(fd);
	if (link && nr_links < KT_OOM_MAX)
		links[nr_links++] = link;
	errno = err;
	return link;
}

int kt_oom_cg_create(const char *rel, size_t max_mb, char *ret_path)
{
	char max[32];
	int err;

	err = kt_cg_create(rel, ret_path);
	if (err)
		return err;
	snprintf(max, sizeof(max), "%zuM", max_mb);
	err = kt_cg_write(ret_path, "memory.max", max);
	if (err)
		return err;
	/* Without swap the limit is an OOM, not a slow swap-out. */
	err = kt_cg_write(ret_path, "memory.swap.max", "0");
	return err == -ENOENT ? 0 : err;
}

/* Touch MB megabytes, say so on READY_FD, and wait to be killed. */
static void child_hold(size_t mb, int ready_fd)
{
	char *p = malloc(mb << 20);

	if (!p)
		_exit(4);
	for (size_t off = 0; off < mb << 20; off += 4096)
		p[off] = 1;
	if (write(ready_fd, "r", 1) != 1)
		_exit(5);
	for (;;)
		pause();
}

static void child(const char *path, int adj, size_t mb, int ready_fd)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", getpid());
	if (kt_cg_write(path, "cgroup.procs", buf))
		_exit(2);
	snprintf(buf, sizeof(buf), "%d", adj);
	if (kt_cg_write("/proc/self", "oom_score_adj", buf))
		_exit(3);
	if (ready_fd >= 0)
		child_hold(mb, ready_fd);
	_exit(kt_alloc_anon(mb, 1));
}

/* fork(), the child's pid kept for kt_oom_cleanup(). */
static pid_t fork_tracked(void)
{
	pid_t pid = fork();

	if (pid < 0)
		perror("fork");
	else if (pid > 0 && nr_pids < KT_OOM_MAX)
		pids[nr_pids++] = pid;
	return pid;
}

pid_t kt_oom_spawn(const char *path, int adj, size_t mb, bool hold)
{
	int fds[2] = { -1, -1 };
	pid_t pid;
	char c;

	if (hold && pipe(fds) < 0)
		return -1;
	pid = fork_tracked();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(fds[0]);
		child(path, adj, mb, fds[1]);
	}
	if (!hold)
		return pid;
	close(fds[1]);
	if (read(fds[0], &c, 1) != 1) {
		fprintf(stderr, "task %d in %s did not get its %zu MB\n", pid, path, mb);
		kt_oom_reap(pid);
		pid = -1;
	}
	close(fds[0]);
	return pid;
}

pid_t kt_oom_spawn_populate(const char *path, size_t mb, int *go_fd)
{
	int fds[2];
	char buf[32], c;
	pid_t pid;

	if (pipe(fds) < 0)
		return -1;
	pid = fork_tracked();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(fds[1]);
		snprintf(buf, sizeof(buf), "%d", getpid());
		if (kt_cg_write(path, "cgroup.procs", buf))
			_exit(2);
		if (read(fds[0], &c, 1) != 1)
			_exit(3);
		if (mmap(NULL, mb << 20, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
			 -1, 0) == MAP_FAILED)
			_exit(4);
		_exit(0);
	}
	close(fds[0]);
	*go_fd = fds[1];
	return pid;
}

static void forget(pid_t pid)
{
	for (int i = 0; i < nr_pids; i++)
		if (pids[i] == pid)
			pids[i] = pids[--nr_pids];
}

int kt_oom_wait(pid_t pid, int timeout_s, int *ret_code)
{
	int status;

	for (int i = 0; i < timeout_s * 100; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid) {
			forget(pid);
			if (WIFSIGNALED(status))
				return WTERMSIG(status) == SIGKILL;
			*ret_code = WEXITSTATUS(status);
			return 0;
		}
		usleep(10 * 1000);
	}
	return -1;
}

void kt_oom_reap(pid_t pid)
{
	if (pid <= 0)
		return;
	forget(pid);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

int kt_kmsg_mark(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		perror("/dev/kmsg");
		return -1;
	}
	if (lseek(fd, 0, SEEK_END) < 0) {
		perror("/dev/kmsg: seek");
		close(fd);
		return -1;
	}
	return fd;
}

bool kt_kmsg_find(int mark, const char *s1, const char *s2)
{
	char rec[8192];
	bool found = false;
	ssize_t n;

	if (mark < 0)
		return false;
	for (;;) {
		n = read(mark, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			break;
		rec[n] = '\0';
		if (strstr(rec, s1) && (!s2 || strstr(rec, s2))) {
			kt_log("kmsg: %s", strchr(rec, ';') ? strchr(rec, ';') + 1 : rec);
			found = true;
			break;
		}
	}
	close(mark);
	return found;
}

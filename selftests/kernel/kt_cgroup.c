// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <test_progs.h>

#include "kt_cgroup.h"

const char *kt_cgroup_root = "/sys/fs/cgroup";
static char base[PATH_MAX];

/* dst = a/b; -ENAMETOOLONG if it does not fit PATH_MAX. */
static int join(char *dst, const char *a, const char *b)
{
	int n = snprintf(dst, PATH_MAX, "%s/%s", a, b);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

static int write_file(const char *path, const char *value)
{
	int fd, ret = 0;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

int kt_cg_write(const char *path, const char *file, const char *value)
{
	char p[PATH_MAX];

	if (join(p, path, file))
		return -ENAMETOOLONG;
	return write_file(p, value);
}

/* Depth first: a cgroup can only go once its children are gone. */
static void remove_tree(const char *path)
{
	struct dirent *de;
	DIR *d = opendir(path);

	if (!d)
		return;
	while ((de = readdir(d))) {
		char child[PATH_MAX];

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (!join(child, path, de->d_name))
			remove_tree(child);
	}
	closedir(d);
	if (rmdir(path) < 0 && errno != ENOENT)
		fprintf(stderr, "cannot remove %s: %s\n", path, strerror(errno));
}

/* mkdir PATH after enabling the memory controller in PARENT. */
static int create_below(const char *parent, const char *path)
{
	int err = kt_cg_write(parent, "cgroup.subtree_control", "+memory");

	if (err) {
		fprintf(stderr, "cannot enable memory controller in %s: %s\n",
			parent, strerror(-err));
		return err;
	}
	if (mkdir(path, 0755) < 0) {
		err = -errno;
		fprintf(stderr, "cannot create %s: %s\n", path, strerror(errno));
		return err;
	}
	return 0;
}

int kt_setup(void)
{
	if (join(base, kt_cgroup_root, "memcg-bpf-test"))
		return -ENAMETOOLONG;
	remove_tree(base);
	return create_below(kt_cgroup_root, base);
}

void kt_teardown(void)
{
	remove_tree(base);
}

void kt_subtest(const char *name, const char *desc, void (*fn)(void))
{
	if (!test__start_subtest_with_desc(name, desc))
		return;
	if (!ASSERT_OK(kt_setup(), "kt_setup"))
		return;
	fn();
	kt_teardown();
}

const char *kt_cg_base(void)
{
	return base;
}

int kt_cg_create(const char *rel, char *ret_path)
{
	char path[PATH_MAX], parent[PATH_MAX], *slash;
	int err;

	if (join(path, base, rel))
		return -ENAMETOOLONG;
	memcpy(parent, path, sizeof(parent));
	slash = strrchr(parent, '/');
	*slash = '\0';
	err = create_below(parent, path);
	if (err)
		return err;
	memcpy(ret_path, path, PATH_MAX);
	return 0;
}

int kt_cg_remove(const char *path)
{
	return rmdir(path) < 0 ? -errno : 0;
}

int kt_cg_open(const char *path)
{
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

uint64_t kt_cg_id(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return 0;
	return st.st_ino;
}

long long kt_cg_read_key(const char *path, const char *file, const char *key)
{
	char p[PATH_MAX], k[64];
	long long v, ret = -1;
	FILE *f;

	if (join(p, path, file))
		return -1;
	f = fopen(p, "re");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", k, &v) == 2) {
		if (!strcmp(k, key)) {
			ret = v;
			break;
		}
	}
	fclose(f);
	return ret;
}

long long kt_cg_read_u64(const char *path, const char *file)
{
	char p[PATH_MAX];
	long long v = -1;
	FILE *f;

	if (join(p, path, file))
		return -1;
	f = fopen(p, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

int kt_alloc_anon(size_t mb, int rounds)
{
	size_t len = mb << 20;
	long page = sysconf(_SC_PAGESIZE);

	for (int r = 0; r < rounds; r++) {
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return 1;
		for (size_t off = 0; off < len; off += page)
			p[off] = (char)off | 1;
		munmap(p, len);
	}
	return 0;
}

int kt_cg_run(const char *path, int (*fn)(void *arg), void *arg)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%d", getpid());
		if (kt_cg_write(path, "cgroup.procs", buf))
			_exit(2);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "child in %s failed (status %#x)\n", path, status);
		return -ECHILD;
	}
	return 0;
}

struct alloc_arg {
	size_t mb;
	int rounds;
};

static int child_alloc_fn(void *arg)
{
	const struct alloc_arg *a = arg;

	return kt_alloc_anon(a->mb, a->rounds);
}

int kt_cg_run_alloc(const char *path, size_t mb, int rounds)
{
	struct alloc_arg a = { .mb = mb, .rounds = rounds };

	return kt_cg_run(path, child_alloc_fn, &a);
}

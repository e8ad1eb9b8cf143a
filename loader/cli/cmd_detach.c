// SPDX-License-Identifier: GPL-2.0-only
/*
 * --detach: detach every link pinned under pin_path, remove the pins, and
 * check that nothing of ours is left: no pins, and none of the links we
 * found still attached.  Works from the pins alone, so it also cleans up
 * after another version of memcg-prio or a half-finished run.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cli/commands.h"
#include "kernel/ops_link.h"
#include "kernel/pins.h"
#include "kernel/session.h"
#include "log.h"

#define GONE_TIMEOUT_MS 5000

struct found_link {
	uint32_t id;
	uint32_t type;
	char name[NAME_MAX + 1];	/* pin name, for messages */
};

struct found {
	uint32_t n;
	struct found_link links[2 * PRIO_MAX_GROUPS + 2];
};

/* How struct_ops links are attached: memcg_bpf_ops' way, or the OOM
 * hook's on a kernel with that only (the same ABI today). */
static const struct prio_attach_abi *abi_of(const struct prio_ctx *ctx)
{
	return ctx->kernel.abi ? ctx->kernel.abi : ctx->kernel.oom_abi;
}

/* Detach what is pinned in dir/links (struct_ops links at once). */
static void detach_links(struct prio_ctx *ctx, const char *dir,
			 struct found *f)
{
	char links[PATH_MAX], rel[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (prio_path_join(links, sizeof(links), dir, PRIO_PIN_LINKS) < 0)
		return;
	d = opendir(links);
	if (!d)
		return;
	while ((de = readdir(d)) && f->n < ARRAY_SIZE(f->links)) {
		struct bpf_link_info info = { 0 };
		uint32_t len = sizeof(info);
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(rel, sizeof(rel), PRIO_PIN_LINKS "/%s", de->d_name);
		fd = prio_pin_open(dir, rel);
		if (fd < 0)
			continue;
		if (bpf_link_get_info_by_fd(fd, &info, &len) == 0) {
			struct found_link *l = &f->links[f->n++];

			l->id = info.id;
			l->type = info.type;
			snprintf(l->name, sizeof(l->name), "%s", de->d_name);
			if (info.type == BPF_LINK_TYPE_STRUCT_OPS &&
			    abi_of(ctx) && abi_of(ctx)->detach(fd) < 0)
				log_warn("cannot detach link %u (%s): %s",
					 info.id, de->d_name, strerror(errno));
		}
		close(fd);
	}
	closedir(d);
}

/* Is link id gone, or at least detached from everything? */
static bool link_gone(const struct prio_ctx *ctx, const struct found_link *l)
{
	uint64_t cgroup_id;
	uint32_t map_id;
	int fd = bpf_link_get_fd_by_id(l->id);

	if (fd < 0)
		return errno == ENOENT;
	close(fd);
	if (l->type != BPF_LINK_TYPE_STRUCT_OPS || !abi_of(ctx))
		return false;
	return abi_of(ctx)->link_info_by_id(l->id, &cgroup_id, &map_id) == 0 &&
	       !cgroup_id && !map_id;
}

/* Links are freed after an RCU grace period and a work item: wait. */
static int wait_gone(const struct prio_ctx *ctx, const struct found *f)
{
	struct timespec ts = { .tv_nsec = 50000000L };

	for (int t = 0; t < GONE_TIMEOUT_MS; t += 50) {
		uint32_t left = 0;

		for (uint32_t i = 0; i < f->n; i++)
			left += !link_gone(ctx, &f->links[i]);
		if (!left)
			return 0;
		nanosleep(&ts, NULL);
	}
	for (uint32_t i = 0; i < f->n; i++)
		if (!link_gone(ctx, &f->links[i]))
			log_err("link %u (%s) is still there after --detach",
				f->links[i].id, f->links[i].name);
	return -EBUSY;
}

/* The name of the struct_ops map of a link, "" if none. */
static void ops_map_name(uint32_t map_id, char *buf, size_t len)
{
	struct bpf_map_info info = { 0 };
	uint32_t ilen = sizeof(info);
	int fd = bpf_map_get_fd_by_id(map_id);

	buf[0] = '\0';
	if (fd < 0)
		return;
	if (bpf_map_get_info_by_fd(fd, &info, &ilen) == 0)
		snprintf(buf, len, "%s", info.name);
	close(fd);
}

/*
 * memcg-prio's struct_ops links that are still attached after ours are
 * gone: another pin_path, or a --foreground process.  Not ours to remove.
 */
static void report_others(const struct prio_ctx *ctx)
{
	uint32_t id = 0, map_id;
	uint64_t cgroup_id;
	char name[64];

	if (!ctx->kernel.abi)
		return;
	while (bpf_link_get_next_id(id, &id) == 0) {
		if (ctx->kernel.abi->link_info_by_id(id, &cgroup_id, &map_id) < 0 ||
		    !cgroup_id || !map_id)
			continue;
		ops_map_name(map_id, name, sizeof(name));
		if (strcmp(name, PRIO_OPS_MAP_NAME) == 0)
			log_warn("another memcg-prio policy is still attached: "
				 "link %u on cgroup id %llu (another pin_path, "
				 "or memcg-prio --foreground)", id,
				 (unsigned long long)cgroup_id);
	}
}

/* Remove pin_path and its -new and -oom siblings, detaching what they
 * hold. */
static int remove_all(struct prio_ctx *ctx, struct found *f)
{
	const char *suffixes[] = { "", PRIO_PINS_NEW, PRIO_PINS_OOM };
	char dir[PATH_MAX];
	int r = 0;

	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		if (prio_pins_sibling(ctx->pin_path, suffixes[i], dir,
				      sizeof(dir)) < 0 ||
		    !prio_pins_present(dir))
			continue;
		detach_links(ctx, dir, f);
		if (prio_pins_remove(dir) < 0 || prio_pins_present(dir)) {
			log_err("cannot remove the pins in %s: %s", dir,
				strerror(errno));
			r = -EIO;
		}
	}
	return r;
}

int prio_cmd_detach(struct prio_ctx *ctx)
{
	char new_dir[PATH_MAX], oom_dir[PATH_MAX];
	struct found *f;
	int r = PRIO_EXIT_OK;

	prio_pins_sibling(ctx->pin_path, PRIO_PINS_NEW, new_dir, sizeof(new_dir));
	prio_pins_sibling(ctx->pin_path, PRIO_PINS_OOM, oom_dir, sizeof(oom_dir));
	if (!prio_pins_present(ctx->pin_path) && !prio_pins_present(new_dir) &&
	    !prio_pins_present(oom_dir)) {
		log_info("nothing attached: nothing pinned at %s", ctx->pin_path);
		return PRIO_EXIT_OK;
	}
	f = calloc(1, sizeof(*f));	/* a path per link: large */
	if (!f) {
		log_err("out of memory");
		return PRIO_EXIT_FAILURE;
	}
	if (remove_all(ctx, f) < 0 || wait_gone(ctx, f) < 0) {
		r = PRIO_EXIT_FAILURE;
	} else {
		report_others(ctx);
		log_info("detached: %u links removed, no pins left at %s",
			 f->n, ctx->pin_path);
	}
	free(f);
	return r;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pins of an attached policy under pin_path (bpffs):
 *
 *	links/watch_enter	fentry on try_to_free_mem_cgroup_pages()
 *	links/watch_exit	fexit on it
 *	links/watch_pages	the pages source (vmpressure() or a tracepoint)
 *	links/watch_fallback	the source that takes over if it falls silent
 *	links/watch_direct_begin start of direct global reclaim (its domain)
 *	links/watch_direct_end	end of direct global reclaim (silence check)
 *	links/watch_kswapd_end	end of a kswapd pass (silence check)
 *	links/group_NAME	the struct_ops link on group NAME's cgroup
 *	maps/rodata		the groups as the programs see them
 *	maps/group_state	pressure state of each group
 *	maps/group_stats	per-group counters (per CPU)
 *	maps/global_stats	counters of events that did nothing (per CPU)
 *	maps/source_state	which source counts, and its silence
 *
 * The OOM hook (policy/oom.bpf.c), which memcg-prio --foreground attaches
 * to the root cgroup, has its own set beside them, PIN_PATH-oom:
 *
 *	links/oom_handler	the bpf_oom_ops link on the root cgroup
 *	maps/oom_config		the groups as the OOM policy walks them
 *	maps/oom_state		its counters and last kill
 *
 * A new set is pinned into PIN_PATH-new and then renamed into place (or
 * exchanged with the old set, atomically), so that pin_path always holds a
 * complete set or none.  No dots: bpffs reserves names with dots.
 */
#ifndef MEMCG_PRIO_LOADER_KERNEL_PINS_H
#define MEMCG_PRIO_LOADER_KERNEL_PINS_H

#include <stdbool.h>
#include <stddef.h>

/* The programs that watch reclaim, each with a link and a pin. */
enum prio_watch {
	PRIO_WATCH_ENTER,		/* a memcg reclaim starts: its target */
	PRIO_WATCH_EXIT,		/* ... and ends */
	PRIO_WATCH_PAGES,		/* pages scanned and reclaimed per memcg */
	/* The rest are optional: none where the kernel lacks them. */
	PRIO_WATCH_FALLBACK,		/* ... from the source that takes over */
	/* The shrink fallback's other ends: shrink_lruvec()'s exit,
	 * try_to_shrink_lruvec()'s entry and exit (MGLRU kernels). */
	PRIO_WATCH_FALLBACK_EXIT,
	PRIO_WATCH_FALLBACK_GEN,
	PRIO_WATCH_FALLBACK_GEN_EXIT,
	PRIO_WATCH_DIRECT_BEGIN,	/* direct global reclaim starts */
	PRIO_WATCH_DIRECT_END,		/* ... and ends */
	PRIO_WATCH_KSWAPD_END,		/* a kswapd pass ends */
	PRIO_WATCH_REFAULT,		/* a refault: thrashing */
	PRIO_NR_WATCH,
};

/* Pin names of the watching links, by enum prio_watch. */
extern const char *const prio_pin_watch[PRIO_NR_WATCH];

/* The two directories, and the pins in them. */
#define PRIO_PIN_LINKS		"links"
#define PRIO_PIN_MAPS		"maps"
#define PRIO_PIN_GROUP		PRIO_PIN_LINKS "/group_"

/* Suffix of the directory a new set of pins is made in. */
#define PRIO_PINS_NEW		"-new"
/* Suffix of the OOM hook's directory, and its pins. */
#define PRIO_PINS_OOM		"-oom"
#define PRIO_PIN_OOM_LINK	PRIO_PIN_LINKS "/oom_handler"
#define PRIO_PIN_OOM_CONFIG	PRIO_PIN_MAPS "/oom_config"
#define PRIO_PIN_OOM_STATE	PRIO_PIN_MAPS "/oom_state"
#define PRIO_PIN_RODATA		PRIO_PIN_MAPS "/rodata"
#define PRIO_PIN_STATE		PRIO_PIN_MAPS "/group_state"
#define PRIO_PIN_STATS		PRIO_PIN_MAPS "/group_stats"
#define PRIO_PIN_GSTATS		PRIO_PIN_MAPS "/global_stats"
#define PRIO_PIN_SOURCE		PRIO_PIN_MAPS "/source_state"
#define PRIO_PIN_GIVEBACK	PRIO_PIN_MAPS "/giveback"

/* Is pin_path (or the directory it would be made in) on bpffs? */
int prio_pins_check_fs(const char *pin_path, char *err, size_t errlen);

/* Does pin_path exist? */
bool prio_pins_present(const char *pin_path);

/* pin_path with suffix appended (PRIO_PINS_NEW), into buf. */
int prio_pins_sibling(const char *pin_path, const char *suffix, char *buf,
		      size_t len);

/* Make dir with links/ and maps/ in it, after removing any old dir. */
int prio_pins_mkdir(const char *dir, char *err, size_t errlen);

/* Pin fd as dir/rel.  0 or -errno with a message. */
int prio_pin(const char *dir, const char *rel, int fd, char *err,
	     size_t errlen);

/* The object pinned as dir/rel, opened: an fd, or -errno. */
int prio_pin_open(const char *dir, const char *rel);

/* Move the pins in tmp to pin_path, exchanging with what is there. */
int prio_pins_install(const char *tmp, const char *pin_path, char *err,
		      size_t errlen);

/* Unpin everything in dir and remove it; a missing dir is fine. */
int prio_pins_remove(const char *dir);

#endif

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The command's messages, on stderr, filtered by verbosity: errors and
 * warnings always, info with -v, debug with -vv, libbpf's chatter one level
 * quieter than libbpf rates it (its warnings are our info).
 */
#ifndef MEMCG_PRIO_LOADER_LOG_H
#define MEMCG_PRIO_LOADER_LOG_H

enum prio_log_level {
	PRIO_LOG_ERR,
	PRIO_LOG_WARN,
	PRIO_LOG_INFO,		/* -v */
	PRIO_LOG_DEBUG,		/* -vv */
	PRIO_LOG_TRACE,		/* -vvv: libbpf's debug output */
};

/* verbose: the number of -v given. */
void prio_log_init(int verbose);
/* Would a message at this level be printed? */
int prio_log_enabled(enum prio_log_level level);
void prio_log(enum prio_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...)	prio_log(PRIO_LOG_ERR, __VA_ARGS__)
#define log_warn(...)	prio_log(PRIO_LOG_WARN, __VA_ARGS__)
#define log_info(...)	prio_log(PRIO_LOG_INFO, __VA_ARGS__)
#define log_debug(...)	prio_log(PRIO_LOG_DEBUG, __VA_ARGS__)

#endif

// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "log.h"

static enum prio_log_level max_level = PRIO_LOG_WARN;

static const char *const prefixes[] = {
	[PRIO_LOG_ERR] = "memcg-prio: ",
	[PRIO_LOG_WARN] = "memcg-prio: warning: ",
	[PRIO_LOG_INFO] = "memcg-prio: ",
	[PRIO_LOG_DEBUG] = "memcg-prio: debug: ",
	[PRIO_LOG_TRACE] = "libbpf: ",
};

int prio_log_enabled(enum prio_log_level level)
{
	return level <= max_level;
}

static void log_va(enum prio_log_level level, const char *prefix,
		   const char *fmt, va_list ap)
{
	char *line;
	size_t n;

	if (!prio_log_enabled(level))
		return;
	/* Verifier logs passed through libbpf can be long: no fixed buffer. */
	if (vasprintf(&line, fmt, ap) < 0) {
		fprintf(stderr, "%s(out of memory)\n", prefix);
		return;
	}
	n = strlen(line);
	/* libbpf ends its lines with '\n', we do not: print exactly one. */
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	fprintf(stderr, "%s%s\n", prefix, line);
	free(line);
}

void prio_log(enum prio_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_va(level, prefixes[level], fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	enum prio_log_level ours;

	switch (level) {
	case LIBBPF_WARN:
		ours = PRIO_LOG_INFO;
		break;
	case LIBBPF_INFO:
		ours = PRIO_LOG_DEBUG;
		break;
	default:
		ours = PRIO_LOG_TRACE;
		break;
	}
	log_va(ours, "libbpf: ", fmt, ap);
	return 0;
}

void prio_log_init(int verbose)
{
	int level = PRIO_LOG_WARN + verbose;

	max_level = level > PRIO_LOG_TRACE ? PRIO_LOG_TRACE : level;
	libbpf_set_print(libbpf_print);
}

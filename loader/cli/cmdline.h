// SPDX-License-Identifier: GPL-2.0-only
/*
 * The command line of memcg-prio: one option table drives getopt_long()
 * and --help.  Pure: no side effects but the one line written to the error
 * stream for a bad command line, so that it can be unit-tested.
 */
#ifndef MEMCG_PRIO_LOADER_CLI_CMDLINE_H
#define MEMCG_PRIO_LOADER_CLI_CMDLINE_H

#include <stdbool.h>
#include <stdio.h>

/* Set by meson from sysconfdir. */
#ifndef PRIO_DEFAULT_CONFIG
#define PRIO_DEFAULT_CONFIG "/etc/memcg-prio/priority.ini"
#endif

/* Exit codes of memcg-prio, documented in memcg-prio(8). */
enum prio_exit {
	PRIO_EXIT_OK = 0,
	PRIO_EXIT_FAILURE = 1,		/* the operation failed, or --check found a problem */
	PRIO_EXIT_USAGE = 2,		/* bad command line */
	PRIO_EXIT_NOT_ATTACHED = 3,	/* --status: nothing attached */
	PRIO_EXIT_UNSUPPORTED = 4,	/* the kernel lacks what memcg-prio needs */
};

enum prio_cmd {
	PRIO_CMD_NONE,
	PRIO_CMD_ATTACH,
	PRIO_CMD_DETACH,
	PRIO_CMD_STATUS,
	PRIO_CMD_CHECK,
	PRIO_CMD_FOREGROUND,
	PRIO_CMD_DUMP_CONFIG,
	PRIO_CMD_VERSION,
	PRIO_CMD_HELP,
	PRIO_CMD_COMPLETION,
	PRIO_NR_CMDS,
};

/* --status --format: what the status is printed as. */
enum prio_format {
	PRIO_FORMAT_TEXT,
	PRIO_FORMAT_JSON,
	PRIO_FORMAT_OPENMETRICS,	/* OpenMetrics 1.0 */
	PRIO_FORMAT_PROMETHEUS,		/* Prometheus text 0.0.4 (node_exporter) */
	PRIO_NR_FORMATS,
};

struct prio_args {
	enum prio_cmd cmd;
	const char *config;		/* -c; NULL: PRIO_DEFAULT_CONFIG */
	const char *pin_path;		/* -p; NULL: from the config */
	bool dry_run;
	enum prio_format format;	/* --format, --json */
	const char *output;		/* --output; NULL: standard output */
	int verbose;			/* number of -v */
};

/*
 * Parse argv into *ret_args.  Returns PRIO_EXIT_OK, or PRIO_EXIT_USAGE after
 * writing one line "memcg-prio: what is wrong (see --help)" to err.  argv
 * is not modified beyond what getopt_long() does; it may be called again.
 */
int prio_cmdline_parse(int argc, char **argv, struct prio_args *ret_args,
		       FILE *err);

/* --help text: usage, every option with its default, examples. */
void prio_cmdline_help(FILE *out);

/* A bash completion script for memcg-prio, from the tables of commands
 * and options: what --bash-completion prints. */
void prio_cmdline_completion(FILE *out);

/* The name of a format ("openmetrics"), NULL if f is none. */
const char *prio_format_name(enum prio_format f);

#endif

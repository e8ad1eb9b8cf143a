// SPDX-License-Identifier: GPL-2.0-only
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "util.h"

/* Values of long-only options, past any character. */
enum {
	OPT_CHECK = 0x100,
	OPT_DUMP_CONFIG,
};

struct prio_option {
	const char *name;
	int has_arg;
	int val;			/* short option or OPT_* */
	enum prio_cmd cmd;		/* the command it selects, if any */
	const char *arg;		/* argument name in --help */
	const char *help;
};

static const struct prio_option options[] = {
	{ "attach", no_argument, 'a', PRIO_CMD_ATTACH, NULL,
	  "attach the policy of the config file, pin it, exit;\n"
	  "replaces a policy attached before" },
	{ "detach", no_argument, 'd', PRIO_CMD_DETACH, NULL,
	  "remove all that --attach made, check nothing is left" },
	{ "status", no_argument, 's', PRIO_CMD_STATUS, NULL,
	  "show groups, links, pressure, throttling, counters" },
	{ "check", no_argument, OPT_CHECK, PRIO_CMD_CHECK, NULL,
	  "check the config, the cgroups and the kernel;\n"
	  "change nothing" },
	{ "foreground", no_argument, 'f', PRIO_CMD_FOREGROUND, NULL,
	  "attach without pinning, print a line per change\n"
	  "of state, detach on SIGINT or SIGTERM" },
	{ "dump-config", no_argument, OPT_DUMP_CONFIG, PRIO_CMD_DUMP_CONFIG, NULL,
	  "print the config with every key spelled out" },
	{ "config", required_argument, 'c', PRIO_CMD_NONE, "FILE",
	  "config file\n(default: " PRIO_DEFAULT_CONFIG ")" },
	{ "pin-path", required_argument, 'p', PRIO_CMD_NONE, "DIR",
	  "bpffs directory of the pins (default: pin_path\n"
	  "of the config file; for --status and --detach\n"
	  "/sys/fs/bpf/memcg-prio if there is none)" },
	{ "dry-run", no_argument, 'n', PRIO_CMD_NONE, NULL,
	  "with --attach or --foreground: watch and count,\n"
	  "never throttle" },
	{ "json", no_argument, 'j', PRIO_CMD_NONE, NULL,
	  "with --status: print JSON" },
	{ "verbose", no_argument, 'v', PRIO_CMD_NONE, NULL,
	  "more messages; -vv debug output, -vvv libbpf's" },
	{ "version", no_argument, 'V', PRIO_CMD_VERSION, NULL,
	  "print the version" },
	{ "help", no_argument, 'h', PRIO_CMD_HELP, NULL,
	  "print this text" },
};

#define N_OPTIONS ARRAY_SIZE(options)

static const char examples[] =
	"Examples:\n"
	"  memcg-prio --check -c /etc/memcg-prio/priority.ini\n"
	"  memcg-prio --attach -c /etc/memcg-prio/priority.ini\n"
	"  memcg-prio --status --json\n"
	"  memcg-prio --foreground --dry-run -c ./priority.ini\n"
	"  memcg-prio --detach\n";

static void build_getopt(struct option *longopts, char *shortopts)
{
	char *s = shortopts;

	*s++ = ':';	/* report a missing argument as ':' */
	for (size_t i = 0; i < N_OPTIONS; i++) {
		const struct prio_option *o = &options[i];

		longopts[i] = (struct option){ o->name, o->has_arg, NULL, o->val };
		if (o->val < 0x100) {
			*s++ = (char)o->val;
			if (o->has_arg == required_argument)
				*s++ = ':';
		}
	}
	longopts[N_OPTIONS] = (struct option){ 0 };
	*s = '\0';
}

static const struct prio_option *find_option(int val)
{
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (options[i].val == val)
			return &options[i];
	return NULL;
}

/* How many long options start with what follows "--" in arg. */
static unsigned int matches(const char *arg)
{
	size_t n;
	unsigned int count = 0;

	if (strncmp(arg, "--", 2) != 0)
		return 0;
	arg += 2;
	n = strcspn(arg, "=");
	for (size_t i = 0; i < N_OPTIONS; i++)
		count += strncmp(options[i].name, arg, n) == 0;
	return count;
}

static int usage_error(FILE *err, const char *fmt, const char *what)
{
	fputs("memcg-prio: ", err);
	fprintf(err, fmt, what);
	fputs(" (see --help)\n", err);
	return PRIO_EXIT_USAGE;
}

/* The option as the user spelled it, for messages. */
static const char *spelled(char **argv, int index)
{
	return argv[index - 1];
}

static int set_cmd(struct prio_args *a, const struct prio_option *o,
		   const struct prio_option **cmd_opt, FILE *err)
{
	char both[128];

	if (a->cmd != PRIO_CMD_NONE && a->cmd != o->cmd) {
		snprintf(both, sizeof(both), "--%s and --%s", (*cmd_opt)->name,
			 o->name);
		return usage_error(err, "%s cannot be combined", both);
	}
	a->cmd = o->cmd;
	*cmd_opt = o;
	return PRIO_EXIT_OK;
}

static int apply_option(struct prio_args *a, const struct prio_option *o,
			const struct prio_option **cmd_opt, FILE *err)
{
	if (o->cmd != PRIO_CMD_NONE)
		return set_cmd(a, o, cmd_opt, err);
	switch (o->val) {
	case 'c':
		a->config = optarg;
		break;
	case 'p':
		a->pin_path = optarg;
		break;
	case 'n':
		a->dry_run = true;
		break;
	case 'j':
		a->json = true;
		break;
	case 'v':
		a->verbose++;
		break;
	}
	return PRIO_EXIT_OK;
}

/* Options that only make sense with some commands. */
static int check_combination(const struct prio_args *a, FILE *err)
{
	if (a->cmd == PRIO_CMD_NONE)
		return usage_error(err, "%s", "no command given: use --attach, "
				   "--detach, --status, --check, --foreground "
				   "or --dump-config");
	if (a->dry_run && a->cmd != PRIO_CMD_ATTACH &&
	    a->cmd != PRIO_CMD_FOREGROUND)
		return usage_error(err, "%s", "--dry-run goes with --attach "
				   "or --foreground");
	if (a->json && a->cmd != PRIO_CMD_STATUS)
		return usage_error(err, "%s", "--json goes with --status");
	return PRIO_EXIT_OK;
}

int prio_cmdline_parse(int argc, char **argv, struct prio_args *ret_args,
		       FILE *err)
{
	struct option longopts[N_OPTIONS + 1];
	char shortopts[2 * N_OPTIONS + 2];
	const struct prio_option *cmd_opt = NULL;
	struct prio_args a = { 0 };
	int c, r;

	build_getopt(longopts, shortopts);
	optind = 0;	/* full re-initialisation (glibc) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == '?') {
			if (optopt && find_option(optopt))
				return usage_error(err, "option '%s' takes no "
						   "value", spelled(argv, optind));
			if (optopt) {
				char s[3] = { '-', (char)optopt, '\0' };

				return usage_error(err, "unknown option '%s'", s);
			}
			return usage_error(err, matches(spelled(argv, optind)) > 1 ?
					   "ambiguous option '%s'" :
					   "unknown option '%s'",
					   spelled(argv, optind));
		}
		if (c == ':')
			return usage_error(err, "option '%s' needs a value",
					   spelled(argv, optind));
		r = apply_option(&a, find_option(c), &cmd_opt, err);
		if (r != PRIO_EXIT_OK)
			return r;
	}
	if (optind < argc)
		return usage_error(err, "unexpected argument '%s'", argv[optind]);
	if (a.cmd == PRIO_CMD_HELP || a.cmd == PRIO_CMD_VERSION) {
		*ret_args = a;
		return PRIO_EXIT_OK;
	}
	r = check_combination(&a, err);
	if (r == PRIO_EXIT_OK)
		*ret_args = a;
	return r;
}

/* Help text of one option, continuation lines indented. */
static void print_option(const struct prio_option *o, FILE *out)
{
	char left[64];
	const char *h = o->help;

	if (o->val < 0x100)
		snprintf(left, sizeof(left), "-%c, --%s%s%s", o->val, o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
	else
		snprintf(left, sizeof(left), "    --%s%s%s", o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
	fprintf(out, "  %-22s ", left);
	for (; *h; h++) {
		fputc(*h, out);
		if (*h == '\n')
			fprintf(out, "  %-22s ", "");
	}
	fputc('\n', out);
}

void prio_cmdline_help(FILE *out)
{
	fputs("Usage: memcg-prio COMMAND [OPTIONS]\n"
	      "\n"
	      "Throttle low-priority cgroups while high-priority ones are under\n"
	      "memory reclaim pressure, as the config file (priority.ini(5)) says.\n"
	      "\n"
	      "Commands:\n", out);
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (options[i].cmd != PRIO_CMD_NONE)
			print_option(&options[i], out);
	fputs("\nOptions:\n", out);
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (options[i].cmd == PRIO_CMD_NONE)
			print_option(&options[i], out);
	fputs("\n", out);
	fputs(examples, out);
	fputs("\nSee memcg-prio(8) and priority.ini(5).\n", out);
}

// SPDX-License-Identifier: GPL-2.0-only
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmdline.h"
#include "cli/commands.h"
#include "util.h"

/* getopt values of the commands without a short option: LONG_CMD + index. */
#define LONG_CMD	0x100

/* What an option's value is, for the shell's completion. */
enum prio_arg_kind {
	PRIO_ARG_NONE,
	PRIO_ARG_FILE,			/* a config file: *.ini */
	PRIO_ARG_DIR,
	PRIO_ARG_PATH,			/* any file */
	PRIO_ARG_FORMAT,		/* a name of format_names[] */
};

/* An option that is not a command: it modifies one. */
struct prio_option {
	const char *name;
	int has_arg;
	char short_name;
	const char *arg;		/* argument name in --help */
	unsigned int goes_with;		/* 1 << enum prio_cmd; 0: any command */
	const char *help;
	enum prio_arg_kind kind;
};

static const char *const format_names[PRIO_NR_FORMATS] = {
	[PRIO_FORMAT_TEXT] = "text",
	[PRIO_FORMAT_JSON] = "json",
	[PRIO_FORMAT_OPENMETRICS] = "openmetrics",
	[PRIO_FORMAT_PROMETHEUS] = "prometheus",
};

const char *prio_format_name(enum prio_format f)
{
	return f < PRIO_NR_FORMATS ? format_names[f] : NULL;
}

#define WITH(cmd)	(1u << (cmd))

static const struct prio_option options[] = {
	{ "config", required_argument, 'c', "FILE", 0,
	  "config file\n(default: " PRIO_DEFAULT_CONFIG ")", PRIO_ARG_FILE },
	{ "pin-path", required_argument, 'p', "DIR", 0,
	  "bpffs directory of the pins (default: pin_path\n"
	  "of the config file; for --status and --detach\n"
	  "/sys/fs/bpf/memcg-prio if there is none)", PRIO_ARG_DIR },
	{ "dry-run", no_argument, 'n', NULL,
	  WITH(PRIO_CMD_ATTACH) | WITH(PRIO_CMD_FOREGROUND),
	  "with --attach or --foreground: watch and count,\n"
	  "never throttle", PRIO_ARG_NONE },
	{ "format", required_argument, 'o', "FORMAT", WITH(PRIO_CMD_STATUS),
	  "with --status: text (default), json, openmetrics\n"
	  "or prometheus (node_exporter's textfile format)", PRIO_ARG_FORMAT },
	{ "output", required_argument, 'w', "FILE", WITH(PRIO_CMD_STATUS),
	  "with --status: write to FILE (by a temporary file\n"
	  "renamed over it), not to standard output", PRIO_ARG_PATH },
	{ "json", no_argument, 'j', NULL, WITH(PRIO_CMD_STATUS),
	  "with --status: print JSON (--format=json)", PRIO_ARG_NONE },
	{ "verbose", no_argument, 'v', NULL, 0,
	  "more messages; -vv debug output, -vvv libbpf's", PRIO_ARG_NONE },
};

#define N_OPTIONS ARRAY_SIZE(options)

static const char examples[] =
	"Examples:\n"
	"  memcg-prio --check -c /etc/memcg-prio/priority.ini\n"
	"  memcg-prio --attach -c /etc/memcg-prio/priority.ini\n"
	"  memcg-prio --status --json\n"
	"  memcg-prio --status --format=openmetrics\n"
	"  memcg-prio --foreground --dry-run -c ./priority.ini\n"
	"  memcg-prio --detach\n";

/* Longest list: every option and every command, and the end. */
#define MAX_LONGOPTS	(N_OPTIONS + PRIO_NR_CMDS + 1)

static int command_val(size_t i)
{
	const struct prio_command *c = &prio_commands[i];

	return c->short_name ? c->short_name : LONG_CMD + (int)i;
}

static void add_getopt(struct option *lo, char **s, const char *name,
		       int has_arg, int val)
{
	*lo = (struct option){ name, has_arg, NULL, val };
	if (val < LONG_CMD) {
		*(*s)++ = (char)val;
		if (has_arg == required_argument)
			*(*s)++ = ':';
	}
}

static void build_getopt(struct option *longopts, char *shortopts)
{
	char *s = shortopts;
	size_t n = 0;

	*s++ = ':';	/* report a missing argument as ':' */
	for (size_t i = 0; i < prio_n_commands; i++)
		add_getopt(&longopts[n++], &s, prio_commands[i].name,
			   no_argument, command_val(i));
	for (size_t i = 0; i < N_OPTIONS; i++)
		add_getopt(&longopts[n++], &s, options[i].name,
			   options[i].has_arg, options[i].short_name);
	longopts[n] = (struct option){ 0 };
	*s = '\0';
}

static const struct prio_command *find_command(int val)
{
	for (size_t i = 0; i < prio_n_commands; i++)
		if (command_val(i) == val)
			return &prio_commands[i];
	return NULL;
}

static const struct prio_option *find_option(int val)
{
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (options[i].short_name == val)
			return &options[i];
	return NULL;
}

static unsigned int count_prefix(const char *name, const char *arg, size_t n)
{
	return strncmp(name, arg, n) == 0;
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
	for (size_t i = 0; i < prio_n_commands; i++)
		count += count_prefix(prio_commands[i].name, arg, n);
	for (size_t i = 0; i < N_OPTIONS; i++)
		count += count_prefix(options[i].name, arg, n);
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

static int set_cmd(struct prio_args *a, const struct prio_command *c,
		   FILE *err)
{
	const struct prio_command *before = prio_command_find(a->cmd);
	char both[128];

	if (before && before != c) {
		snprintf(both, sizeof(both), "--%s and --%s", before->name,
			 c->name);
		return usage_error(err, "%s cannot be combined", both);
	}
	a->cmd = c->cmd;
	return PRIO_EXIT_OK;
}

static int parse_format(const char *s, enum prio_format *ret, FILE *err)
{
	char msg[160];

	for (int f = 0; f < PRIO_NR_FORMATS; f++)
		if (strcmp(s, format_names[f]) == 0) {
			*ret = (enum prio_format)f;
			return PRIO_EXIT_OK;
		}
	snprintf(msg, sizeof(msg), "unknown format '%.64s' for --format: use "
		 "text, json, openmetrics or prometheus", s);
	return usage_error(err, "%s", msg);
}

static int apply_option(struct prio_args *a, const struct prio_option *o,
			FILE *err)
{
	switch (o->short_name) {
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
		a->format = PRIO_FORMAT_JSON;
		break;
	case 'o':
		return parse_format(optarg, &a->format, err);
	case 'w':
		a->output = optarg;
		break;
	case 'v':
		a->verbose++;
		break;
	}
	return PRIO_EXIT_OK;
}

/* Every command but --help and --version. */
#define ACTIONS	(~(WITH(PRIO_CMD_HELP) | WITH(PRIO_CMD_VERSION) |	\
		   WITH(PRIO_CMD_COMPLETION)))

/* "--a, --b or --c": the commands in mask, in the table's order. */
static void command_list(unsigned int mask, char *buf, size_t len)
{
	size_t used = 0, n = 0, k = 0;

	for (size_t i = 0; i < prio_n_commands; i++)
		n += !!(mask & WITH(prio_commands[i].cmd));
	buf[0] = '\0';
	for (size_t i = 0; i < prio_n_commands && used < len; i++) {
		const struct prio_command *c = &prio_commands[i];

		if (!(mask & WITH(c->cmd)))
			continue;
		k++;
		used += (size_t)snprintf(buf + used, len - used, "%s--%s",
					 k == 1 ? "" : k == n ? " or " : ", ",
					 c->name);
	}
}

/* Options that only make sense with some commands, as the tables say. */
static int check_combination(const struct prio_args *a, bool given[], FILE *err)
{
	char list[256], msg[320];

	if (a->cmd == PRIO_CMD_NONE) {
		command_list(ACTIONS, list, sizeof(list));
		return usage_error(err, "no command given: use %s", list);
	}
	for (size_t i = 0; i < N_OPTIONS; i++) {
		const struct prio_option *o = &options[i];

		if (!given[i] || !o->goes_with || (o->goes_with & WITH(a->cmd)))
			continue;
		command_list(o->goes_with, list, sizeof(list));
		snprintf(msg, sizeof(msg), "--%s goes with %s", o->name, list);
		return usage_error(err, "%s", msg);
	}
	return PRIO_EXIT_OK;
}

/* One getopt result c; the usage error's exit code, or PRIO_EXIT_OK. */
static int take(int c, char **argv, struct prio_args *a, bool given[],
		FILE *err)
{
	const struct prio_command *cmd = find_command(c);
	const struct prio_option *o = find_option(c);

	if (c == ':')
		return usage_error(err, "option '%s' needs a value",
				   spelled(argv, optind));
	if (c != '?') {
		if (cmd)
			return set_cmd(a, cmd, err);
		given[o - options] = true;
		return apply_option(a, o, err);
	}
	if (optopt && (find_command(optopt) || find_option(optopt)))
		return usage_error(err, "option '%s' takes no value",
				   spelled(argv, optind));
	if (optopt) {
		char s[3] = { '-', (char)optopt, '\0' };

		return usage_error(err, "unknown option '%s'", s);
	}
	return usage_error(err, matches(spelled(argv, optind)) > 1 ?
			   "ambiguous option '%s'" : "unknown option '%s'",
			   spelled(argv, optind));
}

int prio_cmdline_parse(int argc, char **argv, struct prio_args *ret_args,
		       FILE *err)
{
	struct option longopts[MAX_LONGOPTS];
	char shortopts[2 * MAX_LONGOPTS + 2];
	bool given[N_OPTIONS] = { false };
	struct prio_args a = { 0 };
	int c, r;

	build_getopt(longopts, shortopts);
	optind = 0;	/* full re-initialisation (glibc) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		r = take(c, argv, &a, given, err);
		if (r != PRIO_EXIT_OK)
			return r;
	}
	if (optind < argc)
		return usage_error(err, "unexpected argument '%s'", argv[optind]);
	if (a.cmd == PRIO_CMD_HELP || a.cmd == PRIO_CMD_VERSION ||
	    a.cmd == PRIO_CMD_COMPLETION) {
		*ret_args = a;
		return PRIO_EXIT_OK;
	}
	r = check_combination(&a, given, err);
	if (r == PRIO_EXIT_OK)
		*ret_args = a;
	return r;
}

/* One line of --help, continuation lines of help indented. */
static void print_option(char short_name, const char *name, const char *arg,
			 const char *help, FILE *out)
{
	char left[64];

	if (short_name)
		snprintf(left, sizeof(left), "-%c, --%s%s%s", short_name, name,
			 arg ? " " : "", arg ? arg : "");
	else
		snprintf(left, sizeof(left), "    --%s%s%s", name,
			 arg ? " " : "", arg ? arg : "");
	fprintf(out, "  %-22s ", left);
	for (; *help; help++) {
		fputc(*help, out);
		if (*help == '\n')
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
	for (size_t i = 0; i < prio_n_commands; i++)
		print_option(prio_commands[i].short_name, prio_commands[i].name,
			     NULL, prio_commands[i].help, out);
	fputs("\nOptions:\n", out);
	for (size_t i = 0; i < N_OPTIONS; i++)
		print_option(options[i].short_name, options[i].name,
			     options[i].arg, options[i].help, out);
	fputs("\n", out);
	fputs(examples, out);
	fputs("\nSee memcg-prio(8) and priority.ini(5).\n", out);
}

/* --- bash completion, from the same tables ------------------------------ */

/* "-c|--config" for a case pattern. */
static void option_pattern(const struct prio_option *o, FILE *out)
{
	if (o->short_name)
		fprintf(out, "-%c|", o->short_name);
	fprintf(out, "--%s", o->name);
}

/* The words offered once command c is given: its options. */
static void words_for(enum prio_cmd c, FILE *out)
{
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (!options[i].goes_with || (options[i].goes_with & WITH(c)))
			fprintf(out, " --%s", options[i].name);
}

/* How the value of an option of kind k is completed, from $cur. */
static const char *value_reply(enum prio_arg_kind k)
{
	switch (k) {
	case PRIO_ARG_FILE:
		return "compopt -o filenames 2>/dev/null\n\t\t"
		       "COMPREPLY=($(compgen -d -- \"$cur\") "
		       "$(compgen -f -X '!*.ini' -- \"$cur\"))";
	case PRIO_ARG_DIR:
		return "compopt -o filenames 2>/dev/null\n\t\t"
		       "COMPREPLY=($(compgen -d -- \"$cur\"))";
	case PRIO_ARG_PATH:
		return "compopt -o filenames 2>/dev/null\n\t\t"
		       "COMPREPLY=($(compgen -f -- \"$cur\"))";
	case PRIO_ARG_FORMAT:
		return NULL;	/* the names, written by the caller */
	default:
		return "COMPREPLY=()";
	}
}

static void completion_values(FILE *out)
{
	fputs("\tcase $prev in\n", out);
	for (size_t i = 0; i < N_OPTIONS; i++) {
		const struct prio_option *o = &options[i];
		const char *reply = value_reply(o->kind);

		if (o->has_arg != required_argument)
			continue;
		fputc('\t', out);
		option_pattern(o, out);
		fputs(")\n\t\t", out);
		if (reply) {
			fputs(reply, out);
		} else {
			fputs("COMPREPLY=($(compgen -W '", out);
			for (int f = 0; f < PRIO_NR_FORMATS; f++)
				fprintf(out, "%s%s", f ? " " : "", format_names[f]);
			fputs("' -- \"$cur\"))", out);
		}
		fputs("\n\t\treturn ;;\n", out);
	}
	fputs("\tesac\n", out);
}

/* The command given so far decides the words; none yet: every command. */
static void completion_words(FILE *out)
{
	fputs("\tfor w in \"${COMP_WORDS[@]:1:COMP_CWORD-1}\"; do\n"
	      "\t\tcase $w in\n", out);
	for (size_t i = 0; i < prio_n_commands; i++) {
		const struct prio_command *c = &prio_commands[i];

		fputs("\t\t", out);
		if (c->short_name)
			fprintf(out, "-%c|", c->short_name);
		fprintf(out, "--%s) cmd=%s ;;\n", c->name, c->name);
	}
	fputs("\t\tesac\n\tdone\n\tcase $cmd in\n", out);
	for (size_t i = 0; i < prio_n_commands; i++) {
		fprintf(out, "\t%s) words='", prio_commands[i].name);
		words_for(prio_commands[i].cmd, out);
		fputs("' ;;\n", out);
	}
	fputs("\t*) words='", out);
	for (size_t i = 0; i < prio_n_commands; i++)
		fprintf(out, " --%s", prio_commands[i].name);
	words_for(PRIO_CMD_NONE, out);
	fputs("' ;;\n\tesac\n", out);
}

void prio_cmdline_completion(FILE *out)
{
	fputs("# bash completion for memcg-prio(8), generated by\n"
	      "# memcg-prio --bash-completion from its tables of commands and\n"
	      "# options: do not edit.\n"
	      "_memcg_prio()\n{\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} "
	      "prev=${COMP_WORDS[COMP_CWORD-1]} cmd= w words\n"
	      "\t# --opt=value: readline splits at '='.\n"
	      "\tif [[ $cur == = ]]; then\n\t\tcur=\n"
	      "\telif [[ $prev == = ]]; then\n"
	      "\t\tprev=${COMP_WORDS[COMP_CWORD-2]}\n\tfi\n", out);
	completion_values(out);
	completion_words(out);
	fputs("\tCOMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n}\n"
	      "complete -F _memcg_prio memcg-prio\n", out);
}

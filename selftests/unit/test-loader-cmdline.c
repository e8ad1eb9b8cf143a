// SPDX-License-Identifier: GPL-2.0-only
/*
 * memcg-prio's command line (loader/cli/cmdline.c, with the real command
 * table of loader/cli/commands.c): what each good command line means, and
 * that a bad one gives exactly one line and exit code 2.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "cli/cmdline.h"

#define MAX_ARGS 16

static struct prio_args args;
static char errbuf[1024];

/* Parse the arguments after "memcg-prio"; errors go to errbuf. */
static int vparse(const char *first, va_list ap)
{
	char *argv[MAX_ARGS + 2] = { "memcg-prio" };
	int argc = 1, r;
	FILE *err;

	for (const char *a = first; a && argc <= MAX_ARGS; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	memset(errbuf, 0, sizeof(errbuf));
	err = fmemopen(errbuf, sizeof(errbuf) - 1, "w");
	assert_non_null(err);
	memset(&args, 0xaa, sizeof(args));
	r = prio_cmdline_parse(argc, argv, &args, err);
	fclose(err);
	return r;
}

/* The NULL-terminated arguments after "memcg-prio". */
static int parse(const char *first, ...)
{
	va_list ap;
	int r;

	va_start(ap, first);
	r = vparse(first, ap);
	va_end(ap);
	return r;
}

/* The arguments must be refused with exactly this line. */
static void bad(const char *line, const char *first, ...)
{
	char want[512];
	va_list ap;
	int r;

	va_start(ap, first);
	r = vparse(first, ap);
	va_end(ap);
	assert_int_equal(r, PRIO_EXIT_USAGE);
	snprintf(want, sizeof(want), "memcg-prio: %s (see --help)\n", line);
	assert_string_equal(errbuf, want);
}

static void test_commands(void **state)
{
	(void)state;
	assert_int_equal(parse("--attach", "-c", "/x.ini", NULL), 0);
	assert_int_equal(args.cmd, PRIO_CMD_ATTACH);
	assert_string_equal(args.config, "/x.ini");
	assert_false(args.dry_run);
	assert_null(args.pin_path);
	assert_int_equal(args.verbose, 0);

	assert_int_equal(parse("-a", "-n", "-vv", NULL), 0);
	assert_int_equal(args.cmd, PRIO_CMD_ATTACH);
	assert_true(args.dry_run);
	assert_null(args.config);
	assert_int_equal(args.verbose, 2);

	assert_int_equal(parse("--status", "--json", "-p", "/sys/fs/bpf/x", NULL), 0);
	assert_int_equal(args.cmd, PRIO_CMD_STATUS);
	assert_int_equal(args.format, PRIO_FORMAT_JSON);
	assert_string_equal(args.pin_path, "/sys/fs/bpf/x");
	assert_int_equal(parse("-s", "--format=openmetrics", NULL), 0);
	assert_int_equal(args.format, PRIO_FORMAT_OPENMETRICS);
	assert_int_equal(parse("-s", "-o", "prometheus", NULL), 0);
	assert_int_equal(args.format, PRIO_FORMAT_PROMETHEUS);
	assert_int_equal(parse("-s", "--format", "text", NULL), 0);
	assert_int_equal(args.format, PRIO_FORMAT_TEXT);
	assert_null(args.output);
	assert_int_equal(parse("-s", "--output=/run/x.prom", NULL), 0);
	assert_string_equal(args.output, "/run/x.prom");
	assert_int_equal(parse("--bash-completion", NULL), 0);
	assert_int_equal(args.cmd, PRIO_CMD_COMPLETION);

	assert_int_equal(parse("--detach", NULL), 0);
	assert_int_equal(args.cmd, PRIO_CMD_DETACH);
	assert_int_equal(parse("--check", "--config=/y", NULL), 0);
	assert_int_equal(args.cmd, PRIO_CMD_CHECK);
	assert_string_equal(args.config, "/y");
	assert_int_equal(parse("-f", "--dry-run", NULL), 0);
	assert_int_equal(args.cmd, PRIO_CMD_FOREGROUND);
	assert_true(args.dry_run);
	assert_null(args.config);
	assert_int_equal(parse("--dump-config", NULL), 0);
	assert_int_equal(args.cmd, PRIO_CMD_DUMP_CONFIG);
	/* A command given twice is fine; unique prefixes too. */
	assert_int_equal(parse("-s", "--status", NULL), 0);
	assert_int_equal(args.cmd, PRIO_CMD_STATUS);
	assert_int_equal(args.format, PRIO_FORMAT_TEXT);
	assert_int_equal(parse("--det", NULL), 0);
	assert_int_equal(args.cmd, PRIO_CMD_DETACH);
	assert_string_equal(errbuf, "");
}

static void test_help_version(void **state)
{
	(void)state;
	assert_int_equal(parse("--help", NULL), 0);
	assert_int_equal(args.cmd, PRIO_CMD_HELP);
	assert_int_equal(parse("-V", NULL), 0);
	assert_int_equal(args.cmd, PRIO_CMD_VERSION);
	/* Help wins over what else is wrong. */
	assert_int_equal(parse("-h", "--json", NULL), 0);
	assert_int_equal(args.cmd, PRIO_CMD_HELP);
}

static void test_bad(void **state)
{
	(void)state;
	bad("unknown option '--bogus'", "--bogus", NULL);
	bad("unknown option '--bogus=1'", "--attach", "--bogus=1", NULL);
	bad("unknown option '-x'", "-x", NULL);
	bad("unknown option '-x'", "-vx", NULL);
	bad("ambiguous option '--d'", "--d", NULL);
	bad("option '-c' needs a value", "--attach", "-c", NULL);
	bad("option '--config' needs a value", "--attach", "--config", NULL);
	bad("option '--attach=yes' takes no value", "--attach=yes", NULL);
	bad("--attach and --detach cannot be combined", "-a", "-d", NULL);
	bad("--status and --foreground cannot be combined", "-s", "-f", NULL);
	bad("no command given: use --attach, --detach, --status, --check, "
	    "--foreground or --dump-config", NULL);
	bad("no command given: use --attach, --detach, --status, --check, "
	    "--foreground or --dump-config", "-c", "/x", NULL);
	bad("--dry-run goes with --attach or --foreground", "-s", "-n", NULL);
	bad("--json goes with --status", "-a", "-j", NULL);
	bad("--format goes with --status", "-a", "--format=json", NULL);
	bad("--output goes with --status", "-d", "-w", "/x", NULL);
	bad("unknown format 'xml' for --format: use text, json, openmetrics "
	    "or prometheus", "-s", "--format=xml", NULL);
	bad("option '--format' needs a value", "-s", "--format", NULL);
	bad("unexpected argument 'now'", "--attach", "now", NULL);
}

static void test_help_text(void **state)
{
	static const char *const words[] = {
		"--attach", "--detach", "--status", "--check", "--foreground",
		"--dump-config", "--config FILE", "--pin-path DIR", "--dry-run",
		"--json", "--format FORMAT", "openmetrics", "--bash-completion",
		"--verbose", "--version", "--help", "Examples:",
		PRIO_DEFAULT_CONFIG,
	};
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	assert_non_null(out);
	prio_cmdline_help(out);
	fclose(out);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strstr(text, words[i]))
			fail_msg("--help lacks '%s'", words[i]);
	/* Lines fit a terminal. */
	for (char *line = text, *nl; (nl = strchr(line, '\n')); line = nl + 1)
		if (nl - line > 79)
			fail_msg("--help line longer than 79: %.*s",
				 (int)(nl - line), line);
	free(text);
}

/* The completion script offers every command and option of the tables,
 * the formats after --format, and .ini files after --config. */
static void test_completion(void **state)
{
	static const char *const words[] = {
		" --attach", " --detach", " --status", " --check", " --foreground",
		" --dump-config", " --version", " --help", " --bash-completion",
		" --config", " --pin-path", " --dry-run", " --format", " --json",
		" --verbose", "-o|--format)", "'text json openmetrics prometheus'",
		"-c|--config)", "'!*.ini'", "-p|--pin-path)",
		"status) words=' --config --pin-path --format --output --json --verbose' ;;",
		"attach) words=' --config --pin-path --dry-run --verbose' ;;",
		"complete -F _memcg_prio memcg-prio",
	};
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	assert_non_null(out);
	prio_cmdline_completion(out);
	fclose(out);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strstr(text, words[i]))
			fail_msg("the completion script lacks '%s'", words[i]);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_help_text),
		cmocka_unit_test(test_completion),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * --status --format=openmetrics|prometheus (loader/print/openmetrics.c) on
 * made-up snapshots of a running policy: every sample belongs to a family
 * declared before it with HELP and TYPE, counters end in _total, label
 * values are escaped, and the families are the same, name and type, in
 * mode hook and mode memory.high.
 *
 * "test-loader-openmetrics print hook|memory.high" writes the Prometheus
 * text of a snapshot instead, for promtool check metrics (tests of their
 * own).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "kernel/probe.h"
#include "print/openmetrics.h"

/* What view.c would say; the view's own naming is not tested here. */
void prio_view_domain_name(const char *presser_path, uint64_t domain_id,
			   uint32_t cause, char *buf, size_t len)
{
	(void)domain_id;
	if (cause == PRIO_CAUSE_KSWAPD)
		snprintf(buf, len, "global: kswapd");
	else
		snprintf(buf, len, "limit of %.*s: memory.max",
			 (int)(strrchr(presser_path, '/') - presser_path),
			 presser_path);
}

const char *prio_cause_name(uint32_t cause)
{
	return cause == PRIO_CAUSE_KSWAPD ? "kswapd" : "memory.max";
}

#define NS 1000000000ULL

/* high pressed in the limit of /sys/fs/cgroup/t, low throttled by it;
 * a group name with a quote and a backslash. */
static struct prio_status *snapshot(enum prio_backend backend)
{
	struct prio_status *st = calloc(1, sizeof(*st));
	struct prio_group_status *h = &st->groups[0], *l = &st->groups[1];

	assert_non_null(st);
	st->backend = backend;
	st->source = PRIO_SOURCE_VMPRESSURE;
	st->now_ns = 100 * NS;
	st->n_groups = 3;
	snprintf(h->cfg.name, sizeof(h->cfg.name), "high");
	snprintf(h->cfg.path, sizeof(h->cfg.path), "/sys/fs/cgroup/t/high");
	h->cfg.priority = 100;
	h->pressed = true;
	h->state.pressure_ns = 2500000000ULL;
	h->state.pressured_until_ns = 101 * NS;
	h->state.domains[0] = (struct prio_domain_state){
		.cgroup_id = 7, .cause = PRIO_CAUSE_MAX, .severity = 3,
		.pressured_until_ns = 101 * NS };
	h->state.domains[1] = (struct prio_domain_state){
		.cgroup_id = 1, .cause = PRIO_CAUSE_KSWAPD, .severity = 1 };
	h->stats[PRIO_STAT_PAGES_SCANNED] = 10;
	snprintf(l->cfg.name, sizeof(l->cfg.name), "low");
	snprintf(l->cfg.path, sizeof(l->cfg.path), "/sys/fs/cgroup/t/low");
	l->cfg.priority = 10;
	l->throttled = backend == PRIO_BACKEND_HOOK;
	l->high_lowered = backend == PRIO_BACKEND_MEMORY_HIGH;
	l->state.last_throttled_ns = 99 * NS;
	l->state.throttled_domain = 7;
	l->state.throttled_cause = PRIO_CAUSE_MAX;
	l->stats[PRIO_STAT_THROTTLED] = 5;
	l->stats[PRIO_STAT_BOUND_SHARE] = 2;
	/* OOM: low lost 3 tasks, 1 as a group; high's memory.events unread. */
	l->oom_known = true;
	l->oom_events[0] = 0;
	l->oom_events[1] = 3;
	l->oom_events[2] = 1;
	/* The OOM hook killed 2 of low's tasks and skipped it once as small. */
	l->oom_hooked = true;
	l->oom_policy[PRIO_OOM_STAT_KILLS] = 2;
	l->oom_policy[PRIO_OOM_STAT_SMALL] = 1;
	snprintf(st->groups[2].cfg.name, sizeof(st->groups[2].cfg.name), "q\"b\\");
	snprintf(st->groups[2].cfg.path, sizeof(st->groups[2].cfg.path),
		 "/sys/fs/cgroup/q");
	st->gstats[PRIO_GSTAT_EVENTS] = 42;
	return st;
}

static char *render(enum prio_backend backend, bool openmetrics)
{
	struct prio_status *st = snapshot(backend);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	prio_openmetrics_print(st, 4096, openmetrics, out);
	fclose(out);
	free(st);
	return text;
}

/* "# TYPE name type" lines of text, in order, one per line. */
static char *types(const char *text)
{
	char *list = NULL, *copy = strdup(text), *save = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&list, &len);

	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (strncmp(l, "# TYPE ", 7) == 0)
			fprintf(out, "%s\n", l + 7);
	fclose(out);
	free(copy);
	return list;
}

/* Every sample's name is its family's, plus _total for a counter in the
 * OpenMetrics form; every family has HELP then TYPE; names are prefixed. */
static void check_structure(const char *text, bool openmetrics)
{
	char *copy = strdup(text), *save = NULL;
	char family[128] = "", type[16] = "", help[128] = "";
	bool eof = false;

	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char name[160], want[160];

		assert_false(eof);
		if (strcmp(l, "# EOF") == 0) {
			eof = true;
			continue;
		}
		if (sscanf(l, "# HELP %127s", help) == 1)
			continue;
		if (sscanf(l, "# TYPE %127s %15s", family, type) == 2) {
			assert_string_equal(help, family);
			assert_int_equal(strncmp(family, "memcg_prio_", 11), 0);
			continue;
		}
		assert_int_equal(sscanf(l, "%159[^{ ]", name), 1);
		snprintf(want, sizeof(want), "%s%s", family,
			 openmetrics && strcmp(type, "counter") == 0 ? "_total" : "");
		if (strcmp(name, want) != 0)
			fail_msg("sample '%s' after TYPE %s %s", l, family, type);
		if (strcmp(type, "counter") == 0)
			assert_non_null(strstr(name, "_total"));
	}
	assert_int_equal(eof, openmetrics);
	free(copy);
}

static void test_structure(void **state)
{
	(void)state;
	for (int b = 0; b < 2; b++)
		for (int om = 0; om < 2; om++) {
			char *t = render(b ? PRIO_BACKEND_MEMORY_HIGH :
					 PRIO_BACKEND_HOOK, om);

			check_structure(t, om);
			free(t);
		}
}

static void test_same_families_in_both_modes(void **state)
{
	char *hook = render(PRIO_BACKEND_HOOK, true);
	char *high = render(PRIO_BACKEND_MEMORY_HIGH, true);
	char *th = types(hook), *tm = types(high);

	(void)state;
	assert_string_equal(th, tm);
	assert_non_null(strstr(th, "memcg_prio_group_throttled gauge\n"));
	assert_non_null(strstr(th, "memcg_prio_group_pressure_seconds counter\n"));
	/* Throttled in both: a penalty, a lowered memory.high. */
	assert_non_null(strstr(hook, "memcg_prio_group_throttled{group=\"low\",cgroup=\"/sys/fs/cgroup/t/low\"} 1\n"));
	assert_non_null(strstr(high, "memcg_prio_group_throttled{group=\"low\",cgroup=\"/sys/fs/cgroup/t/low\"} 1\n"));
	assert_non_null(strstr(high, "memcg_prio_info{mode=\"memory.high\",source=\"vmpressure\"} 1\n"));
	free(th);
	free(tm);
	free(hook);
	free(high);
}

static void test_values(void **state)
{
	char *t = render(PRIO_BACKEND_HOOK, false);
	static const char *const lines[] = {
		"# TYPE memcg_prio_group_pressure_seconds_total counter\n",
		"memcg_prio_group_pressure_seconds_total{group=\"high\",cgroup=\"/sys/fs/cgroup/t/high\"} 2.500000000\n",
		"memcg_prio_group_reclaim_scanned_bytes_total{group=\"high\",cgroup=\"/sys/fs/cgroup/t/high\"} 40960\n",
		"memcg_prio_group_charges_throttled_total{group=\"low\",cgroup=\"/sys/fs/cgroup/t/low\"} 5\n",
		"memcg_prio_group_reliefs_total{group=\"low\",cgroup=\"/sys/fs/cgroup/t/low\",cause=\"throttle_max_share\"} 2\n",
		"memcg_prio_group_reliefs_total{group=\"low\",cgroup=\"/sys/fs/cgroup/t/low\",cause=\"throttle_max_ms\"} 0\n",
		"memcg_prio_domain_pressed{group=\"high\",cgroup=\"/sys/fs/cgroup/t/high\",domain=\"/sys/fs/cgroup/t\",cause=\"memory.max\"} 1\n",
		"memcg_prio_domain_pressed{group=\"high\",cgroup=\"/sys/fs/cgroup/t/high\",domain=\"global\",cause=\"kswapd\"} 0\n",
		"memcg_prio_domain_severity{group=\"high\",cgroup=\"/sys/fs/cgroup/t/high\",domain=\"/sys/fs/cgroup/t\",cause=\"memory.max\"} 3\n",
		"memcg_prio_group_throttle_domain{group=\"low\",cgroup=\"/sys/fs/cgroup/t/low\",domain=\"/sys/fs/cgroup/t\",cause=\"memory.max\"} 1\n",
		"memcg_prio_group_pressed{group=\"q\\\"b\\\\\",cgroup=\"/sys/fs/cgroup/q\"} 0\n",
		"memcg_prio_reclaim_reports_total 42\n",
		"# TYPE memcg_prio_group_oom_kills_total counter\n",
		"memcg_prio_group_oom_kills_total{group=\"low\",cgroup=\"/sys/fs/cgroup/t/low\"} 3\n",
		"memcg_prio_group_oom_group_kills_total{group=\"low\",cgroup=\"/sys/fs/cgroup/t/low\"} 1\n",
		"memcg_prio_group_ooms_total{group=\"low\",cgroup=\"/sys/fs/cgroup/t/low\"} 0\n",
		"# TYPE memcg_prio_group_oom_hook_decisions_total counter\n",
		"memcg_prio_group_oom_hook_decisions_total{group=\"low\",cgroup=\"/sys/fs/cgroup/t/low\",cause=\"kill\"} 2\n",
		"memcg_prio_group_oom_hook_decisions_total{group=\"low\",cgroup=\"/sys/fs/cgroup/t/low\",cause=\"small\"} 1\n",
		"memcg_prio_group_oom_hook_decisions_total{group=\"low\",cgroup=\"/sys/fs/cgroup/t/low\",cause=\"failed\"} 0\n",
		"memcg_prio_attached 1\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (!strstr(t, lines[i]))
			fail_msg("no line %s", lines[i]);
	assert_null(strstr(t, "# EOF"));
	free(t);
}

static void test_detached(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	prio_openmetrics_print_detached(true, out);
	fclose(out);
	assert_string_equal(text, "# HELP memcg_prio_attached 1 if a policy is attached.\n"
			    "# TYPE memcg_prio_attached gauge\n"
			    "memcg_prio_attached 0\n# EOF\n");
	free(text);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_same_families_in_both_modes),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_detached),
	};

	if (argc > 2 && strcmp(argv[1], "print") == 0) {
		char *t = render(strcmp(argv[2], "memory.high") == 0 ?
				 PRIO_BACKEND_MEMORY_HIGH : PRIO_BACKEND_HOOK,
				 false);

		fputs(t, stdout);
		free(t);
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}

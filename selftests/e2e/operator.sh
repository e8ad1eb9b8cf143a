# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Tests of what operators deploy around memcg-prio: the metrics of
# --status --format=openmetrics|prometheus checked by promtool on a live
# policy, the memory PSI a throttled group shows (what systemd-oomd reads),
# and the recipes in examples/.  Sourced by selftests/e2e/run.

OM_TEST=$builddir/selftests/unit/test-loader-openmetrics

# metrics_now [FORMAT]: --status --format=FORMAT (prometheus) into $METRICS.
metrics_now() {
	METRICS=$("$P" --status --format="${1:-prometheus}" -p "$PIN" 2>&1)
}

# metric NAME LABELS: the value of the sample NAME{LABELS} in $METRICS.
metric() {
	awk -v s="$1{$2} " 'index($0, s) == 1 { print substr($0, length(s) + 1) }' \
		<<<"$METRICS"
}

# metric_is NAME LABELS VALUE: fresh, the sample has VALUE.
metric_is() {
	metrics_now
	[[ $(metric "$1" "$2") == "$3" ]]
}

# metric_at_least NAME LABELS N: fresh, the sample is an integer >= N.
metric_at_least() {
	local v
	metrics_now
	v=$(metric "$1" "$2")
	[[ $v =~ ^[0-9]+$ && $v -ge $3 ]]
}

glabels() { echo "group=\"$1\",cgroup=\"$2\""; }	# glabels GROUP CGROUP

# metrics_valid MODE: promtool accepts both formats of the live policy
# (the OpenMetrics one as the Prometheus one it differs from only in
# TYPE/HELP names and "# EOF"), and the families, names and types, are the
# ones the unit test prints for MODE: the same in both modes.
metrics_valid() {
	local want om
	metrics_now
	promtool check metrics <<<"$METRICS" >&2 ||
		fail "promtool check metrics refused --format=prometheus"
	want=$("$OM_TEST" print "$1" | grep '^# TYPE') || fail "no $OM_TEST"
	expect_eq "$(grep '^# TYPE' <<<"$METRICS")" "$want" "the families in mode $1"
	om=$("$P" --status --format=openmetrics -p "$PIN")
	expect_eq "$(tail -1 <<<"$om")" "# EOF" "last line of --format=openmetrics"
	expect_eq "$(grep -v '^#' <<<"$om" | cut -d' ' -f1)" \
		"$(grep -v '^#' <<<"$METRICS" | cut -d' ' -f1)" "the samples of both formats"
}

# psi_watch CGROUP SECONDS WHAT: sample CGROUP's memory.pressure every
# second; log and keep (psi.txt beside the results) the largest and the
# mean "full avg10" (what systemd-oomd compares with its limit) and the
# largest "some avg10".
psi_watch() {
	local cg=$1 n=$2 what=$3 i line full some
	local out=${MEMCG_PRIO_VM_OUT:-/tmp}/psi.txt
	for ((i = 0; i < n; i++)); do
		full=$(awk '/^full/ { sub("avg10=", "", $2); print $2 }' "$cg/memory.pressure")
		some=$(awk '/^some/ { sub("avg10=", "", $2); print $2 }' "$cg/memory.pressure")
		[[ -n $full && -n $some ]] || fail "cannot read $cg/memory.pressure"
		echo "$full $some"
		sleep 1
	done >"$TMP/psi"
	line=$(awk -v w="$what" '{ if ($1 > fm) fm = $1; if ($2 > sm) sm = $2; fs += $1 }
		END { printf "%s: full avg10 max %.2f mean %.2f, some avg10 max %.2f, %d samples\n",
		      w, fm, fs / NR, sm, NR }' "$TMP/psi")
	echo "psi $line" >&2
	echo "$line" >>"$out"
}

# Mode hook: high fills the limit it shares with low; the metrics say high
# pressed in that domain, low throttled, then relieved (throttle_max_ms at
# its default, 30 s), all valid to promtool; --output writes the file
# node_exporter reads.  Meanwhile low's memory PSI is measured.
test_metrics() {
	local t=$E2E/om high low
	mkcg "$t/high" "$t/low"
	echo 96M >"$t/memory.max"
	two_groups "$t" | write_config "$TMP/om.ini"
	high=$(glabels high "$t/high") low=$(glabels low "$t/low")
	expect_rc 3 "$P" --status --format=prometheus -p "$PIN"
	expect_eq "$(grep -v '^#' <<<"$OUT")" "memcg_prio_attached 0" "metrics, nothing attached"
	expect_rc 0 "$P" --attach -c "$TMP/om.ini"
	metrics_valid hook
	expect_eq "$(metric memcg_prio_info 'mode="hook",source="vmpressure"')" 1 "info"
	allocator "$t/low"
	toucher "$t/high" 96
	wait_for 300 "high pressed in the metrics" metric_is memcg_prio_domain_pressed \
		"$high,domain=\"$t\",cause=\"memory.max\"" 1
	wait_for 300 "low throttled in the metrics" metric_is memcg_prio_group_throttled "$low" 1
	metrics_valid hook
	[[ $(metric memcg_prio_group_charges_throttled_total "$low") -gt 0 ]] ||
		fail "no throttled charge of low"
	[[ $(metric memcg_prio_group_reclaim_scanned_bytes_total "$high") -gt 0 ]] ||
		fail "no reclaim scanned in high"
	# 1 only while low is throttled (a penalty within the last second),
	# which a snapshot taken after the checks above may miss under TCG.
	wait_for 60 "low's throttling domain in the metrics" metric_is \
		memcg_prio_group_throttle_domain "$low,domain=\"$t\",cause=\"memory.max\"" 1
	psi_watch "$t/low" 40 "mode hook, low throttled by high (memory.max $t)"
	wait_for 300 "low's relief in the metrics" metric_at_least memcg_prio_group_reliefs_total \
		"$low,cause=\"throttle_max_ms\"" 1
	metrics_valid hook
	expect_rc 0 "$P" --status --format=prometheus -p "$PIN" --output "$TMP/om.prom"
	expect_eq "$OUT" "" "standard output with --output"
	promtool check metrics <"$TMP/om.prom" >&2 || fail "promtool refused $TMP/om.prom"
	expect_eq "$(stat -c %a "$TMP/om.prom")" 644 "mode of the textfile"
	[[ -z $(find "$TMP" -name 'om.prom.*') ]] || fail "temporary file left"
	expect_rc 1 "$P" --status --format=prometheus -p "$PIN" --output /nonexistent/x.prom
	expect_match "^memcg-prio: --output /nonexistent/x.prom: cannot create a file beside it: No such file or directory$" "$ERR"
	cg_empty "$t"
	expect_rc 0 "$P" --detach -p "$PIN"
	expect_nothing_attached "$PIN"
}

# Mode memory.high: the same families; low throttled means its
# memory.high lowered.  low's memory PSI while it is lowered is measured.
test_memory_high_metrics() {
	local low
	mh_setup
	low=$(glabels low "$T/low")
	metrics_valid memory.high
	expect_eq "$(metric memcg_prio_info 'mode="memory.high",source="vmpressure"')" 1 "info"
	toucher "$T/high" 96
	wait_for 300 "'low throttled'" fg_says "group 'low' throttled by 'high'"
	wait_for 60 "low throttled in the metrics" metric_is memcg_prio_group_throttled "$low" 1
	metrics_valid memory.high
	psi_watch "$T/low" 40 "mode memory.high, low's memory.high lowered for high (memory.max $T)"
	fg_stop
	cg_empty "$E2E/mh"
	expect_nothing_attached "$PIN"
}

# recipe_check INI DIR...: make the cgroups DIR... (under the cgroup2 root)
# that do not exist yet, run --check on the recipe, remove what was made.
recipe_check() {
	local ini=$1 d made=() rc
	shift
	for d in "$@"; do
		[[ -d $CG/$d ]] && continue
		mkcg "$CG/$d"
		made=("$CG/$d" "${made[@]}")
	done
	run "$P" --check -c "$ini"
	rc=$RC
	for d in "${made[@]}"; do
		rmdir "$d"
	done
	[[ $rc -eq 0 ]] || fail "--check -c $ini exited $rc"
	expect_match "fine: 3 groups" "$OUT"
}

# The recipes of examples/, each against a cgroup tree made to match.
test_recipes() {
	local ex=$here/../../examples
	recipe_check "$ex/systemd.ini" system.slice user.slice batch.slice
	expect_match "group 'batch': priority 0, cgroup $CG/batch.slice" "$OUT"
	recipe_check "$ex/kubelet.ini" kubepods.slice \
		kubepods.slice/kubepods-burstable.slice kubepods.slice/kubepods-besteffort.slice
	expect_match "group 'besteffort': priority 0, cgroup $CG/kubepods.slice/kubepods-besteffort.slice" "$OUT"
	# A slice missing: --check names it.
	expect_rc 1 "$P" --check -c "$ex/systemd.ini"
	expect_match "cgroup $CG/[a-z]+\\.slice: No such file or directory" "$ERR"
}

# The package (-d DEB) installed in a throwaway root, its memcg-prio run
# from there: --help, the completion, the conffile, and --check on a config
# whose cgroups exist (in /tmp, which the throwaway root shares).
test_package() {
	local t=$E2E/pkg
	mkcg "$t/high" "$t/low"
	two_groups "$t" | write_config "$TMP/pkg.ini"
	run "$here/../package/install-test" "$deb" "$TMP/pkg.ini"
	[[ $RC -eq 0 ]] || fail "install-test: $OUT"
	expect_match "ok: memcg-prio --check -c $TMP/pkg.ini: fine: 2 groups" "$OUT"
	expect_match "ok: dpkg -r keeps the config, dpkg -P removes it" "$OUT"
	expect_nothing_attached "$PIN"
}

# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Tests of OOM priority (issue 20).  On a kernel without an OOM hook (the
# stock fallback, in stock_tests): memcg-prio --foreground keeps
# oom_score_adj in bands, the kernel chooses.  On the test kernel, with
# bpf_oom_ops (oom_hook*, in tests): the OOM hook (policy/oom.bpf.c)
# chooses.  Sourced by selftests/e2e/run.
#
# MEMCG_PRIO_TEST_OOM=kernel runs the hook tests with oom = kernel: they
# must fail then (the kernel kills high), which shows that the hook, not
# the scenario, makes them pass.
#
# The scenario: high, low and keep share the 160M of $OT (no swap there);
# low holds 30M plus an 8M process whose oom_score_adj is -1000, keep
# (oom_kill = false) holds 40M, then high grows to 96M and exits.  The sum
# does not fit: one OOM at $OT's limit.  The kernel alone kills the biggest,
# high; with memcg-prio it kills low's 30M and high finishes.

# shellcheck disable=SC2154 # builddir: set by selftests/e2e/run
HOG=$(cd "$builddir" && pwd)/selftests/oom-hog
OOM_STATE=${PIN#/}
OOM_STATE=/run/memcg-prio/${OOM_STATE//\//-}.oom

adj_of() { cat "/proc/$1/oom_score_adj"; }
# Is process $1 alive: there, and not a zombie its parent has not reaped.
proc_alive() {
	local state
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) && [[ $state != Z ]]
}
adj_is() { [[ $(adj_of "$1" 2>/dev/null) == "$2" ]]; }
# The pid of the first process in cgroup $1.
first_pid() { head -n 1 "$1/cgroup.procs"; }
# (cgroupfs files have size 0: read them, do not test -s)
has_procs() { [[ -n $(<"$1/cgroup.procs") ]]; }
xattr_of() {
	/usr/bin/python3 -c 'import os, sys
try:
    print(os.getxattr(sys.argv[1], sys.argv[2]).decode())
except OSError:
    print("-")' "$1" "$2"
}

# oom_tree [global]: the scenario's cgroups and $TMP/oom.ini, no task yet;
# with "global", $OT has no memory.max.
oom_tree() {
	OT=$E2E/oom/t
	mkcg "$OT/high" "$OT/low" "$OT/keep"
	[[ ${1-} == global ]] || echo 160M >"$OT/memory.max"
	echo 0 >"$OT/memory.swap.max"
	cat >"$TMP/oom.ini" <<-INI
	[global]
	pin_path = $PIN
	mode = memory.high
	oom = ${OOM_SETTING:-priority}
	[group.high]
	path = ${OT#"$CG"/}/high
	priority = high
	oomd_preference = avoid
	[group.low]
	path = ${OT#"$CG"/}/low
	priority = low
	[group.keep]
	path = ${OT#"$CG"/}/keep
	priority = low
	oom_kill = false
	INI
}

# oom_setup [global]: the scenario above; with "global", $OT has no
# memory.max (the OOM is the machine's, see test_oom_hook_global), low's
# hog takes 120M and every hog locks its pages.
oom_setup() {
	local lock='' low_mb=30
	oom_tree "$@"
	[[ ${1-} != global ]] || lock=lock low_mb=120
	spawn "$OT/low" "$HOG" "$low_mb" hold $lock
	spawn "$OT/low" choom -n -1000 -- "$HOG" 8 hold $lock
	spawn "$OT/keep" "$HOG" 40 hold $lock
	# shellcheck disable=SC2016 # eval expands it
	wait_for 60 "low's and keep's hogs" eval \
		'[[ $(wc -l <"$OT/low/cgroup.procs") -eq 2 ]] && has_procs "$OT/keep"'
	wait_for 120 "the hogs to hold $((low_mb + 48))M" current_at_least "$OT" \
		$(((low_mb + 48) << 20))
	LOW_PID='' UNKILLABLE_PID=''
	while read -r pid; do
		if [[ $(adj_of "$pid") == -1000 ]]; then UNKILLABLE_PID=$pid
		else LOW_PID=$pid; fi
	done <"$OT/low/cgroup.procs"
	KEEP_PID=$(first_pid "$OT/keep")
	[[ $LOW_PID && $UNKILLABLE_PID && $KEEP_PID ]] || fail "hogs not found"
}

# high_grows [MB [OPTION...]]: high takes MB (96) MiB in $OT and exits;
# its exit status in $HIGH_RC.
high_grows() {
	( echo "$BASHPID" >"$OT/high/cgroup.procs" &&
		exec "$HOG" "${1:-96}" "${@:2}" ) >"$TMP/high.out" 2>&1
	HIGH_RC=$?
}

# After high_grows, the priorities' outcome: high finished, and
# expect_low_victim.
expect_low_died() {
	expect_eq "$HIGH_RC" 0 "high's exit status (it must finish)"
	expect_events "$OT/high" oom_kill 0 "high's OOM kills"
	expect_low_victim
}

# low's 30M hog died, once; keep (oom_kill = false) and the -1000
# process live.
expect_low_victim() {
	expect_events "$OT/keep" oom_kill 0 "keep's OOM kills (oom_kill = false)"
	expect_events "$OT/low" oom_kill 1 "low's OOM kills"
	proc_alive "$UNKILLABLE_PID" || fail "the -1000 task was killed"
	proc_alive "$KEEP_PID" || fail "keep's hog was killed"
	! proc_alive "$LOW_PID" || fail "low's hog survived"
}

# Without memcg-prio the kernel kills the biggest task of the domain: high.
# This is what the fallback is for; it fails if the scenario stops
# making the kernel pick high.
test_oom_stock_baseline() {
	oom_setup
	high_grows
	echo "high's exit status $HIGH_RC, its memory.events: $(tr '\n' ' ' <"$OT/high/memory.events")"
	((HIGH_RC != 0)) || fail "high finished: the OOM did not pick it"
	expect_events "$OT/high" oom_kill 1 "high's OOM kills, no policy"
	expect_events "$OT/low" oom_kill 0 "low's OOM kills, no policy"
	expect_events "$OT/keep" oom_kill 0 "keep's OOM kills, no policy"
	cg_remove "$E2E/oom"
}

# The groups of the kernel's kills since kmsg_follow, in order
# ("low high "), from its "oom-kill:... task_memcg=..." lines.
kernel_kill_order() {
	sed -n 's/.*oom-kill:.*,task_memcg=[^,]*\/\([^/,]*\),task=.*/\1/p' \
		"$TMP/kmsg" | tr '\n' ' '
}

# The bands decide which task the kernel kills first: low's hog, not the
# bigger high.  Whether high then finishes is up to the kernel: Debian's
# 7.2 kills it too, some 10 ms after low's hog, when high's retried
# charge comes while low's hog is still exiting (in 8 runs of 12 with the
# host loaded; CI, three rounds in a row).  Its memcg OOM killer no longer
# sees an exiting victim, and stops waiting for a victim once its pages
# are unmapped rather than freed.  Patch 0012 makes it wait; the kernel
# test oom_victim_wait checks it with the same oom_score_adj as the bands.
# Were the bands wrong, high would go first and low not at all: its kill
# frees enough.
test_oom_priority() {
	local order
	oom_setup
	fg_start "$TMP/oom.ini"
	fg_says "no OOM hook in this kernel: the kernel chooses, memcg-prio keeps oom_score_adj in bands ('high' 0, 'low' 1000, 'keep' -999; 1000 apart at least)" ||
		fail "no line about the OOM bands"
	wait_for 30 "low's hog in band 1000" adj_is "$LOW_PID" 1000
	wait_for 30 "keep's hog at -999" adj_is "$KEEP_PID" -999
	expect_eq "$(adj_of "$UNKILLABLE_PID")" -1000 "the -1000 task's oom_score_adj"
	expect_eq "$(xattr_of "$OT/high" user.oomd_avoid)" 1 "high's user.oomd_avoid"
	expect_eq "$(xattr_of "$OT/low" user.oomd_avoid)" - "low's user.oomd_avoid"
	kmsg_follow
	high_grows
	# shellcheck disable=SC2016 # eval expands it
	wait_for 30 "the kernel log line of each kill" eval \
		'(($(grep -c "oom-kill:" "$TMP/kmsg") >= $(events "$OT/low" oom_kill) + $(events "$OT/high" oom_kill)))'
	order=$(kernel_kill_order)
	echo "high's exit status $HIGH_RC; the kernel's kills, by group: $order"
	[[ $order == "low "* ]] || fail "the kernel's first kill was not in low: '$order'"
	if ((HIGH_RC != 0)); then
		expect_eq "$order" "low high " "the kernel's kills when high did not finish"
		echo "high was killed after low's hog: the kernel did not wait for its exiting victim"
	else
		expect_events "$OT/high" oom_kill 0 "high's OOM kills"
	fi
	expect_low_victim
	fg_wait_oom_line "the OOM line" \
		"OOM: group 'low' ($OT/low) lost 1 task to the OOM killer (domain: limit of $OT); the kernel chose, memcg-prio had put its tasks in oom_score_adj band 1000"
	status_json
	expect_eq "$(jget '.groups[] | select(.name == "low") | .oom.oom_kills')" 1 \
		"low's oom_kills in --status --json"
	expect_eq "$(jget '.groups[] | select(.name == "low") | .oom.band')" 1000 \
		"low's band in --status --json"
	expect_rc 0 "$P" --status -p "$PIN"
	expect_match "oom:        1 OOM kills \\(0 as a group\\), 0 OOMs at its limits \\(memory.events\\); oom_score_adj band 1000" "$OUT"
	expect_rc 0 "$P" --status -p "$PIN" --format=prometheus
	expect_match "memcg_prio_group_oom_kills_total\\{group=\"low\",cgroup=\"$OT/low\"\\} 1" "$OUT"
	fg_stop
	fg_says "memcg-prio: oom_score_adj of 1 processes restored" ||
		fail "no restore line"
	expect_eq "$(adj_of "$KEEP_PID")" 0 "keep's oom_score_adj after exit"
	expect_eq "$(adj_of "$UNKILLABLE_PID")" -1000 "the -1000 task's after exit"
	expect_eq "$(xattr_of "$OT/high" user.oomd_avoid)" - "high's user.oomd_avoid after exit"
	[[ ! -e $OOM_STATE ]] || fail "state file $OOM_STATE left"
	cg_remove "$E2E/oom"
	expect_nothing_attached "$PIN"
}

# SIGKILL: the state file lets the next run, or --detach, restore; a
# process that someone else set meanwhile is left alone.
test_oom_kill_restore() {
	local other
	oom_setup
	spawn "$OT/low" "$HOG" 1 hold
	# shellcheck disable=SC2016 # eval expands it
	wait_for 30 "a third process in low" eval \
		'[[ $(wc -l <"$OT/low/cgroup.procs") -eq 3 ]]'
	other=$(grep -vx -e "$LOW_PID" -e "$UNKILLABLE_PID" "$OT/low/cgroup.procs")
	fg_start "$TMP/oom.ini"
	wait_for 30 "low's hog in band 1000" adj_is "$LOW_PID" 1000
	wait_for 30 "the third one too" adj_is "$other" 1000
	fg_stop KILL
	expect_eq "$(adj_of "$LOW_PID")" 1000 "low's hog after SIGKILL"
	[[ -e $OOM_STATE ]] || fail "no state file $OOM_STATE"
	echo 7 >"/proc/$other/oom_score_adj"		# someone else's now
	expect_rc 0 "$P" --detach -p "$PIN"
	expect_match "restored 3 oom_score_adj, memory.oom.group or oomd xattr values that pid $FG_PID left" "$ERR"
	expect_eq "$(adj_of "$LOW_PID")" 0 "low's hog after --detach"
	expect_eq "$(adj_of "$KEEP_PID")" 0 "keep's hog after --detach"
	expect_eq "$(adj_of "$other")" 7 "the value someone else set"
	expect_eq "$(adj_of "$UNKILLABLE_PID")" -1000 "the -1000 task"
	expect_eq "$(xattr_of "$OT/high" user.oomd_avoid)" - "high's user.oomd_avoid after --detach"
	[[ ! -e $OOM_STATE ]] || fail "state file $OOM_STATE left"
	cg_remove "$E2E/oom"
	expect_nothing_attached "$PIN"
}

# --- With the OOM hook (test kernel) -----------------------------------------

OOM_HOOK_PIN=$PIN-oom

# fg_start with -v (a verifier's refusal shows in the log) and a longer
# wait: under TCG, on the KASAN test kernel, verifying the OOM policy
# beside the throttling one took --foreground past fg_start's 60 s.
fg_start_hook() {
	"$P" -v --foreground -c "$1" >"$TMP/fg.out" 2>&1 &
	FG_PID=$!
	echo "$FG_PID" >"$TMP/fg.pid"
	local t0=$SECONDS
	until fg_attached; do
		if ((SECONDS - t0 > 300)); then
			sed 's/^/  fg: /' "$TMP/fg.out"
			fail "--foreground did not attach in 300 s"
		fi
		sleep 0.5
	done
	echo "--foreground attached in $((SECONDS - t0)) s"
}

# fg_wait_oom_line WHAT LINE: wait up to 30 s for --foreground to print
# LINE (a grep pattern); if it does not, show the OOM lines it printed.
fg_wait_oom_line() {
	local end=$((SECONDS + 30))
	until fg_says "$2"; do
		if ((SECONDS > end)); then
			grep 'OOM' "$TMP/fg.out" | sed 's/^/  fg: /'
			fail "timed out after 30s waiting for: $1"
		fi
		sleep 0.5
	done
}

# The kernel log line of a kill by the hook, for group $1.
hook_killed_in() { dmesg | grep -q "memcg-prio: $1 (bpf_oom_ops memcg_prio): Killed process"; }

# The same scenario as oom_priority: the hook picks low's 30M process,
# the largest killable one of the lowest group in $OT, although high is
# bigger; keep (oom_kill = false) and the -1000 process live; no band is
# written, the oomd xattr is.
test_oom_hook() {
	local check_out
	OOM_SETTING=${MEMCG_PRIO_TEST_OOM:-priority}
	oom_setup
	expect_rc 0 "$P" --check -c "$TMP/oom.ini"
	check_out=$OUT
	fg_start_hook "$TMP/oom.ini"
	[[ -e $OOM_HOOK_PIN/links/oom_handler ]] || echo "no hook pinned at $OOM_HOOK_PIN"
	sleep 1		# five polls: a band would be written by now
	expect_eq "$(adj_of "$LOW_PID")" 0 "low's oom_score_adj (no band with the hook)"
	high_grows
	echo "high's exit status $HIGH_RC"
	dmesg | grep -E "Killed process|bpf_oom_ops" | tail -n 5
	expect_low_died
	hook_killed_in low || fail "no kernel log line of the hook's kill in low"
	expect_eq "$(xattr_of "$OT/high" user.oomd_avoid)" 1 "high's user.oomd_avoid"
	expect_match "oom: priority, through the OOM hook \\(bpf_oom_ops\\)" "$check_out" \
		"--check"
	fg_says "memcg-prio: OOM: the OOM hook is attached to the root cgroup" ||
		fail "no line about the OOM hook"
	[[ -e $OOM_HOOK_PIN/links/oom_handler ]] || fail "no hook pinned at $OOM_HOOK_PIN"
	fg_wait_oom_line "the hook's line" \
		"OOM hook: killed pid $LOW_PID (oom-hog, [0-9]* KiB) of group 'low' ($OT/low) (domain: limit of $OT): the lowest group in the domain that may lose a task; the hook's kills in the group: 1"
	fg_wait_oom_line "the memory.events line" \
		"OOM: group 'low' ($OT/low) lost 1 task to the OOM killer (domain: limit of $OT); memcg-prio's OOM hook chose"
	status_json
	expect_eq "$(jget '.groups[] | select(.name == "low") | .oom_hook.kills')" 1 \
		"low's hook kills in --status --json"
	expect_eq "$(jget '.groups[] | select(.name == "high") | .oom_hook.kills')" 0 \
		"high's hook kills in --status --json"
	expect_eq "$(jget '.oom_hook.last_kill.pid')" "$LOW_PID" "the last kill's pid"
	expect_eq "$(jget '.oom_hook.last_kill.group')" low "the last kill's group"
	expect_eq "$(jget '.oom_hook.last_kill.domain')" "limit of $OT" "the last kill's domain"
	expect_eq "$(jget '.oom_hook.last_kill.reason')" lowest "the last kill's reason"
	expect_rc 0 "$P" --status -p "$PIN"
	expect_match "oom hook:   1 kills" "$OUT"
	expect_match "last kill:  pid $LOW_PID \\(oom-hog\\) of group 'low', domain limit of $OT" "$OUT"
	expect_rc 0 "$P" --status -p "$PIN" --format=prometheus
	expect_match "memcg_prio_group_oom_hook_decisions_total\\{group=\"low\",cgroup=\"$OT/low\",cause=\"kill\"\\} 1" "$OUT"
	fg_stop
	[[ ! -e $OOM_HOOK_PIN ]] || fail "the hook's pins left at $OOM_HOOK_PIN"
	expect_eq "$(xattr_of "$OT/high" user.oomd_avoid)" - "high's user.oomd_avoid after exit"
	cg_remove "$E2E/oom"
	expect_nothing_attached "$PIN"
}

# The negative: an OOM at high's own memory.max has only high in its
# domain, so the hook kills in high, as the kernel would; low and keep,
# outside that domain, are left alone.  In mode hook (auto), where
# --foreground pins the OOM hook alone: --status shows it all the same.
test_oom_hook_own_limit() {
	OOM_SETTING=${MEMCG_PRIO_TEST_OOM:-priority}
	oom_setup
	sed -i '/^mode = /d' "$TMP/oom.ini"
	echo 60M >"$OT/high/memory.max"
	fg_start_hook "$TMP/oom.ini"
	high_grows
	echo "high's exit status $HIGH_RC"
	dmesg | grep -E "Killed process|bpf_oom_ops" | tail -n 5
	((HIGH_RC != 0)) || fail "high finished beyond its own memory.max"
	expect_events "$OT/high" oom_kill 1 "high's OOM kills"
	expect_events "$OT/low" oom_kill 0 "low's OOM kills"
	expect_events "$OT/keep" oom_kill 0 "keep's OOM kills"
	proc_alive "$LOW_PID" || fail "low's hog was killed"
	proc_alive "$KEEP_PID" || fail "keep's hog was killed"
	hook_killed_in high || fail "no kernel log line of the hook's kill in high"
	fg_wait_oom_line "the hook's line" \
		"OOM hook: killed pid [0-9]* (oom-hog, [0-9]* KiB) of group 'high' ($OT/high) (domain: limit of $OT/high): the lowest group in the domain that may lose a task"
	expect_rc 3 "$P" --status -p "$PIN"
	expect_match "oom hook: attached to the root cgroup by memcg-prio --foreground, pinned at $OOM_HOOK_PIN; asked in [1-9][0-9]* OOMs" "$OUT"
	expect_match "group 'high' \\($OT/high\\): 1 kills" "$OUT"
	expect_match "last kill: pid [0-9]+ \\(oom-hog\\) of group 'high', domain limit of $OT/high" "$OUT"
	status_json
	expect_eq "$(jget '.attached')" false "attached (mode hook pins nothing but the hook)"
	expect_eq "$(jget '.oom_hook.groups[] | select(.name == "low") | .kills')" 0 \
		"low's hook kills"
	expect_eq "$(jget '.oom_hook.groups[] | select(.name == "high") | .kills')" 1 \
		"high's hook kills"
	expect_eq "$(jget '.oom_hook.last_kill.group')" high "the last kill's group"
	fg_stop
	cg_remove "$E2E/oom"
	expect_nothing_attached "$PIN"
}

# kmsg_follow: from now on, the kernel's log lines go to $TMP/kmsg (dmesg
# -W, in a cgroup of its own that cg_remove "$E2E/oom" ends).  Counting in
# dmesg instead would go wrong when OOM reports wrap the ring buffer.
kmsg_follow() {
	mkcg "$E2E/oom/kmsg"
	( echo "$BASHPID" >"$E2E/oom/kmsg/cgroup.procs" && exec dmesg -W ) \
		>"$TMP/kmsg" 2>&1 &
	disown
	wait_for 30 "dmesg -W to run" has_procs "$E2E/oom/kmsg"
}

# How many kills the hook logged since kmsg_follow (every group), and
# whether that is above N.
hook_kill_count() { grep -c "(bpf_oom_ops memcg_prio): Killed process" "$TMP/kmsg"; }
hook_kill_count_above() { (($(hook_kill_count) > $1)); }

# The order of the hook's kills since kmsg_follow: the group of each
# "memcg-prio: NAME (bpf_oom_ops memcg_prio): Killed process PID" line,
# each PID once.  A group kill (memory.oom.group) kills the chosen victim,
# then every member of the group, the victim again if its mm is still
# there: the kernel's oom_kill_process() does so for its own victims too,
# and counts that second kill in memory.events as well.
hook_kill_order() {
	sed -n 's/.*memcg-prio: \([^ ]*\) (bpf_oom_ops memcg_prio): Killed process \([0-9]*\).*/\1 \2/p' \
		"$TMP/kmsg" | awk '!seen[$2]++ { printf "%s ", $1 }'
}

# Three priorities in one domain: top (100) grows to 140M beside mid's
# (50) and bottom's (0) 40M in $OT's 160M.  Two kills are needed, and they
# must go bottom first, then mid; top finishes.  bottom has oom_group =
# yes and two 20M processes: its kill takes both.  The second OOM can come
# while the first victim still exits: its threads gone from the task walk,
# its memory still charged.  The hook must wait for it (policy/oom.bpf.c:
# the task list shows it until it is reaped), not take the next group up,
# nor top after mid's.
test_oom_hook_three_levels() {
	OT=$E2E/oom/t
	mkcg "$OT/top" "$OT/mid" "$OT/bottom"
	echo 160M >"$OT/memory.max"
	echo 0 >"$OT/memory.swap.max"
	cat >"$TMP/oom3.ini" <<-INI
	[global]
	pin_path = $PIN
	oom = ${MEMCG_PRIO_TEST_OOM:-priority}
	[group.top]
	path = ${OT#"$CG"/}/top
	priority = 100
	[group.mid]
	path = ${OT#"$CG"/}/mid
	priority = 50
	[group.bottom]
	path = ${OT#"$CG"/}/bottom
	priority = 0
	oom_group = yes
	INI
	spawn "$OT/mid" "$HOG" 40 hold
	spawn "$OT/bottom" "$HOG" 20 hold
	spawn "$OT/bottom" "$HOG" 20 hold
	wait_for 120 "the hogs to hold 80M" current_at_least "$OT" $((80 << 20))
	local mid_pid bottom_pids pid
	mid_pid=$(first_pid "$OT/mid")
	bottom_pids=$(<"$OT/bottom/cgroup.procs")
	kmsg_follow
	fg_start_hook "$TMP/oom3.ini"
	( echo "$BASHPID" >"$OT/top/cgroup.procs" && exec "$HOG" 140 ) \
		>"$TMP/high.out" 2>&1
	HIGH_RC=$?
	echo "top's exit status $HIGH_RC"
	dmesg | grep -E "Killed process|bpf_oom_ops" | tail -n 5
	expect_eq "$HIGH_RC" 0 "top's exit status (it must finish)"
	expect_events "$OT/top" oom_kill 0 "top's OOM kills"
	expect_events "$OT/mid" oom_kill 1 "mid's OOM kills"
	# Both, the victim maybe counted twice (hook_kill_order).
	[[ $(events "$OT/bottom" oom_kill) =~ ^[23]$ ]] ||
		fail "bottom's OOM kills (oom_group = yes: both): '$(events "$OT/bottom" oom_kill)', expected 2 or 3"
	expect_events "$OT/bottom" oom_group_kill 1 "bottom's group kills"
	expect_eq "$(<"$OT/bottom/memory.oom.group")" 1 "bottom's memory.oom.group"
	for pid in $bottom_pids; do
		! proc_alive "$pid" || fail "bottom's hog $pid survived"
	done
	! proc_alive "$mid_pid" || fail "mid's hog survived"
	expect_eq "$(hook_kill_order)" "bottom bottom mid " \
		"the hook's kills, in order (kernel log)"
	status_json
	expect_eq "$(jget '.oom_hook.last_kill.group')" mid "the last kill's group"
	fg_stop
	cg_remove "$E2E/oom"
	expect_nothing_attached "$PIN"
}

# A group that may not be killed (keep, oom_kill = false) is skipped, and
# low holds nothing: only high, the highest group, is left, and the hook
# kills there, the process the kernel would have chosen (the largest);
# keep lives.  The line says why a higher group paid.
test_oom_hook_only_higher() {
	OOM_SETTING=${MEMCG_PRIO_TEST_OOM:-priority}
	oom_tree
	spawn "$OT/keep" "$HOG" 40 hold
	wait_for 120 "keep's hog to hold 40M" current_at_least "$OT" $((40 << 20))
	KEEP_PID=$(first_pid "$OT/keep")
	fg_start_hook "$TMP/oom.ini"
	high_grows 140
	echo "high's exit status $HIGH_RC"
	dmesg | grep -E "Killed process|bpf_oom_ops" | tail -n 5
	((HIGH_RC != 0)) || fail "high finished: there was no OOM"
	expect_events "$OT/high" oom_kill 1 "high's OOM kills"
	expect_events "$OT/keep" oom_kill 0 "keep's OOM kills (oom_kill = false)"
	expect_events "$OT/low" oom_kill 0 "low's OOM kills (it holds nothing)"
	proc_alive "$KEEP_PID" || fail "keep's hog was killed"
	hook_killed_in high || fail "no kernel log line of the hook's kill in high"
	fg_wait_oom_line "the hook's line" \
		"OOM hook: killed pid [0-9]* (oom-hog, [0-9]* KiB) of group 'high' ($OT/high) (domain: limit of $OT): the groups below it in the domain held too little to be worth a kill"
	status_json
	expect_eq "$(jget '.oom_hook.last_kill.reason')" lower_small "the last kill's reason"
	fg_stop
	cg_remove "$E2E/oom"
	expect_nothing_attached "$PIN"
}

# A global OOM: no memory.max above the groups, the machine runs out.  A
# process outside every group, at oom_score_adj -1000, locks all but
# about 170M of what is available; every hog locks its pages, so swap
# cannot help.  high grows to 230M: the kernel alone would kill it, the
# biggest; the hook kills low's 120M, and high finishes.
test_oom_hook_global() {
	local avail locker
	OOM_SETTING=${MEMCG_PRIO_TEST_OOM:-priority}
	oom_setup global
	mkcg "$E2E/oom/locker"
	avail=$(awk '$1 == "MemAvailable:" { print int($2 / 1024) }' /proc/meminfo)
	locker=$((avail - 170))
	((locker > 0)) || fail "only ${avail}M available"
	echo "MemAvailable ${avail}M: the locker takes ${locker}M"
	spawn "$E2E/oom/locker" choom -n -1000 -- "$HOG" "$locker" hold lock fast
	wait_for 300 "the locker to hold ${locker}M" \
		current_at_least "$E2E/oom/locker" $((locker << 20))
	fg_start_hook "$TMP/oom.ini"
	high_grows 230 lock
	echo "high's exit status $HIGH_RC"
	dmesg | grep -E "Killed process|bpf_oom_ops" | tail -n 5
	expect_low_died
	hook_killed_in low || fail "no kernel log line of the hook's kill in low"
	fg_wait_oom_line "the hook's line" \
		"OOM hook: killed pid $LOW_PID (oom-hog, [0-9]* KiB) of group 'low' ($OT/low) (domain: global): the lowest group in the domain that may lose a task"
	status_json
	expect_eq "$(jget '.oom_hook.last_kill.domain')" global "the last kill's domain"
	fg_stop
	cg_remove "$E2E/oom"
	expect_nothing_attached "$PIN"
}

# Detaching while OOMs go on: in low, a loop runs hogs that each want
# 120M on top of the 78M held in $OT's 160M, so each meets the limit;
# the hook kills each (the largest of the lowest group).  --foreground is
# stopped in the middle: it must detach, exit 0 and leave no pin, and the
# OOMs that follow go to the kernel's killer (it kills the same hogs, the
# largest in the domain): kills go on, none by the hook.
test_oom_hook_detach() {
	local kills hook_kills
	OOM_SETTING=${MEMCG_PRIO_TEST_OOM:-priority}
	oom_setup
	fg_start_hook "$TMP/oom.ini"
	kmsg_follow
	hook_kills=$(hook_kill_count)
	spawn "$OT/low" bash -c "while :; do '$HOG' 120; done"
	wait_for 300 "two kills by the hook" hook_kill_count_above $((hook_kills + 1))
	fg_stop
	[[ ! -e $OOM_HOOK_PIN ]] || fail "the hook's pins left at $OOM_HOOK_PIN"
	expect_nothing_attached "$PIN"
	hook_kills=$(hook_kill_count)
	kills=$(events "$OT/low" oom_kill) || exit 1
	wait_for 300 "two more kills, by the kernel" events_above "$OT/low" oom_kill $((kills + 1))
	expect_eq "$(hook_kill_count)" "$hook_kills" "the hook's kills after the detach"
	expect_events "$OT/high" oom_kill 0 "high's OOM kills"
	expect_events "$OT/keep" oom_kill 0 "keep's OOM kills"
	proc_alive "$KEEP_PID" || fail "keep's hog was killed"
	proc_alive "$UNKILLABLE_PID" || fail "the -1000 task was killed"
	cg_remove "$E2E/oom"
}

# The negative: an OOM whose domain holds no group's cgroup (a 40M limit
# on a cgroup of no group, beside $OT) is the kernel's.  The hook is
# asked, finds no group inside that domain and declines without trying a
# kill (none refused: a kill outside the domain would have been); the
# kernel kills the hog there, and nothing of the groups dies.
test_oom_hook_outside() {
	local other=$E2E/oom/other calls
	OOM_SETTING=${MEMCG_PRIO_TEST_OOM:-priority}
	oom_setup
	mkcg "$other"
	echo 40M >"$other/memory.max"
	echo 0 >"$other/memory.swap.max"
	fg_start_hook "$TMP/oom.ini"
	kmsg_follow
	( echo "$BASHPID" >"$other/cgroup.procs" && exec "$HOG" 80 ) >/dev/null 2>&1
	expect_eq "$?" 137 "the hog's exit status beyond the 40M (SIGKILL)"
	expect_events "$other" oom_kill 1 "the other cgroup's OOM kills"
	status_json
	calls=$(jget '.oom_hook.calls')
	if ! [[ $calls =~ ^[0-9]+$ ]] || ((calls < 1)); then
		fail "the hook was not asked: calls '$calls'"
	fi
	expect_eq "$(jget '.oom_hook.kills')" 0 "the hook's kills"
	expect_eq "$(jget '.oom_hook.declined')" "$calls" "OOMs the hook declined (all it was asked)"
	expect_eq "$(jget '[.groups[].oom_hook.failed] | add')" 0 "kills the kernel refused"
	expect_eq "$(hook_kill_count)" 0 "kills in the kernel log with the hook's name"
	expect_events "$OT" oom_kill 0 "the groups' OOM kills"
	proc_alive "$LOW_PID" || fail "low's hog was killed"
	fg_stop
	cg_remove "$E2E/oom"
	expect_nothing_attached "$PIN"
}

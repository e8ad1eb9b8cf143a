# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Progress of selftests/run's VM phases: how long a phase should take, from
# the measured time of each test in selftests/durations (median of earlier
# runs, kept by selftests/update-durations), and tests done out of the total
# as their PASS, FAIL or SKIP lines come out of the VM.  Sourced; expects
# top, builddir and log().

durations=$top/selftests/durations
# Seconds for a test without a measured time, and for a boot without one.
unmeasured_s=60
boot_default_s=40

# seconds_of NAME: its measured time, or empty.
seconds_of() {
	awk -v n="$1" '$1 == n { print $2; exit }' "$durations" 2>/dev/null
}

# select_tests FILTER...: the names on stdin (the first word of each line:
# memcg-bpf-test -l adds a description) that contain one FILTER (all
# without a filter), as the test runners' -t does.
select_tests() {
	local name f
	while read -r name _; do
		[[ -n $name ]] || continue
		[[ $# -eq 0 ]] && { echo "$name"; continue; }
		for f in "$@"; do
			[[ $name == *"$f"* ]] && { echo "$name"; break; }
		done
	done
	return 0
}

# phase_begin WHAT BOOT NAMES: announce a phase of the tests NAMES (one a
# line), booting kernel variant BOOT, with its estimate.
phase_begin() {
	local what=$1 boot=$2 names=$3 name s total=0 unknown=0 n=0
	phase_names=$names
	phase_done=0
	phase_start=$SECONDS
	# selftests/vm/run writes when QEMU starts: a wait for the VM lock
	# (MEMCG_PRIO_VM_LOCK) is no part of the phase's time.
	export MEMCG_PRIO_VM_STARTED=${MEMCG_PRIO_VM_STARTED:-$(mktemp)}
	: >"$MEMCG_PRIO_VM_STARTED"
	s=$(seconds_of "boot:$boot")
	total=${s:-$boot_default_s}
	while read -r name; do
		[[ -n $name ]] || continue
		n=$((n + 1))
		s=$(seconds_of "$name")
		[[ -n $s ]] || { s=$unmeasured_s; unknown=$((unknown + 1)); }
		total=$((total + s))
	done <<<"$names"
	phase_total=$n
	phase_left_s=$total
	log "$what: $n tests, about $(minutes "$total") from measured times" \
	    "($durations)$( ((unknown)) && echo ", $unknown without one, counted as ${unmeasured_s} s each")"
}

minutes() {
	if (($1 < 90)); then echo "$1 s"; else echo "$(( ($1 + 30) / 60 )) minutes"; fi
}

# progress_filter: copy stdin to stdout; after each test's result, say how
# far the phase is and how long the rest should take.  Lines that are not
# a phase's test (a suite's summary, kmemleak) are passed on untouched.
progress_filter() {
	local line name verdict s
	while IFS= read -r line; do
		printf '%s\n' "$line"
		[[ $line =~ ^(PASS|FAIL|SKIP)\ ([A-Za-z0-9_]+)\  ]] || continue
		name=${BASH_REMATCH[2]} verdict=${BASH_REMATCH[1]}
		grep -qxF "$name" <<<"$phase_names" || continue
		phase_done=$((phase_done + 1))
		started
		s=$(seconds_of "$name")
		phase_left_s=$((phase_left_s - ${s:-$unmeasured_s}))
		((phase_left_s > 0)) || phase_left_s=0
		log "[$phase_done/$phase_total] $name $verdict," \
		    "$(minutes $((SECONDS - phase_start))) in, about $(minutes "$phase_left_s") left"
	done
}

# started: once QEMU has started, count the phase from then.
started() {
	local t
	read -r t 2>/dev/null <"$MEMCG_PRIO_VM_STARTED" || return 0
	[[ $t =~ ^[0-9]+$ ]] || return 0
	phase_start=$((SECONDS - ($(date +%s) - t)))
}

# tests_seconds < RESULTS: the seconds of the result lines' tests.
tests_seconds() {
	sed -nE 's/^(PASS|FAIL|SKIP) [A-Za-z0-9_]+ \(([0-9.]+) s\).*/\2/p' |
		awk '{ s += $1 } END { printf "%d", s }'
}

# boot_seconds < RESULTS: the phase's time not spent in a test (booting,
# shutting down, the kmemleak scan), from its result lines' times.
boot_seconds() {
	local in_tests
	started
	in_tests=$(tests_seconds)
	local s=$((SECONDS - phase_start - in_tests))
	echo $((s > 0 ? s : 0))
}

# split_lanes BASE1 BASE2 < NAMES: the tests of NAMES (one a line) for the
# second lane; the rest go to the first.  Longest first, each to the lane
# with less to do so far (measured times, selftests/durations; BASE1 and
# BASE2: seconds each lane has already), so that both end together.
split_lanes() {
	awk -v l1="$1" -v l2="$2" -v def="$unmeasured_s" '
		NR == FNR { if ($1 !~ /^#/) t[$1] = $2; next }
		NF { k++; n[k] = $1; d[k] = ($1 in t) ? t[$1] : def }
		END {
			for (i = 1; i <= k; i++)
				for (j = i + 1; j <= k; j++)
					if (d[j] > d[i]) {
						x = d[i]; d[i] = d[j]; d[j] = x
						y = n[i]; n[i] = n[j]; n[j] = y
					}
			for (i = 1; i <= k; i++)
				if (l2 < l1) { l2 += d[i]; print n[i] } else l1 += d[i]
		}' "$durations" -
}

# sum_seconds BOOT < NAMES: measured seconds of the tests NAMES and of a
# boot of BOOT.
sum_seconds() {
	local name s total
	s=$(seconds_of "boot:$1")
	total=${s:-$boot_default_s}
	while read -r name; do
		[[ -n $name ]] || continue
		s=$(seconds_of "$name")
		total=$((total + ${s:-$unmeasured_s}))
	done
	echo "$total"
}

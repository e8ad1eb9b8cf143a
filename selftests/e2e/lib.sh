# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Helpers of selftests/e2e/run: assertions, cgroups, workloads, and reading
# memcg-prio's state.  Sourced; expects P (memcg-prio), BPFTOOL, E2E (the
# test cgroup root) and PIN (the pin path of the tests' configs).

CG=/sys/fs/cgroup

# --- assertions: each test runs in a subshell, a failure ends it ---------

fail() {
	echo "FAILED: $*" >&2
	# What a running --foreground said: the state the test found.
	if [[ -n ${TMP:-} && -s $TMP/fg.out && -e $TMP/fg.pid ]]; then
		echo "--foreground's last lines:" >&2
		tail -n 40 "$TMP/fg.out" | sed 's/^/  fg: /' >&2
	fi
	exit 1
}

# run CMD...: stdout in $OUT, stderr in $ERR, exit status in $RC.
run() {
	local o e
	o=$(mktemp) e=$(mktemp)
	"$@" >"$o" 2>"$e"
	RC=$?
	OUT=$(<"$o") ERR=$(<"$e")
	rm -f "$o" "$e"
	echo "+ $* (exit $RC)" >&2
	[[ -z $OUT ]] || sed 's/^/  out: /' <<<"$OUT" >&2
	[[ -z $ERR ]] || sed 's/^/  err: /' <<<"$ERR" >&2
}

# expect_rc N CMD...: run and check the exit status.
expect_rc() {
	local want=$1
	shift
	run "$@"
	[[ $RC -eq $want ]] || fail "'$*' exited $RC, not $want"
}

# expect_match REGEX TEXT [WHAT]
expect_match() {
	[[ $2 =~ $1 ]] || fail "${3:-output} does not match /$1/: $2"
}

expect_no_match() {
	[[ ! $2 =~ $1 ]] || fail "${3:-output} matches /$1/: $2"
}

# expect_eq A B WHAT
expect_eq() {
	[[ $1 == "$2" ]] || fail "$3: '$1', expected '$2'"
}

# wait_for SECONDS WHAT CMD...: poll CMD every half second until it
# succeeds, for at most SECONDS of wall-clock time (under TCG one check can
# take a second or more).  The limit only guards against hangs: slow TCG
# guests get minutes; what is asserted is the counters, never the time.
wait_for() {
	local end=$((SECONDS + $1)) what=$2 limit=$1
	shift 2
	while ((SECONDS < end)); do
		"$@" && return 0
		sleep 0.5
	done
	"$@" && return 0
	fail "timed out after ${limit}s waiting for: $what"
}

# --- cgroups --------------------------------------------------------------

# mkcg PATH...: make cgroups below $CG, enabling the memory controller on
# the way down so that each has one of its own.
mkcg() {
	local path rel dir part
	for path in "$@"; do
		rel=${path#"$CG"/}
		dir=$CG
		for part in ${rel//\// }; do
			grep -qw memory "$dir/cgroup.subtree_control" ||
				echo +memory >"$dir/cgroup.subtree_control" ||
				fail "cannot enable memory in $dir"
			dir=$dir/$part
			[[ -d $dir ]] || mkdir "$dir" || fail "cannot make $dir"
		done
	done
}

# cg_key FILE KEY: the value of KEY in a flat-keyed cgroup file
# (memory.events, cgroup.stat...).  A file that cannot be read, a KEY it
# lacks or a value that is not a number fails the test: a counter that is
# not there must never read as 0, which every "stays 0" check would accept.
# Inside $(...) the failure ends only the substitution (its message goes to
# stderr, nothing to stdout), so take a value as "v=$(cg_key ...) || exit 1",
# or through the helpers below, which do.
cg_key() {
	local file=$1 key=$2 k v text
	[[ -r $file ]] || fail "cannot read $file"
	# In one read(): bash's read builtin takes a seq_file such as
	# memory.stat in pieces, and a line can go missing between two of
	# them while the numbers change ("no key 'pgfault'", once).
	text=$(cat "$file") || fail "cannot read $file"
	while read -r k v; do
		[[ $k == "$key" ]] || continue
		[[ $v =~ ^[0-9]+$ ]] || fail "$file: $key is '$v', not a number"
		echo "$v"
		return 0
	done <<<"$text"
	fail "$file has no key '$key'"
}

# Events of a cgroup: memory.events (its subtree included) or
# memory.events.local (itself only).  The keys that say a group was
# throttled:
#   bpf_high  the policy (memcg_bpf_ops, mode hook) made it yield; only a
#             kernel with the patches in kernel/ has this key;
#   high      it went over its real memory.high: how mode memory.high
#             throttles, and what the policy's yields do not raise.
events() { cg_key "$1/memory.events" "$2"; }		# events CGROUP KEY
events_local() { cg_key "$1/memory.events.local" "$2"; }

# expect_events CGROUP KEY N WHAT: memory.events KEY of CGROUP is N.
expect_events() {
	local v
	v=$(events "$1" "$2") || exit 1
	expect_eq "$v" "$3" "$4"
}

# events_above CGROUP KEY N: memory.events KEY of CGROUP is above N (for
# wait_for); events_local_above: the same in memory.events.local.
events_above() {
	local v
	v=$(events "$1" "$2") || exit 1
	((v > $3))
}

events_local_above() {
	local v
	v=$(events_local "$1" "$2") || exit 1
	((v > $3))
}

# Kill everything in the subtree of a cgroup and wait until it is empty.
cg_empty() {
	[[ -e $1/cgroup.kill ]] || return 0
	echo 1 >"$1/cgroup.kill"
	wait_for 60 "$1 empty" cg_unpopulated "$1"
}

cg_unpopulated() {
	local v
	v=$(cg_key "$1/cgroup.events" populated) || exit 1
	[[ $v == 0 ]]
}

# Remove a cgroup subtree, deepest first.
cg_remove() {
	[[ -d $1 ]] || return 0
	cg_empty "$1"
	find "$1" -depth -type d -exec rmdir {} + 2>/dev/null
	[[ ! -d $1 ]] || fail "cannot remove $1"
}

# --- workloads (stress-ng) --------------------------------------------------

# spawn CGROUP CMD...: run CMD in CGROUP, in the background, in /tmp (the
# VM's root is read-only, and stress-ng wants a writable directory).
# Disowned: cg_empty() kills and waits for it through the cgroup, and the
# shell would otherwise report each such kill as "Killed".
spawn() {
	local cg=$1
	shift
	( echo "$BASHPID" >"$cg/cgroup.procs" && cd /tmp && exec "$@" ) \
		>/dev/null 2>&1 &
	disown
}

# A steady allocator: maps, touches and unmaps 32M, over and over, so
# that it keeps charging its cgroup.
allocator() {
	spawn "$1" stress-ng --vm 1 --vm-bytes 32M --vm-method write64 -t 3600
}

# A process that keeps touching MB of memory: with memory.max below that,
# its cgroup reclaims without a break (swapping to zram).
toucher() {
	spawn "$1" stress-ng --vm 1 --vm-bytes "${2}M" --vm-keep \
		--vm-method write64 -t 3600
}

# --- memcg-prio's state -----------------------------------------------------

# status_json [PIN]: --status --json of the policy pinned at PIN into $JSON.
status_json() {
	JSON=$("$P" --status --json -p "${1:-$PIN}" 2>/dev/null)
}

# jget FILTER: a jq filter over $JSON.
jget() {
	jq -r "$1" <<<"$JSON"
}

# gstat GROUP COUNTER [PIN]: a counter of a group, fresh.
gstat() {
	status_json "${3:-$PIN}"
	jget ".groups[] | select(.name == \"$1\") | .counters.$2"
}

# glink GROUP FIELD: the link state or id of a group, fresh.
glink() {
	status_json
	jget ".groups[] | select(.name == \"$1\") | .link.$2"
}

# How many links of memcg-prio's programs and struct_ops maps exist.
our_links() {
	local maps progs
	maps=$("$BPFTOOL" -j map show |
		jq -c '[.[] | select(.name == "prio_ops" or .name == "prio_oom_ops") | .id]')
	progs=$("$BPFTOOL" -j prog show | jq -c '[.[] | select(.name | startswith("prio_")) | .id]')
	"$BPFTOOL" -j link show | jq --argjson m "$maps" --argjson p "$progs" \
		'[.[] | select((.type == "struct_ops" and (.map_id as $i | $m | index($i)) != null)
			or ((.prog_id // 0) as $i | $p | index($i)) != null)] | length'
}

no_links_left() { [[ $(our_links) == 0 ]]; }

# Nothing of ours: no pins, no links.
expect_nothing_attached() {
	local pin
	for pin in "$@"; do
		[[ ! -e $pin ]] || fail "pins left at $pin: $(ls -R "$pin")"
		[[ ! -e $pin-new ]] || fail "pins left at $pin-new"
		[[ ! -e $pin-oom ]] || fail "pins left at $pin-oom"
	done
	wait_for 30 "memcg-prio's links to go" no_links_left
}

# write_config FILE [GLOBAL-LINES]: [global] with the tests' pin path, then
# the group sections read from stdin.
write_config() {
	{
		echo "[global]"
		echo "pin_path = $PIN"
		[[ -z ${2:-} ]] || echo "$2"
		cat
	} >"$1"
}

# The number of links a policy watches reclaim with on this kernel (see
# WATCH in selftests/e2e/run): 7, one more with shrink_lruvec() (the
# shrink fallback's exit), two more with try_to_shrink_lruvec() (MGLRU),
# one more with workingset_refault() (thrashing).
watching_links() {
	local n=7
	grep -q ' shrink_lruvec$' /proc/kallsyms && n=$((n + 1))
	grep -q ' try_to_shrink_lruvec$' /proc/kallsyms && n=$((n + 2))
	grep -q ' workingset_refault$' /proc/kallsyms && n=$((n + 1))
	echo "$n"
}

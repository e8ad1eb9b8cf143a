# SPDX-License-Identifier: GPL-2.0
# Sourced by bench/run-* and examples/demo, which measure on the "bench"
# kernel (no KASAN or lockdep).
#
# bench_build TOP: install what is needed, build the bench kernel (cached)
# and memcg-prio against it; sets kdir and builddir
# ($MEMCG_PRIO_BENCH_BUILDDIR, default TOP/build-bench).
# MEMCG_PRIO_BENCH_KDIR=DIR uses the kernel already built in DIR (a
# kernel/build output directory) and does not run kernel/build at all: a
# benchmark on a kernel kept apart while the series changes.
bench_build() {
	local top=$1

	"$top/selftests/install-deps"
	if [[ ${MEMCG_PRIO_BENCH_KDIR:-} ]]; then
		kdir=$MEMCG_PRIO_BENCH_KDIR
		[[ -f $kdir/bzImage && -f $kdir/vmlinux.btf ]] || {
			echo "bench: MEMCG_PRIO_BENCH_KDIR=$kdir holds no bzImage and vmlinux.btf" >&2
			return 1
		}
	else
		kdir=$("$top/kernel/build" --variant bench --print-dir)
	fi
	builddir=${MEMCG_PRIO_BENCH_BUILDDIR:-$top/build-bench}
	if [[ -f $builddir/build.ninja ]]; then
		meson configure "$builddir" -Dkernel_dir="$kdir" >/dev/null
	else
		meson setup "$builddir" "$top" -Dkernel_dir="$kdir" >/dev/null
	fi
	ninja -C "$builddir" >/dev/null
}

# bench_check_args SCRIPT OPTSTRING [options]: before anything is built or
# booted, -h/--help prints SCRIPT's header comment and exits 0, and an
# option not in OPTSTRING (getopts syntax), or one without its value,
# fails with exit status 2 naming it.
bench_check_args() {
	local script=$1 optstring=$2 opt OPTIND=1 name
	shift 2
	name=bench/${script##*/}
	for opt in "$@"; do
		if [[ $opt == -h || $opt == --help ]]; then
			sed -n '4,/^[^#]/{/^#/!q;s/^# \{0,1\}//;p}' "$script"
			exit 0
		fi
		if [[ $opt == --* ]]; then
			echo "$name: unknown option '$opt' (see --help)" >&2
			exit 2
		fi
	done
	while getopts ":$optstring" opt; do
		case $opt in
		:) echo "$name: option -$OPTARG needs a value (see --help)" >&2; exit 2 ;;
		\?) echo "$name: unknown option '-$OPTARG' (see --help)" >&2; exit 2 ;;
		esac
	done
	if ((OPTIND <= $#)); then
		echo "$name: unexpected argument '${!OPTIND}' (see --help)" >&2
		exit 2
	fi
}

# bench_hook_timeout PLACES ATTACH_S [hook-overhead options]: the seconds
# to give selftests/vm/run for PLACES runs of hook-overhead, a safety net
# and not an estimate.  Rounds stop at -R MAX at the latest (default 150, as
# in hook-overhead.c), so: boot, plus per round of each run ATTACH_S for
# attaching and detaching and, for each of its two trials, 1 s and 3 s per
# 512 MiB map-touch-unmap passes (-i x -m; about 3 times what they take
# under TCG here), 30 s per 512 MiB written by the refault loop (-w: each
# page goes out to zram and comes back).  Options it does not know are left
# to hook-overhead.
bench_hook_timeout() {
	local places=$1 attach_s=$2 max=150 iters=8 mb=64 per=3 opt OPTIND=1
	shift 2
	while getopts :r:R:p:i:m:w:c:a:d:oh opt; do
		[[ ${OPTARG:-} =~ ^[1-9][0-9]*$ ]] || continue
		case $opt in
		R) max=$OPTARG ;;
		i) iters=$OPTARG ;;
		m) mb=$OPTARG ;;
		w) per=30 ;;
		esac
	done
	echo $((300 + places * max * (attach_s + 2 * (1 + per * iters * mb / 512))))
}

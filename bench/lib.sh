# SPDX-License-Identifier: GPL-2.0
# Sourced by bench/run-* and examples/demo, which measure on the "bench"
# kernel (no KASAN or lockdep).
#
# bench_build TOP: install what is needed, build the bench kernel (cached)
# and memcg-prio against it; sets kdir and builddir
# ($MEMCG_PRIO_BENCH_BUILDDIR, default TOP/build-bench).
bench_build() {
	local top=$1

	"$top/selftests/install-deps"
	kdir=$("$top/kernel/build" --variant bench --print-dir)
	builddir=${MEMCG_PRIO_BENCH_BUILDDIR:-$top/build-bench}
	if [[ -f $builddir/build.ninja ]]; then
		meson configure "$builddir" -Dkernel_dir="$kdir" >/dev/null
	else
		meson setup "$builddir" "$top" -Dkernel_dir="$kdir" >/dev/null
	fi
	ninja -C "$builddir" >/dev/null
}

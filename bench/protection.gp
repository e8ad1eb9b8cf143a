# SPDX-License-Identifier: GPL-2.0
#
# bench/protection.gp - the samples of bench/protection as one PNG: a
# panel per shape (column) and scenario (row), "high" and "low" over time.
# Solid: user CPU seconds per second of the group's cgroup (cpu.stat
# user_usec), a throughput proxy for the CPU-bound stressor, since stress-ng
# 0.15 reports no per-interval ops (reclaim, faults and swap are system
# time, left out); dashed: memory.current (MiB, right axis).
#
# Usage: gnuplot -c bench/protection.gp SAMPLES.csv OUT.png [MEMTOTAL_MIB [SECONDS]]
# (SECONDS, each run's length, is marked by a dotted line)
# SAMPLES.csv: shape,scenario,t_s,high_cpu,low_cpu,high_mib,low_mib
# with a header line, the rows of one panel together.

csv = ARG1
png = ARG2
mem_mib = (ARGC >= 3 && ARG3 ne "") ? real(ARG3) : 2048
if (ARGC >= 4 && ARG4 ne "") {
	set arrow from real(ARG4), graph 0 to real(ARG4), graph 1 nohead dt 3 lc rgb "gray40"
}

array shape[2] = ["rfc", "rfc-v2"]
array scen[9] = ["high-alone", "low-alone", "both", "static-low", \
	"memory-high", "hook", "low+static-low", "low+memory-high", "low+hook"]
array label[9] = ["high alone", "low alone", "both, no policy", \
	"both, static memory.low", "both, memcg-prio memory.high mode", \
	"both, memcg-prio hook", "low alone, static memory.low (high idle)", \
	"low alone, memory.high mode (high idle)", "low alone, hook (high idle)"]

if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
	set terminal pngcairo size 1400, 2600 font ",9"
} else {
	set terminal png size 1400, 2600
}
set output png
set datafile separator ","

set multiplot layout 9, 2 columnsfirst \
	title "bench/protection: user CPU s/s per group (solid; a throughput proxy: cpu.stat user\\_usec, the stressor is CPU-bound) and memory.current (dashed, MiB, right axis), every 0.5 s"
set xlabel "s"
set ylabel "user CPU s/s"
set yrange [0:2.2]
set xrange [0:*]
set y2range [0:mem_mib]
set y2tics
set ytics nomirror
set key top right horizontal samplen 2 font ",8"
set grid

# Rows of the panel: the value, or NaN (not plotted) for other panels.
sel(col, sh, sc) = (strcol(1) eq sh && strcol(2) eq sc) ? column(col) : NaN

do for [s = 1:2] {
	do for [i = 1:9] {
		set title shape[s] . ": " . label[i]
		plot csv every ::1 using 3:(sel(4, shape[s], scen[i])) with lines lw 2 lc rgb "#1f5fbf" title "high", \
		     ""  every ::1 using 3:(sel(5, shape[s], scen[i])) with lines lw 2 lc rgb "#d03020" title "low", \
		     ""  every ::1 using 3:(sel(6, shape[s], scen[i])) axes x1y2 with lines dt 2 lc rgb "#1f5fbf" notitle, \
		     ""  every ::1 using 3:(sel(7, shape[s], scen[i])) axes x1y2 with lines dt 2 lc rgb "#d03020" notitle
	}
}
unset multiplot

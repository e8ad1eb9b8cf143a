# SPDX-License-Identifier: GPL-2.0
#
# bench/protection.gp - the median run of each cell of bench/protection as
# one PNG: a column per shape and start order, a row per scenario, "high"
# and "low" over time from the run's first start.  Solid: user CPU seconds
# per second of the group's cgroup (cpu.stat user_usec), a throughput proxy
# for the CPU-bound stressor, since stress-ng 0.15 reports no per-interval
# ops (reclaim, faults and swap are system time, left out); dashed:
# memory.current (MiB, right axis); dotted: 90 % of high's alone peak, the
# end of high's ramp.  The one-group rows (alone, low alone under a policy)
# are drawn in each column of their shape.
#
# Usage: gnuplot -c bench/protection.gp PLOT.csv OUT.png KEYS SCENARIOS
# PLOT.csv: key,scenario,t_s,high_cpu,low_cpu,high_mib,low_mib,threshold_mib
# with a header line; KEYS: the columns ("rfc/together rfc/low-first ...");
# SCENARIOS: the rows ("high-alone low-alone both ...").

csv = ARG1
png = ARG2
keys = ARG3
scens = ARG4
ncol = words(keys)
nrow = words(scens)

label(s) = s eq "high-alone" ? "high alone" : \
	s eq "low-alone" ? "low alone" : \
	s eq "both" ? "both, no policy" : \
	s eq "oracle" ? "both, oracle (low in a static memory.max)" : \
	s eq "static-low" ? "both, static memory.low on high" : \
	s eq "memory-high" ? "both, memcg-prio mode memory.high" : \
	s eq "memory-high+static-low" ? "both, mode memory.high + static memory.low" : \
	s eq "hook" ? "both, memcg-prio hook" : \
	s eq "hook+static-low" ? "both, hook + static memory.low" : \
	s eq "low+oracle" ? "low alone in the oracle's memory.max" : \
	s eq "low+static-low" ? "low alone, static memory.low" : \
	s eq "low+memory-high" ? "low alone, mode memory.high" : \
	s eq "low+hook" ? "low alone, hook" : s

if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
	set terminal pngcairo size 420 * ncol, 240 * nrow + 60 font ",8"
} else {
	set terminal png size 420 * ncol, 240 * nrow + 60
}
set output png
set datafile separator ","
set datafile missing ""

set multiplot layout nrow, ncol columnsfirst \
	title "bench/protection, the median run of each cell\nuser CPU s/s (solid), memory.current (dashed, MiB, right axis)\ndotted: 90 % of high's alone peak"
set xlabel "s"
set ylabel "user CPU s/s"
set yrange [0:2.2]
set xrange [0:*]
set y2range [0:*]
set y2tics
set ytics nomirror
set key top right horizontal samplen 2 font ",7"
set grid

# Rows of the panel: the value, or NaN (not plotted) for other panels.
sel(col, k, s) = (strcol(1) eq k && strcol(2) eq s) ? column(col) : NaN

do for [c = 1:ncol] {
	do for [r = 1:nrow] {
		k = word(keys, c)
		s = word(scens, r)
		set title k . ": " . label(s)
		plot csv every ::1 using 3:(sel(4, k, s)) with lines lw 2 lc rgb "#1f5fbf" title "high", \
		     ""  every ::1 using 3:(sel(5, k, s)) with lines lw 2 lc rgb "#d03020" title "low", \
		     ""  every ::1 using 3:(sel(6, k, s)) axes x1y2 with lines dt 2 lc rgb "#1f5fbf" notitle, \
		     ""  every ::1 using 3:(sel(7, k, s)) axes x1y2 with lines dt 2 lc rgb "#d03020" notitle, \
		     ""  every ::1 using 3:(sel(8, k, s)) axes x1y2 with lines dt 3 lc rgb "gray40" notitle
	}
}
unset multiplot

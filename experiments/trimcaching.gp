# TrimCaching figures; run as: gnuplot -e "out='DIR'" experiments/trimcaching.gp
set datafile separator ","
set grid
set key bottom right
set yrange [0:*]
do for [fmt in "png svg"] {
  if (fmt eq "png") { set terminal pngcairo size 1200,480 font ",10" } else { set terminal svg size 1200,480 font ",10" }
  do for [sc in "edge satellite"] {
    set output sprintf("%s/trimcaching_%s.%s", out, sc, fmt)
    set multiplot layout 1,2 title (sc eq "edge" ? \
      "TrimCaching on 10 edge servers (latency requirement U[2,6] s; mean over seeds)" : \
      "TrimCaching on a Starlink shell-1 satellite cache (1584 satellites, 11 snapshots)")
    do for [sw in "capacity users"] {
      f = sprintf("%s/%s-%s.csv", out, sc, sw)
      if (sw eq "users") { set key top right } else { set key bottom right }
      set xlabel (sw eq "capacity" ? "storage capacity per cache (GB)" : "number of users")
      set ylabel "cache hit ratio"
      set title (sw eq "capacity" ? (sc eq "edge" ? "vs capacity (30 users)" : "vs capacity (60 users)") : \
                 (sc eq "edge" ? "vs users (0.3 GB)" : "vs users (0.15 GB)"))
      plot f every ::1 using 1:2 with linespoints lw 2 pt 7 lc rgb "#4477aa" title "spec", \
           "" every ::1 using 1:3 with linespoints lw 2 pt 5 lc rgb "#ee6677" title "gen", \
           "" every ::1 using 1:4 with linespoints lw 2 pt 9 lc rgb "#228833" title "indep (no sharing)", \
           "" every ::1 using 1:5 with linespoints lw 1 pt 11 lc rgb "#ccbb44" title "popular", \
           "" every ::1 using 1:6 with linespoints lw 1 pt 13 lc rgb "#888888" title "random", \
           "" every ::1 using 1:($7 == $7 ? $7 : 1/0) with points pt 6 ps 2 lw 2 lc rgb "#000000" title "MILP (optimal in 3 s)", \
           "" every ::1 using 1:($8 == $8 ? $8 : 1/0) with lines dt 2 lw 1 lc rgb "#000000" title "MILP upper bound (3 s)"
    }
    unset multiplot
  }
  # Small panel: heuristics against the exact optimum (MILP, proven optimal).
  if (fmt eq "png") { set terminal pngcairo size 700,480 font ",10" } else { set terminal svg size 700,480 font ",10" }
  set output sprintf("%s/trimcaching_edge_small.%s", out, fmt)
  f = sprintf("%s/edge-small-capacity.csv", out)
  set key bottom right
  set xlabel "storage capacity per cache (GB)"
  set ylabel "cache hit ratio"
  set title "TrimCaching vs the exact MILP: 4 edge servers, 12 users, 12 models (mean over seeds)"
  plot f every ::1 using 1:2 with linespoints lw 2 pt 7 lc rgb "#4477aa" title "spec", \
       "" every ::1 using 1:3 with linespoints lw 2 pt 5 lc rgb "#ee6677" title "gen", \
       "" every ::1 using 1:4 with linespoints lw 2 pt 9 lc rgb "#228833" title "indep (no sharing)", \
       "" every ::1 using 1:5 with linespoints lw 1 pt 11 lc rgb "#ccbb44" title "popular", \
       "" every ::1 using 1:6 with linespoints lw 1 pt 13 lc rgb "#888888" title "random", \
       "" every ::1 using 1:($7 == $7 ? $7 : 1/0) with linespoints pt 6 ps 2 lw 2 lc rgb "#000000" title "MILP optimum (every seed solved)", \
       "" every ::1 using 1:($8 == $8 ? $8 : 1/0) with lines dt 2 lw 1 lc rgb "#000000" title "MILP upper bound"
}

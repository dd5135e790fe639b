# SlimCaching figures; run as: gnuplot -e "out='DIR'" experiments/slimcaching.gp
set datafile separator ","
set grid
set key top right
do for [fmt in "png svg"] {
  if (fmt eq "png") { set terminal pngcairo size 2000,480 font ",10" } else { set terminal svg size 2000,480 font ",10" }
  set output sprintf("%s/slimcaching.%s", out, fmt)
  set xtics norotate autofreq
  set multiplot layout 1,4 title "SlimCaching: 5 edge servers, 10 users (synthetic traces, 2 topics); small panel against the exact MILP"
  do for [pr in "switch-8 mixtral-8x7b small"] {
    f = sprintf("%s/latency-%s.csv", out, pr)
    set xlabel "storage per edge server (GB)"
    set ylabel "mean per-token latency (ms)"
    set yrange [0:*]
    set title (pr eq "switch-8" ? "top-1: switch-8 (devices 20 MB)" : (pr eq "small" ? \
      "small: 2 servers, 4 users, 2 x 6 experts top-2" : "top-2: mixtral-8x7b (devices 2 GB)"))
    plot f every ::1 using 1:2 with linespoints lw 2 pt 7 lc rgb "#4477aa" title "sgd", \
         "" every ::1 using 1:3 with linespoints lw 2 pt 4 dt 2 lc rgb "#66ccee" title "sgd-fast (eps 0.1)", \
         "" every ::1 using 1:4 with linespoints lw 2 pt 5 lc rgb "#ee6677" title "g1", \
         "" every ::1 using 1:5 with linespoints lw 2 pt 9 lc rgb "#228833" title "g1-marginal", \
         "" every ::1 using 1:6 with linespoints lw 1 pt 11 lc rgb "#ccbb44" title "popular", \
         "" every ::1 using 1:7 with linespoints lw 1 pt 13 lc rgb "#888888" title "random", \
         "" every ::1 using 1:($8 == $8 ? $8 : 1/0) with points pt 6 ps 2 lw 2 lc rgb "#000000" title (pr eq "small" ? "MILP optimum" : "MILP (optimal in 3 s)")
  }
  set title "solve time, sgd vs sgd-fast (mixtral-het: per-layer expert sizes)"
  set ylabel "seconds (log)"
  set logscale y
  set xlabel "preset / storage (GB)"
  set yrange [*:*]
  set style data histograms
  set style fill solid 0.8
  set xtics rotate by -60 font ",7"
  plot sprintf("%s/runtime.csv", out) every ::1 using 3:xtic(sprintf("%s/%s", strcol(1), strcol(2))) title "sgd" lc rgb "#4477aa", \
       "" every ::1 using 4 title "sgd-fast" lc rgb "#66ccee"
  unset multiplot
  unset logscale y
}

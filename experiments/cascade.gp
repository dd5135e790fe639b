# Fluid-inference figures; run as: gnuplot -e "out='DIR'" experiments/cascade.gp
set datafile separator ","
set grid
do for [fmt in "png svg"] {
  if (fmt eq "png") { set terminal pngcairo size 900,560 font ",10" } else { set terminal svg size 900,560 font ",10" }
  do for [sc in "starlink iridium"] {
    set output sprintf("%s/cascade_front_%s.%s", out, sc, fmt)
    set title sprintf("Accuracy-latency front vs baselines (%s, resnet-like, 7.28 GFLOPS satellites)", sc)
    set xlabel "mean latency of completed requests (s)"
    set ylabel "delivered accuracy (dropped requests count as wrong)"
    set key bottom right
    set logscale x
    f = sprintf("%s/%s.csv", out, sc)
    g = sprintf("%s/%s-nomig.csv", out, sc)
    plot f using ((strcol(1) eq "front") ? $5 : 1/0):7 with steps lw 2 lc rgb "#4477aa" title "front (with migration)", \
         g using ((strcol(1) eq "front") ? $5 : 1/0):7 with steps lw 1 dt 2 lc rgb "#888888" title "front without migration", \
         f using ((strcol(1) eq "all-satellite") ? $5 : 1/0):7 with points pt 7 ps 1.6 lc rgb "#ee6677" title "all on satellite, no exit", \
         f using ((strcol(1) eq "all-ground") ? $5 : 1/0):7 with points pt 5 ps 1.6 lc rgb "#228833" title "all on ground (bent pipe)", \
         f using ((strcol(1) eq "fixed-split") ? $5 : 1/0):7 with points pt 9 ps 1.8 lc rgb "#ccbb44" title "fixed split, no migration", \
         f using ((strcol(1) eq "chosen") ? $5 : 1/0):7 with points pt 6 ps 2.2 lw 2 lc rgb "#000000" title "chosen plan"
    unset logscale x
  }
  set output sprintf("%s/cascade_window.%s", out, fmt)
  set title "Iridium: share of requests completed vs the serving satellite's remaining visibility"
  set xlabel "serving satellite visible for (s) when the request arrives"
  set ylabel "share of the request completed"
  set yrange [-0.05:1.05]
  set key bottom right
  plot out."/iridium-window.csv" every ::1 using (($1+$2)/2):4 with linespoints lw 2 pt 7 lc rgb "#4477aa" title "chosen plan (1.5 s budget, may migrate)", \
       "" every ::1 using (($1+$2)/2):5 with linespoints lw 1 pt 5 lc rgb "#ee6677" title "all on satellite, no migration", \
       "" every ::1 using (($1+$2)/2):7 with linespoints lw 1 pt 9 lc rgb "#ccbb44" title "fixed split, no migration", \
       "" every ::1 using (($1+$2)/2):6 with linespoints lw 1 pt 4 lc rgb "#228833" title "all on ground (bent pipe)"
  set yrange [*:*]
}

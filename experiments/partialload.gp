# PartialLoading figures; run as: gnuplot -e "out='DIR'" experiments/partialload.gp
set datafile separator ","
set grid
set key top left
do for [fmt in "png svg"] {
  if (fmt eq "png") { set terminal pngcairo size 1200,500 font ",10" } else { set terminal svg size 1200,500 font ",10" }
  set output sprintf("%s/partialload_requests.%s", out, fmt)
  set multiplot layout 1,2 title "PartialLoading: requests served by their deadlines (mean of the seeds)"
  do for [r in "12 3"] {
    f = sprintf("%s/partialload_k%s.csv", out, r)
    set title sprintf("r_{load} = %s GB/s", r)
    set xlabel "requests K"
    set ylabel "on-time requests"
    plot f every ::1 using 1:1 with lines lc rgb "#bbbbbb" dt 3 title "all (K)", \
         f every ::1 using 1:2 with linespoints lw 2 pt 7 lc rgb "#4477aa" title "dp (deadline order)", \
         f every ::1 using 1:3 with linespoints lw 2 pt 5 lc rgb "#228833" title "greedy", \
         f every ::1 using 1:4 with linespoints lw 2 pt 9 lc rgb "#ee6677" title "no sharing", \
         f every ::1 using 1:5 with linespoints lw 1 pt 4 lc rgb "#ccbb44" title "fcfs", \
         f every ::1 using 1:6 with linespoints lw 1 pt 6 lc rgb "#aa3377" title "edd"
  }
  unset multiplot
}
do for [fmt in "png svg"] {
  if (fmt eq "png") { set terminal pngcairo size 900,560 font ",10" } else { set terminal svg size 900,560 font ",10" }
  set output sprintf("%s/partialload_rload.%s", out, fmt)
  f = out."/partialload_rload.csv"
  set title "PartialLoading: on-time requests vs loading rate (K = 60, mean of the seeds)"
  set xlabel "host-to-GPU loading rate r_{load} (GB/s)"
  set ylabel "on-time requests (of 60)"
  set logscale x 2
  set key bottom right
  plot f every ::1 using 1:2 with linespoints lw 2 pt 7 lc rgb "#4477aa" title "dp (deadline order)", \
       f every ::1 using 1:3 with linespoints lw 2 pt 5 lc rgb "#228833" title "greedy", \
       f every ::1 using 1:4 with linespoints lw 2 pt 9 lc rgb "#ee6677" title "no sharing", \
       f every ::1 using 1:5 with linespoints lw 1 pt 4 lc rgb "#ccbb44" title "fcfs", \
       f every ::1 using 1:6 with linespoints lw 1 pt 6 lc rgb "#aa3377" title "edd"
  unset logscale x
}

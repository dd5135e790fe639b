# Large–small model collaboration figures; run as: gnuplot -e "out='DIR'" experiments/lsm.gp
set datafile separator ","
set grid
set key top left
set ylabel "service delay (s), mean over RS satellites and snapshots"
do for [fmt in "png svg"] {
  if (fmt eq "png") { set terminal pngcairo size 900,560 font ",10" } else { set terminal svg size 900,560 font ",10" }
  set output sprintf("%s/lsm_delay_vs_data.%s", out, fmt)
  set title "LSM collaboration: delay vs data size (528 satellites, 10 % RS, 5 % computing)"
  set xlabel "data per RS satellite D_r (Mbit)"
  set logscale xy
  set xrange [80:2500]
  f = out."/lsm_data.csv"
  plot f every ::1 using 1:5 with linespoints lw 2 pt 5 lc rgb "#ee6677" title "local small model (λ = 0)", \
       f every ::1 using 1:6 with linespoints lw 2 pt 9 lc rgb "#ccbb44" title "all offloaded (λ = 1)", \
       f every ::1 using 1:7 with linespoints lw 2 pt 11 lc rgb "#aa3377" title "even split (λ = ½)", \
       f every ::1 using 1:4 with linespoints lw 2 pt 6 dt 2 lc rgb "#66ccee" title "shortest path + bisection", \
       f every ::1 using 1:3 with linespoints lw 2 pt 7 lc rgb "#228833" title "joint: congestion-aware routing + bisection"
  unset logscale
  set autoscale x
  set output sprintf("%s/lsm_delay_vs_share.%s", out, fmt)
  set title "LSM collaboration: delay vs share of computing satellites (D_r = 500 Mbit)"
  set xlabel "computing satellites (% of 528)"
  set key top right
  set offsets graph 0, graph 0, graph 0.08, graph 0
  g = out."/lsm_share.csv"
  plot g every ::1 using ($2*100):5 with linespoints lw 2 pt 5 lc rgb "#ee6677" title "local small model (λ = 0)", \
       g every ::1 using ($2*100):6 with linespoints lw 2 pt 9 lc rgb "#ccbb44" title "all offloaded (λ = 1)", \
       g every ::1 using ($2*100):7 with linespoints lw 2 pt 11 lc rgb "#aa3377" title "even split (λ = ½)", \
       g every ::1 using ($2*100):4 with linespoints lw 2 pt 6 dt 2 lc rgb "#66ccee" title "shortest path + bisection", \
       g every ::1 using ($2*100):3 with linespoints lw 2 pt 7 lc rgb "#228833" title "joint: congestion-aware routing + bisection"
  set key top left
}

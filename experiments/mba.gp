# MBA figure; run as: gnuplot -e "out='DIR'" experiments/mba.gp
set datafile separator ","
set grid
set key top left
set xlabel "number of devices K"
set ylabel "download latency (s), mean of the seeds"
set title "MBA: multicast download latency vs devices (E_{max} = 10 J, W = 20 MHz)"
do for [fmt in "png svg"] {
  if (fmt eq "png") { set terminal pngcairo size 900,560 font ",10" } else { set terminal svg size 900,560 font ",10" }
  set output sprintf("%s/mba_latency.%s", out, fmt)
  f = out."/mba.csv"
  plot f every ::1 using 1:2 with linespoints lw 2 pt 5 lc rgb "#ee6677" title "unicast", \
       f every ::1 using 1:3 with linespoints lw 2 pt 9 lc rgb "#ccbb44" title "broadcast, no PS (most accurate)", \
       f every ::1 using 1:4 with linespoints lw 2 pt 7 lc rgb "#228833" title "MBA greedy PS", \
       f every ::1 using 1:5 with linespoints lw 2 pt 6 dt 2 lc rgb "#4477aa" title "MBA tree search (optimal)"
}

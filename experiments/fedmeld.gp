# FedMeld figure; run as: gnuplot -e "out='DIR'; data='fashion-mnist'" experiments/fedmeld.gp
set datafile separator ","
set grid
set key bottom right
set xlabel "constellation time (hours)"
set ylabel "test accuracy (mean of the area models)"
set yrange [0:1]
set title sprintf("Fluid learning: accuracy vs wall-clock time, 8 areas x 5 clients, 3 labels per area (%s)", data)
f = out."/fedmeld_curve.csv"
sel(name, col) = (strcol(1) eq name) ? column(col) : NaN
do for [fmt in "png svg"] {
  if (fmt eq "png") { set terminal pngcairo size 960,600 font ",10" } else { set terminal svg size 960,600 font ",10" }
  set output sprintf("%s/fedmeld_accuracy.%s", out, fmt)
  plot f every ::1 using (sel("fedmeld", 4)):5 with linespoints lw 2 pt 7 ps 0.6 lc rgb "#228833" title "FedMeld (planned tau*, alpha*)", \
       f every ::1 using (sel("fedmeld-half-alpha", 4)):5 with linespoints lw 2 pt 6 ps 0.6 dt 2 lc rgb "#4477aa" title "FedMeld, alpha = 1/2", \
       f every ::1 using (sel("fedmeld-fixed-tau", 4)):5 with linespoints lw 2 pt 4 ps 0.6 dt 3 lc rgb "#66ccee" title "FedMeld, fixed tau", \
       f every ::1 using (sel("gs", 4)):5 with linespoints lw 2 pt 5 ps 0.6 lc rgb "#ee6677" title "GS-assisted FL", \
       f every ::1 using (sel("isl", 4)):5 with linespoints lw 2 pt 9 ps 0.6 lc rgb "#ccbb44" title "ISL-assisted FL"
}

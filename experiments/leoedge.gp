# LEOEdge figures; run as: gnuplot -e "out='DIR'" experiments/leoedge.gp
set datafile separator ","
set grid
do for [fmt in "png svg"] {
  if (fmt eq "png") { set terminal pngcairo size 1000,900 font ",10" } else { set terminal svg size 1000,900 font ",10" }
  set output sprintf("%s/leoedge_util.%s", out, fmt)
  set multiplot layout 3,1 title "LEOEdge: edge (container) utilisation per second, 10 satellites, 3 x 4 containers"
  set key top right horizontal
  set yrange [0.3:0.75]
  set ylabel "utilisation"
  do for [load in "light normal heavy"] {
    set title sprintf("%s load", load)
    if (load eq "heavy") { set xlabel "simulated time (s)" } else { unset xlabel }
    f = sprintf("%s/leoedge_util_%s.csv", out, load)
    plot f every ::1 using 1:2 with lines lw 1.5 lc rgb "#4477aa" title "LEOEdge", \
         f every ::1 using 1:3 with lines lw 1 lc rgb "#ee6677" title "threshold (20 ms/image)", \
         f every ::1 using 1:4 with lines lw 1 lc rgb "#228833" title "workload-based (< 50 %)", \
         0.5 with lines dt 2 lc rgb "black" title "load cap"
  }
  unset multiplot
  unset yrange
  unset xlabel

  if (fmt eq "png") { set terminal pngcairo size 800,500 font ",10" } else { set terminal svg size 800,500 font ",10" }
  set output sprintf("%s/leoedge_exec.%s", out, fmt)
  set title "LEOEdge: mean task execution time (arrival to result)"
  set style data histograms
  set style histogram clustered gap 1
  set style fill solid 0.8 border -1
  set boxwidth 0.9
  set ylabel "mean execution time (s)"
  set key top left
  set yrange [0:*]
  set offsets 0, 0, graph 0.12, 0
  f = out."/leoedge_exec.csv"
  plot f every ::1 using 2:xtic(1) lc rgb "#4477aa" title "LEOEdge", \
       '' every ::1 using 3 lc rgb "#ee6677" title "threshold", \
       '' every ::1 using 4 lc rgb "#228833" title "workload-based"
  set style data lines
  set yrange [*:*]
  set offsets 0, 0, 0, 0

  set output sprintf("%s/leoedge_messages.%s", out, fmt)
  set title "LEOEdge: messages per layer pair vs tasks decided (normal load)"
  set xlabel "tasks"
  set ylabel "scalar messages"
  set logscale y
  set key top left
  f = out."/leoedge_messages.csv"
  plot f every ::1 using 2:4 with linespoints lw 2 pt 7 lc rgb "#4477aa" title "satellites <-> LBS", \
       f every ::1 using 2:5 with linespoints lw 2 pt 5 lc rgb "#ccbb44" title "LBS <-> servers", \
       f every ::1 using 2:6 with linespoints lw 2 pt 9 lc rgb "#228833" title "servers <-> containers"
  unset logscale y
  unset xlabel
}

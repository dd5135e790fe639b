# LEOEdge adaptive-modelling figure; run as: gnuplot -e "out='DIR'" experiments/adapt.gp
set datafile separator ","
set grid ytics
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics rotate by -30
set ylabel "predicted latency (ms)"
set key top center horizontal
set yrange [0:46]
do for [fam in "mobilenetv3 shufflenetv2"] {
  do for [fmt in "png svg"] {
    if (fmt eq "png") { set terminal pngcairo size 1000,560 font ",10" } else { set terminal svg size 1000,560 font ",10" }
    set output sprintf("%s/adapt_%s.%s", out, fam, fmt)
    set title sprintf("LEOEdge adaptive modelling, %s: latency without / with adaptation, interval [15, 20] ms", fam)
    f = sprintf("%s/adapt_%s.csv", out, fam)
    plot f every ::1 using 3:xtic(2) title "paper, without" lc rgb "#bbbbbb", \
         f every ::1 using 4 title "ours, without (calibrated)" lc rgb "#777777", \
         f every ::1 using 5 title "paper, with" lc rgb "#66ccee", \
         f every ::1 using 6 title "ours, with (DP)" lc rgb "#4477aa", \
         f every ::1 using 7 title "ours, with (evolution)" lc rgb "#228833", \
         15 with lines dt 2 lc rgb "#ee6677" notitle, 20 with lines dt 2 lc rgb "#ee6677" notitle
  }
}

# Space-XNet figures; run as: gnuplot -e "out='DIR'" experiments/spacexnet.gp
set datafile separator ","
set key top right
set grid ytics
do for [fmt in "png svg"] {
  if (fmt eq "png") { set terminal pngcairo size 900,520 font ",10" } else { set terminal svg size 900,520 font ",10" }
  set output sprintf("%s/spacexnet.%s", out, fmt)
  set title "Space-XNet: mean token latency (33x32 polar shell, 32x8 experts top-2; [P] calibration: FLOPS per MAC, 2 ms per hop)"
  set ylabel "s per token"
  set style data histogram
  set style histogram clustered gap 1 errorbars lw 1
  set style fill solid 0.8 border -1
  set xtics rotate by 0
  set yrange [0:*]
  plot out."/headline.csv" every ::1 using 3:5:6:xtic(2) title "fluidai (range over 8 synthetic datasets)" lc rgb "#4477aa", \
       "" every ::1 using ($7 > 0 ? $7 : 1/0):($7 > 0 ? $7 : 1/0):($7 > 0 ? $7 : 1/0) title "published [S]" lc rgb "#ee6677"
  set style data linespoints
  set style fill empty
  set output sprintf("%s/spacexnet_layers.%s", out, fmt)
  set title "Per-layer latency (gateway + slowest selected expert + legs)"
  set xlabel "layer"; set ylabel "s"
  set yrange [0:*]
  plot for [c=2:6] out."/per_layer.csv" using 1:c with linespoints title columnhead(c)
  set output sprintf("%s/spacexnet_sweeps.%s", out, fmt)
  set multiplot layout 2,3 title "Sensitivity (2 failure draws, 4000 tokens per point)"
  set key top left font ",7"
  set title "altitude"; set xlabel "km"; set ylabel "s/token"
  plot for [c=2:6] out."/sweep_altitude.csv" using 1:c title columnhead(c)
  set title "constellation size"; set xlabel "planes (x32)"
  plot for [c=2:6] out."/sweep_size.csv" using 1:c title columnhead(c)
  set title "link survival"; set xlabel "p_{surv}"
  plot for [c=2:6] out."/sweep_survival.csv" using 1:c title columnhead(c)
  set title "pointing-rate limit"; set xlabel "rad/s"; set logscale x
  plot for [c=2:6] out."/sweep_pointing.csv" using 1:c title columnhead(c)
  unset logscale x
  set title "Dirichlet alpha (inf = uniform)"; set xlabel "alpha (index)"
  plot for [c=2:6] out."/sweep_alpha.csv" using 0:c:xtic(1) title columnhead(c)
  unset multiplot
}

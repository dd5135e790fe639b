#!/usr/bin/env bash
# LEOEdge (PAPERS §11.5): edge utilisation over time and mean execution time for LEOEdge, threshold and workload-based offloading; messages vs task volume
# Usage: experiments/run.sh leoedge [DURATION_S]   (writes under experiments/out/leoedge/; BIN set by run.sh)
#
# `fluidai offload leoedge --simulate` at light, normal and heavy load for
# DURATION_S (default 600) simulated seconds, seed 1: 10 satellites, 3 servers
# x 4 containers, 10 Mbps links (the set-up is in the README and in
# solvers/offload/leoedge_sim.c).  Outputs:
#   leoedge_util_{light,normal,heavy}.csv   per-second utilisation, one column per scheme
#   leoedge_summary.csv                     load, scheme, mean execution time, utilisation, ...
#   leoedge_exec.csv                        mean execution time per load (columns: schemes)
#   leoedge_messages.csv                    LEOEdge messages per layer pair vs tasks decided
#                                           (normal load, 60..480 s)
#   leoedge_seeds.csv                       per load and seed 1..5: mean execution time and
#                                           utilisation of the three schemes, and LEOEdge
#                                           without its cluster price (--price-gain 0)
#   leoedge_util.png/svg, leoedge_exec.png/svg, leoedge_messages.png/svg
# Expected (§11.5): LEOEdge has the lowest mean execution time at every load
# and seed, holding just under the 50 % cap at heavy load; threshold's
# utilisation is below LEOEdge's and rising with load; workload-based pins
# ≈ 50 % at heavy load (below it only demand limits it); messages linear in
# the tasks, a handful per task between the satellites and the LBS.
set -euo pipefail
out=$1
BIN=${BIN:?BIN is set by experiments/run.sh}
DUR=${2:-600}
command -v jq > /dev/null || { echo "leoedge: jq is required" >&2; exit 2; }

echo "load,scheme,mean_exec_s,utilisation,accuracy,tasks,offloaded" > "$out/leoedge_summary.csv"
for load in light normal heavy; do
  echo "leoedge: $load load, $DUR s" >&2
  "$BIN" offload leoedge --simulate --load "$load" --duration "$DUR" --progress=none -q \
    -o "$out/leoedge_$load.json" --csv "$out/leoedge_util_$load.csv"
  jq -r --arg l "$load" '.metrics | to_entries[] | select(.value | type == "object") |
      "\($l),\(.key),\(.value.mean_exec_s),\(.value.mean_utilisation),\(.value.mean_accuracy),\(.value.tasks),\(.value.offloaded)"' \
    "$out/leoedge_$load.json" >> "$out/leoedge_summary.csv"
done

# Mean execution time pivoted for the bar chart: load, leoedge, threshold, workload.
awk -F, 'NR > 1 { v[$1 "," $2] = $3 }
  END { print "load,leoedge_s,threshold_s,workload_s";
        n = split("light normal heavy", L, " ");
        for (i = 1; i <= n; i++) print L[i] "," v[L[i] ",leoedge"] "," v[L[i] ",threshold"] "," v[L[i] ",workload"] }' \
  "$out/leoedge_summary.csv" > "$out/leoedge_exec.csv"

echo "duration_s,tasks,epochs,satellites_lbs,lbs_servers,servers_containers" > "$out/leoedge_messages.csv"
for d in 60 120 240 480; do
  echo "leoedge: messages, normal load, $d s" >&2
  "$BIN" offload leoedge --simulate --scheme leoedge --duration "$d" --progress=none -q -o "$out/m.json"
  jq -r --arg d "$d" '.metrics.leoedge | "\($d),\(.tasks),\(.epochs),\(.messages.satellites_lbs),\(.messages.lbs_servers),\(.messages.servers_containers)"' \
    "$out/m.json" >> "$out/leoedge_messages.csv"
done
rm -f "$out/m.json" "$out/m.run.json"
echo "load,seed,leoedge_s,threshold_s,workload_s,leoedge_util,threshold_util,workload_util,leoedge_noprice_s,leoedge_noprice_util" > "$out/leoedge_seeds.csv"
for load in light normal heavy; do
  for seed in 1 2 3 4 5; do
    echo "leoedge: $load load, seed $seed, $DUR s" >&2
    "$BIN" offload leoedge --simulate --load "$load" --duration "$DUR" --seed "$seed" --progress=none -q -o "$out/s.json"
    "$BIN" offload leoedge --simulate --load "$load" --duration "$DUR" --seed "$seed" --scheme leoedge \
      --price-gain 0 --progress=none -q -o "$out/n.json"
    jq -r --arg l "$load" --arg s "$seed" --slurpfile n "$out/n.json" '.metrics |
        "\($l),\($s),\(.leoedge.mean_exec_s),\(.threshold.mean_exec_s),\(.workload.mean_exec_s),\(.leoedge.mean_utilisation),\(.threshold.mean_utilisation),\(.workload.mean_utilisation),\($n[0].metrics.leoedge.mean_exec_s),\($n[0].metrics.leoedge.mean_utilisation)"' \
      "$out/s.json" >> "$out/leoedge_seeds.csv"
  done
done
rm -f "$out/s.json" "$out/s.run.json" "$out/n.json" "$out/n.run.json"
column -s, -t < "$out/leoedge_seeds.csv" >&2 || cat "$out/leoedge_seeds.csv" >&2
column -s, -t < "$out/leoedge_summary.csv" >&2 || cat "$out/leoedge_summary.csv" >&2
column -s, -t < "$out/leoedge_messages.csv" >&2 || cat "$out/leoedge_messages.csv" >&2

gnuplot -e "out='$out'" experiments/leoedge.gp
echo "leoedge: wrote $out/leoedge_{summary,messages,seeds,util_*}.csv and leoedge_{util,exec,messages}.png/svg" >&2

#!/usr/bin/env bash
# Space-XNet's expected-latency stage: Dijkstra from the gateways vs one all-pairs
# Floyd–Warshall per graph, cpu backend; see bench/README.md "Space-XNet".
#
#   bench/spacexnet.sh [BIN]     BIN defaults to build/cpu/fluidai
#
# 1. Full workload (1056 satellites x 200 snapshots x 10 failure draws = 2000 graphs,
#    Dijkstra from the 2 x 32 ring gateways: the 32 central ones and the 32 random ones
#    the no-CG ablation uses) with 1 and 2 threads: graphs/s and the speed-up.
# 2. The same per-graph work as Floyd–Warshall (be->apsp) on a few graphs, and both
#    methods on smaller shells, to show where each wins.
# Timings come from the plan's .run.json ("expected_latency").  Prints a table.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/.."
BIN=${1:-build/cpu/fluidai}
[[ -x "$BIN" ]] || { make CUDA=0 build/cpu/fluidai >&2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() { # threads label args... -> prints "graphs seconds graphs_per_s"
  local th=$1 lab=$2; shift 2
  "$BIN" place spacexnet --expected-only --backend cpu --threads "$th" --progress=none -q \
    -o "$tmp/$lab.json" "$@" >/dev/null
  python3 - "$tmp/$lab.json" "$tmp/$lab.run.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); r = json.load(open(sys.argv[2]))
g = d["metrics"]["graphs_averaged_for_expected_latency"]; s = r["timings_s"]["expected_latency"]
print(g, "%.3f" % s, "%.1f" % (g / s))
PY
}

echo "== full workload: 1056 sats x 200 snapshots x 10 draws, Dijkstra from 64 gateways"
read -r g1 s1 r1 < <(run 1 dij1)
read -r g2 s2 r2 < <(run 2 dij2)
printf '%-34s %8s %10s %12s\n' "run" "graphs" "seconds" "graphs/s"
printf '%-34s %8s %10s %12s\n' "dijkstra, 1 thread" "$g1" "$s1" "$r1"
printf '%-34s %8s %10s %12s\n' "dijkstra, 2 threads" "$g2" "$s2" "$r2"
python3 -c "print('speed-up 1 -> 2 threads: %.2fx (goal >= 1.7x); snapshots/s (x10 draws each): %.1f' % ($s1 / $s2, $r2 / 10))"

echo
echo "== Dijkstra (from 2L gateways) vs Floyd-Warshall (all pairs), 2 threads, per graph"
printf '%-22s %6s %14s %14s %10s\n' "shell" "sats" "dijkstra g/s" "floyd g/s" "ratio"
for spec in "6 12 4 20" "12 16 4 20" "20 24 8 4" "33 32 32 4"; do
  read -r P S L T <<<"$spec"
  read -r _ _ rd < <(run 2 "d$P" --planes "$P" --sats-per-plane "$S" --layers "$L" --experts 2 \
    --snapshots "$T" --failure-draws 1)
  read -r _ _ rf < <(run 2 "f$P" --planes "$P" --sats-per-plane "$S" --layers "$L" --experts 2 \
    --snapshots "$T" --failure-draws 1 --paths floyd-warshall)
  python3 -c "print('%-22s %6d %14s %14s %9.1fx' % ('${P}x${S}, L=${L}', $P * $S, '$rd', '$rf', $rd / $rf))"
done

#!/usr/bin/env bash
# FedMeld planner on the 72x22 Starlink-like shell with 8 areas over 24 h: timeline vs planning time.
#
#   bench/fedmeld_plan.sh [BIN] [DURATION_S]   BIN defaults to build/cpu/fluidai; 86400 s
#
# Runs `fluidai fedmeld plan` on the default set-up (embedded default
# scenario: 72 planes x 22 satellites, 550 km, 53°, 60 s steps, 23 ground
# stations; 8 longitude-sector areas of 5 clients, mask 25°) with 1 and 2
# threads and reports, from the plans' .run.json, the wall time of the
# timeline build (propagation, ISLs, visibility and refined contact windows
# for the 23 stations + 40 clients) and of the planning proper (area windows,
# carries, access-link budgets, SC-MR design, dispersal / GS / ISL round
# timing over the horizon), wall and process CPU time (all threads; on a
# shared machine CPU time shows the work, wall time the waiting too).  The
# 1- and 2-thread plans must be byte-identical.
# For scale it also times `fluidai orbitgen --no-paths` on the same scenario
# (23 stations only), the timeline a planner without client-level coverage
# would need.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/.."
BIN=${1:-build/cpu/fluidai}
DUR=${2:-86400}
[[ -x "$BIN" ]] || { make CUDA=0 build/cpu/fluidai >&2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() { # threads tag -> "timeline_s plan_s total_s timeline_cpu_s plan_cpu_s"
  local t0 t1
  t0=$(date +%s.%N)
  "$BIN" fedmeld plan --duration "$DUR" --threads "$1" --progress=none -q -o "$tmp/$2.json" \
    2> /dev/null
  t1=$(date +%s.%N)
  jq -r --arg w "$(echo "$t1 - $t0" | bc)" '"\(.timings_s.timeline) \(.timings_s.plan) \($w) \(.timings_s.timeline_cpu) \(.timings_s.plan_cpu)"' \
    "$tmp/$2.run.json"
}

echo "== fedmeld plan: 72x22 shell, 8 areas x 5 clients, ${DUR} s at 60 s steps"
printf '%-8s %12s %12s %12s %14s %14s\n' "threads" "timeline s" "planning s" "process s" \
  "timeline cpu s" "planning cpu s"
read -r tl1 pl1 w1 tc1 pc1 < <(run 1 t1)
printf '%-8s %12.3f %12.3f %12.3f %14.3f %14.3f\n' 1 "$tl1" "$pl1" "$w1" "$tc1" "$pc1"
read -r tl2 pl2 w2 tc2 pc2 < <(run 2 t2)
printf '%-8s %12.3f %12.3f %12.3f %14.3f %14.3f\n' 2 "$tl2" "$pl2" "$w2" "$tc2" "$pc2"
cmp -s "$tmp/t1.json" "$tmp/t2.json" && same=yes || same=NO
echo "plans identical for 1 and 2 threads: $same"
jq -r '.decisions | "design: tau* \(.tau), alpha* \(.alpha), delta \(.delta), T_I* \(.round_s) s, \(.rounds) rounds, \(.carries_total) carries; plan \(input_filename)"' \
  "$tmp/t1.json" | sed "s|$tmp/||"
ls -l "$tmp/t1.json" | awk '{printf "plan size %.1f MB\n", $5 / 1e6}'
t0=$(date +%s.%N)
"$BIN" orbitgen --duration "$DUR" --no-paths --threads 2 -q > /dev/null 2>&1
t1=$(date +%s.%N)
printf 'orbitgen --no-paths (23 stations only), 2 threads: %.3f s\n' "$(echo "$t1 - $t0" | bc)"

#!/usr/bin/env bash
# LEOEdge simulation speed: one hour of heavy load; see bench/README.md "LEOEdge".
#
#   bench/leoedge.sh [BIN] [REPLICATIONS]   BIN defaults to build/cpu/fluidai; REPLICATIONS 2
#
# 1. `offload leoedge --simulate --load heavy --duration 3600`, all three
#    schemes, one replication, 1 thread: simulated seconds per wall second
#    (from the plan's .run.json timing).  One replication is sequential: the
#    LEOEdge scheme solves one small layered problem per decision instant
#    (each arrival, and 20 ms ticks while tasks wait in local queues), each
#    depending on the queues the previous one left, so threads do not help.
# 2. The parallel part is independent replications: REPLICATIONS of the same
#    hour with 1 and 2 OpenMP threads; the speed-up, and the two plans must be
#    byte-identical.  The speed-up is bounded by REPLICATIONS / ceil(REPLICATIONS
#    / 2) for the dominant LEOEdge part (replications are whole units of work)
#    and by the machine being shared.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/.."
BIN=${1:-build/cpu/fluidai}
R=${2:-2}
[[ -x "$BIN" ]] || { make CUDA=0 build/cpu/fluidai >&2; }
command -v jq > /dev/null || { echo "bench/leoedge.sh: jq is required" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() { # tag threads reps -> wall seconds of the simulation
  "$BIN" offload leoedge --simulate --load heavy --duration 3600 --replications "$3" \
    --threads "$2" --backend cpu --progress=none -q -o "$tmp/$1.json"
  jq -r '.timings_s.simulate' "$tmp/$1.run.json"
}

echo "== one hour of heavy load (10 satellites, 3 x 4 containers), all schemes"
s1=$(run one 1 1)
jq -r '.metrics | to_entries[] | select(.value | type == "object") |
  "   \(.key): mean exec \(.value.mean_exec_s) s, utilisation \(.value.mean_utilisation), tasks \(.value.tasks)"' \
  "$tmp/one.json"
awk -v s="$s1" 'BEGIN { printf "   1 replication, 1 thread: %.2f s wall, %.0f simulated s per wall s\n", s, 3600 / s }'

echo "== $R replications, 1 vs 2 threads"
a=$(run r1 1 "$R")
b=$(run r2 2 "$R")
cmp -s "$tmp/r1.json" "$tmp/r2.json" && same=identical || same=DIFFERENT
awk -v a="$a" -v b="$b" -v r="$R" -v same="$same" 'BEGIN {
  printf "   1 thread %.2f s (%.0f sim s / wall s), 2 threads %.2f s (%.0f sim s / wall s): speed-up %.2fx; plans %s\n",
         a, r * 3600 / a, b, r * 3600 / b, a / b, same }'
[ "$same" = identical ]

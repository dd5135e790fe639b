#!/usr/bin/env bash
# Peak memory of a one-day, 60 s timeline of the full Starlink TLE snapshot
# (~6900 satellites, 1441 snapshots, default stations, every stage and file).
# Target (issue): under 2 GiB.  Usage: bench/memory.sh [BIN]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-build/cpu/fluidai}
[ -x "$BIN" ] || make CUDA=0 >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
/usr/bin/time -v "$BIN" orbitgen --preset starlink-tle --duration 86400 --step 60 \
  --progress=none -q -o "$out/tl" >/dev/null 2>"$out/time.txt"
kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$out/time.txt")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out/time.txt")
awk -v kb="$kb" -v wall="$wall" 'BEGIN {
  printf "starlink-tle day at 60 s: peak RSS %.0f MiB (%.2f GiB), wall %s; target < 2 GiB: %s\n",
         kb / 1024, kb / 1048576, wall, (kb < 2097152 ? "met" : "MISSED") }'

#!/usr/bin/env bash
# Large–small model collaboration at the §7.2 size: snapshots per second and the 1 -> 2 thread speed-up.
#
#   bench/lsm.sh [BIN] [HOURS] [STEP]   BIN defaults to build/cpu/fluidai; 12 h of 60 s snapshots
#
# `offload lsm` on the default Walker-delta 24 x 22 shell (528 satellites,
# 550 km, 53°; 53 RS and 26 computing satellites, D = 500 Mb, congestion-aware
# routing) over HOURS of STEP-second snapshots (721 by default), with 1 and 2
# threads (and every thread count in LSM_THREADS, default "1 2").  Snapshots
# are independent, so they are solved in parallel with OpenMP; the plans must
# be byte-identical.  Reported per thread count: wall seconds, snapshots per
# wall second, the stage times from the plan's .run.json (timeline, routing,
# evaluation) and the speed-up over 1 thread.  Target: >= 1.7x on 2 idle
# cores.  Timings on a shared machine are noisy.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/.."
BIN=${1:-build/cpu/fluidai}
HOURS=${2:-12}
STEP=${3:-60}
THREADS=${LSM_THREADS:-1 2}
[[ -x "$BIN" ]] || { make CUDA=0 build/cpu/fluidai >&2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

stage() { # run.json stage -> seconds
  awk -v k="\"$2\"" '$1 == k":" { gsub(/[ ,]/, "", $2); print $2; exit }' "$1"
}

printf '%-8s %10s %14s %10s %10s %10s %9s\n' threads wall_s snapshots/s timeline routing eval speedup
base=""
first=""
for t in $THREADS; do
  s0=$(date +%s.%N)
  "$BIN" offload lsm --hours "$HOURS" --step "$STEP" --threads "$t" --backend cpu \
    --progress=none -q -o "$tmp/p$t.json" > "$tmp/out$t.txt"
  s1=$(date +%s.%N)
  wall=$(awk -v a="$s0" -v b="$s1" 'BEGIN { printf "%.3f", b - a }')
  snaps=$(awk -F': ' '/"snapshots_done"/ { gsub(/[ ,]/, "", $2); print $2; exit }' "$tmp/p$t.json")
  [ -z "$base" ] && base=$wall
  if [ -z "$first" ]; then
    first=$t
  elif ! cmp -s "$tmp/p$first.json" "$tmp/p$t.json"; then
    echo "bench/lsm.sh: plans differ between $first and $t threads" >&2
    exit 1
  fi
  printf '%-8s %10s %14.1f %10.3f %10.3f %10.3f %8.2fx\n' "$t" "$wall" \
    "$(awk -v n="$snaps" -v w="$wall" 'BEGIN { print n / w }')" \
    "$(stage "$tmp/p$t.run.json" timeline)" "$(stage "$tmp/p$t.run.json" routing)" \
    "$(stage "$tmp/p$t.run.json" evaluation)" \
    "$(awk -v a="$base" -v b="$wall" 'BEGIN { print a / b }')"
done
echo "plans identical across thread counts: yes"
sed -n '1,8p' "$tmp/out$first.txt"

#!/usr/bin/env bash
# SGP4 throughput of fluidai's cpu backend against python-sgp4's SatrecArray.
#
#   bench/sgp4.sh [LIB]       LIB defaults to build/cpu/libfluidai.a (built with
#                             `make CUDA=0` when missing)
#
# Environment knobs (defaults in brackets):
#   SGP4_TLE     [data/tle/starlink-20250123.tle]  element sets
#   SGP4_EPOCHS  [1440]   epochs, SGP4_STEP_S [60] seconds apart, from the newest
#                         element epoch (whole second)
#   SGP4_REPS    [3]      timed repetitions per side; the best is kept
#
# Creates bench/.venv (git-ignored) if missing and installs sgp4 and numpy
# there; builds bench/data/sgp4_bench (git-ignored) from bench/sgp4_bench.c
# against LIB.  Both sides run the same satellites (fluidai's near-Earth
# batch) at the same times; fluidai with 1 and 2 threads, the peer on one
# (its loop is single-threaded).  Prints a table on stdout, progress on
# stderr.  Exit status: 0 ok, 1 a step failed, 3 positions differ by 1e-6 km
# or more, or error codes disagree.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

LIB=${1:-build/cpu/libfluidai.a}
TLE=${SGP4_TLE:-data/tle/starlink-20250123.tle}
T=${SGP4_EPOCHS:-1440}
STEP_S=${SGP4_STEP_S:-60}
REPS=${SGP4_REPS:-3}

log() { printf 'sgp4 bench: %s\n' "$*" >&2; }

if [[ ! -f "$LIB" ]]; then
  log "$LIB missing; building with make CUDA=0"
  make CUDA=0 >&2
  [[ -f "$LIB" ]] || { log "error: $LIB still missing after make CUDA=0"; exit 1; }
fi

venv=bench/.venv
if [[ ! -x "$venv/bin/python" ]]; then
  log "creating $venv"
  python3 -m venv "$venv" >&2
fi
if ! "$venv/bin/python" -c 'import sgp4, numpy' 2>/dev/null; then
  log "installing sgp4 and numpy into $venv"
  "$venv/bin/pip" install --quiet sgp4 numpy >&2
fi

mkdir -p bench/data
drv=bench/data/sgp4_bench
# The library's flags: no -march=native, no -ffast-math, contraction off.
libs="$(pkg-config --libs jansson 2>/dev/null || echo -ljansson) -lglpk -lnlopt -lm"
case "$LIB" in
  build/cuda*) cuda_home=$(dirname "$(dirname "$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)")")
               libs="$libs -L$cuda_home/lib64 -lcudart_static -lstdc++ -ldl -lrt -lpthread" ;;
esac
log "building $drv against $LIB"
# shellcheck disable=SC2086
cc -std=c11 -O2 -fopenmp -ffp-contract=off -Iinclude -D_POSIX_C_SOURCE=200809L \
  -o "$drv" bench/sgp4_bench.c "$LIB" $libs

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

log "fluidai: $TLE x $T epochs at ${STEP_S} s, threads 1 and 2, best of $REPS"
"$drv" "$TLE" "$T" "$STEP_S" "$REPS" 1 2 --teme "$tmp/teme.bin" --lines "$tmp/lines.txt" \
  >"$tmp/fluidai.json"
log "python-sgp4 SatrecArray: same satellites and epochs, best of $REPS"
OMP_NUM_THREADS=1 "$venv/bin/python" bench/sgp4_peer.py "$TLE" "$tmp/lines.txt" \
  "$tmp/teme.bin" "$T" "$STEP_S" "$REPS" >"$tmp/peer.json"

"$venv/bin/python" - "$tmp/fluidai.json" "$tmp/peer.json" <<'PY'
import json, sys
ours = json.load(open(sys.argv[1]))
peer = json.load(open(sys.argv[2]))
runs = {r["threads"]: r for r in ours["runs"]}
p = peer["sat_epochs_per_s"]
print(f"SGP4 throughput: {ours['n_batch']} satellites x {ours['n_snaps']} epochs "
      f"({ours['step_s']:g} s), best of {ours['reps']}")
print(f"{'':34s} {'seconds':>9s} {'sat-epochs/s':>14s} {'vs peer':>8s}")
print(f"{'python-sgp4 SatrecArray (1 core)':34s} {peer['seconds']:9.3f} {p:14.4g} {1.0:8.2f}")
for t in sorted(runs):
    r = runs[t]
    print(f"{'fluidai cpu, ' + str(t) + ' thread(s)':34s} {r['seconds']:9.3f} "
          f"{r['sat_epochs_per_s']:14.4g} {r['sat_epochs_per_s'] / p:8.2f}")
print(f"per core: fluidai 1 thread / peer = {runs[1]['sat_epochs_per_s'] / p:.2f} (goal >= 2); "
      f"fluidai 2 threads / peer = {runs[2]['sat_epochs_per_s'] / p:.2f} (goal >= 3.5)")
print(f"agreement (TEME): {peer['compared_states']} states, max |dx| = "
      f"{peer['max_abs_diff_km']:.3g} km, max |dr| = {peer['max_norm_diff_km']:.3g} km "
      f"(limit 1e-6 km); error states: peer {peer['peer_error_states']}, "
      f"fluidai {ours['error_states']}, mismatched {peer['error_mismatch_states']}; "
      f"peer accelerated = {peer['accelerated']}")
bad = (peer["max_norm_diff_km"] is None or peer["max_norm_diff_km"] >= 1e-6
       or peer["error_mismatch_states"] != 0)
sys.exit(3 if bad else 0)
PY

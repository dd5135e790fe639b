#!/usr/bin/env bash
# FedMeld simulator: local-SGD throughput of one round (40 clients x tau steps, MLP) and the
# 1 -> 2 thread speed-up; see bench/README.md "FedMeld simulator".
#
#   bench/fedmeld_sim.sh [BIN] [TAU] [HIDDEN]   BIN defaults to build/cpu/fluidai; TAU 10,
#                                               HIDDEN 200 (the 784-200-200-10 MLP)
#
# Runs `fedmeld sim --schemes gs --max-rounds R` (8 areas x 5 clients, batch 32, synthetic
# 784-pixel data so the package is not needed) with 1 and 2 threads, no area evaluation and
# 100 test samples, and reads the local-SGD throughput (samples/s, from the .run.json: only
# the fl_local_sgd calls are timed).  Each round is 40 x TAU x 32 samples.  The two result
# files must be byte-identical.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/.."
BIN=${1:-build/cpu/fluidai}
TAU=${2:-10}
HID=${3:-200}
ROUNDS=${FMSIM_BENCH_ROUNDS:-3}
[[ -x "$BIN" ]] || { make CUDA=0 build/cpu/fluidai >&2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A one-scheme timing with the requested tau (the default timing's gs scheme has tau 10).
cat > "$tmp/plan.json" <<JSON
{"decisions": {"timing": {"n_areas": 8, "clients_per_area": 5, "horizon_s": 1e9, "t_cmp_s": 10,
 "t_com_s": 60, "t_travel_s": 700, "model_bits": 6374720, "n_schemes": 1,
 "schemes": [{"name": "gs", "kind": "gs", "tau": $TAU, "alpha": 0, "delta": 0, "round_s": 100,
 "first_round_at_s": 100, "access_bits_round": 0, "feeder_bits_round": 0, "isl_bits_round": 0}]}}}
JSON
run() { # threads tag -> samples/s
  "$BIN" fedmeld sim --plan "$tmp/plan.json" --data synthetic --hidden "$HID" --batch 32 \
    --max-rounds "$ROUNDS" --eval-points 1 --test-samples 100 --no-area-eval --threads "$1" \
    --progress=none -q -o "$tmp/$2.json" > /dev/null
  jq -r '.local_sgd_samples_per_s' "$tmp/$2.run.json"
}
echo "== one round = 40 clients x $TAU steps x 32 samples, MLP 784-$HID-$HID-10, $ROUNDS rounds timed"
s1=$(run 1 t1)
s2=$(run 2 t2)
cmp -s "$tmp/t1.json" "$tmp/t2.json" && same=yes || same=NO
awk -v a="$s1" -v b="$s2" -v t="$TAU" -v same="$same" 'BEGIN {
  r = 40 * t * 32
  printf "threads  samples/s   s/round\n"
  printf "1        %9.0f   %7.3f\n", a, r / a
  printf "2        %9.0f   %7.3f\n", b, r / b
  printf "speed-up 1 -> 2 threads: %.2fx (target >= 1.7x); results identical: %s\n", b / a, same }'

#!/usr/bin/env bash
# PartialLoading (PAPERS §6): on-time requests vs number of requests and vs r_load for dp, greedy, no-sharing, fcfs, edd
# Usage: experiments/run.sh partialload   (writes under experiments/out/partialload/; BIN set by run.sh)
#
# Instances from `fluidai offload partialload gen` (§6.4 defaults): 30 models in
# 3 clusters (ResNet-50 94 MB, ViT-B 330 MB, BERT-base 418 MB fp32 backbones,
# each with 10 fine-tuned heads of 0.2–4 MB), compute 15/40/30 ms per cluster,
# deadlines U[0.5, 2] s, inputs U[0.2, 2] Mbit, users at 50–300 m (23 dBm,
# 3GPP path loss), B = 100 MHz.  Every point is the mean over SEEDS seeds.
#   partialload_k12.csv / partialload_k3.csv: vs K at r_load = 12 and 3 GB/s;
#   partialload_rload.csv: vs r_load at K = 60;
#   partialload_exact.csv: K = 14 with tight deadlines U[0.1, 0.6] s, where the
#   exact scheduling-stage optimum (--algo exact) is affordable, at 12 and 3 GB/s.
# Expected: every sharing-aware scheduler beats no-sharing, with a gap that
# grows as loading gets slower relative to compute (3 GB/s vs 12 GB/s).
set -euo pipefail
out=$1
BIN=${BIN:?BIN is set by experiments/run.sh}
SEEDS=${PARTIALLOAD_SEEDS:-10}
ALGOS="dp greedy no-sharing fcfs edd"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# mean on-time requests per algorithm for one (K, r_load): prints ",a,b,c,d,e"
point() {
  local K=$1 R=$2 row="" sum s a n
  for a in $ALGOS; do
    sum=0
    for s in $(seq 1 "$SEEDS"); do
      [ -f "$tmp/i$s.json" ] || "$BIN" offload partialload gen --requests "$K" --r-load "$R" --seed "$s" ${GEN_EXTRA:-} -q -o "$tmp/i$s.json"
      n=$("$BIN" offload partialload "$tmp/i$s.json" --algo "$a" | sed -n 's/^throughput \([0-9]*\)\/.*/\1/p')
      sum=$((sum + n))
    done
    row="$row,$(awk -v a="$sum" -v n="$SEEDS" 'BEGIN { printf "%.4g", a / n }')"
  done
  rm -f "$tmp"/i*.json
  printf '%s' "$row"
}

header="dp,greedy,no_sharing,fcfs,edd"
for R in 12e9 3e9; do
  f="$out/partialload_k${R%e9}.csv"
  echo "requests,$header" > "$f"
  for K in 10 20 40 60 80 100; do
    echo "partialload: r_load $R, K = $K" >&2
    echo "$K$(point "$K" "$R")" >> "$f"
  done
  column -s, -t < "$f" >&2 || cat "$f" >&2
done
f="$out/partialload_rload.csv"
echo "r_load_gb_s,$header" > "$f"
for G in 1 2 3 6 12 24; do
  echo "partialload: K = 60, r_load $G GB/s" >&2
  echo "$G$(point 60 "${G}e9")" >> "$f"
done
column -s, -t < "$f" >&2 || cat "$f" >&2
f="$out/partialload_exact.csv"
echo "r_load_gb_s,$header,exact" > "$f"
for G in 12 3; do
  echo "partialload: K = 14, tight deadlines, r_load $G GB/s, with the exact optimum" >&2
  echo "$G$(ALGOS="$ALGOS exact" GEN_EXTRA="--deadline 0.1,0.6" SEEDS=$((SEEDS * 3)) point 14 "${G}e9")" >> "$f"
done
column -s, -t < "$f" >&2 || cat "$f" >&2

gnuplot -e "out='$out'" experiments/partialload.gp
echo "partialload: wrote $out/partialload_{k12,k3,rload,exact}.csv, partialload_requests.png/svg, partialload_rload.png/svg" >&2

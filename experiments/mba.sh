#!/usr/bin/env bash
# MBA (PAPERS §5): download latency vs number of devices for unicast, no-ps, greedy and tree search
# Usage: experiments/run.sh mba   (writes under experiments/out/mba/; BIN set by run.sh)
#
# Instances from `fluidai cache mba gen`: a nested library of 3 backbones × 5
# fine-tuned models × 8 layer blocks (ResNet-18/34/50 sizes), devices at
# 50–300 m (3GPP path loss), W = 20 MHz, N0 = −174 dBm/Hz, E_max = 10 J.
# For each K, five seeds; the table holds the mean latency (s) of each scheme,
# the figure plots it.  Expected: tree <= greedy, tree <= no-ps << unicast, the
# unicast gap growing with K (every device pays for its own copy); PS gains most
# at small K, while with many devices every backbone is needed anyway (measured:
# greedy within about 2 % of tree, no-ps equal to tree from K = 15 on).
set -euo pipefail
out=$1
BIN=${BIN:?BIN is set by experiments/run.sh}
SEEDS=${MBA_SEEDS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

latency() { # plan file → objective value
  awk '/"objective": \{/ { o = 1 } o && /"value"/ { gsub(/[ ,]/, ""); sub(/"value":/, ""); print; exit }' "$1"
}

echo "devices,unicast_s,no_ps_s,greedy_s,tree_s,tree_seconds" > "$out/mba.csv"
for K in 2 4 6 8 10 15 20 30 40; do
  echo "mba: K = $K" >&2
  row=""
  for ps in unicast no-ps greedy tree; do
    sum=0
    secs=0
    for s in $(seq 1 "$SEEDS"); do
      "$BIN" cache mba gen --devices "$K" --seed "$s" -q -o "$tmp/i.json"
      "$BIN" cache mba "$tmp/i.json" --ps "$ps" -q -o "$tmp/p.json"
      sum=$(awk -v a="$sum" -v b="$(latency "$tmp/p.json")" 'BEGIN { printf "%.10g", a + b }')
      if [ "$ps" = tree ]; then
        t=$(awk -F': ' '/"solve"/ { gsub(/[ ,]/, "", $2); print $2; exit }' "$tmp/p.run.json")
        secs=$(awk -v a="$secs" -v b="${t:-0}" 'BEGIN { printf "%.6g", a + b }')
      fi
    done
    row="$row,$(awk -v a="$sum" -v n="$SEEDS" 'BEGIN { printf "%.6g", a / n }')"
  done
  echo "$K$row,$(awk -v a="$secs" -v n="$SEEDS" 'BEGIN { printf "%.4g", a / n }')" >> "$out/mba.csv"
done
column -s, -t < "$out/mba.csv" >&2 || cat "$out/mba.csv" >&2

gnuplot -e "out='$out'" experiments/mba.gp
echo "mba: wrote $out/mba.csv, mba_latency.png/svg" >&2

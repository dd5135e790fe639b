#!/usr/bin/env bash
# SlimCaching (PAPERS §2): mean per-token latency vs server storage for a top-1 and a top-2 MoE preset; sgd-fast vs sgd runtime
# Usage: experiments/run.sh slimcaching [SEEDS]   (writes under experiments/out/slimcaching/; BIN set by run.sh)
#
# Set-up (PAPERS §2.6 [P]): 5 edge servers and 10 users on a 500 m square
# (300 m coverage, 3GPP radio of `cache gen edge`), device 2 TFLOPS, edge
# 50 TFLOPS, cloud fallback 100 TFLOPS + 50 ms backhaul at 100 Mb/s; synthetic
# traces of 200 tokens per user and layer, Zipf 1.0 over a per-user expert
# ranking, 2 latent topics (co-activation).
#   top-1: switch-8 (12 layers × 8 experts, 9.4 MB each), devices 20 MB;
#   top-2: mixtral-8x7b (32 layers × 8 experts, 352 MB each), devices 2 GB.
# Algorithms: sgd, sgd-fast (eps 0.1), g1 (plain greedy, --enum 0: partial
# enumeration over 3,840 seeds is too slow here), g1-marginal, popular, random,
# and the MILP with a 3 s GLPK limit — its column is empty unless it proved
# optimality for every seed.  runtime.csv: mean solve time of sgd and sgd-fast.
set -euo pipefail
out=$1
seeds=${2:-1}
BIN=${BIN:?BIN is set by experiments/run.sh}
work="$out/work"
mkdir -p "$work"
raw="$out/raw.csv"
echo "preset,storage_gb,seed,algo,latency_ms,outcome,runtime_s" > "$raw"
algos=(sgd sgd-fast g1 g1-marginal popular random milp)

sweep() { # PRESET DEVICE_BYTES Q_GB...
  local preset=$1 dev=$2 q s a
  shift 2
  for q in "$@"; do
    for s in $(seq 1 "$seeds"); do
      "$BIN" cache gen edge --servers 5 --users 10 --area 500 --radius 300 --backbones 1 --finetuned 1 \
        --seed "$s" -q -o "$work/edge.json" > /dev/null
      for a in "${algos[@]}"; do
        "$BIN" cache slim "$work/edge.json" --preset "$preset" --server-bytes "${q}e9" --device-bytes "$dev" \
          --topics 2 --algo "$a" --enum 0 --time-limit 3 --threads 2 -q -o "$work/plan.json" > /dev/null
        jq -rs --arg p "$preset,$q,$s,$a" \
          '"\($p),\(.[0].objective.value * 1000),\(.[0].outcome),\(.[1].timings_s.solve)"' \
          "$work/plan.json" "$work/plan.run.json" >> "$raw"
      done
    done
  done
}

echo "slimcaching: top-1 switch-8" >&2
sweep switch-8 20e6 0.02 0.05 0.1 0.2 0.4
echo "slimcaching: top-2 mixtral-8x7b" >&2
sweep mixtral-8x7b 2e9 5 10 20 30 40

for preset in switch-8 mixtral-8x7b; do
  awk -F, -v pr="$preset" '
    NR > 1 && $1 == pr {
      if (!($2 in seen)) { seen[$2] = 1; xs[++nx] = $2 }
      k = $2 SUBSEP $4; n[k]++; lat[k] += $5; rt[k] += $7
      if ($4 == "milp" && $6 != "optimal") bad[$2] = 1
    }
    END {
      print "storage_gb,sgd,sgd-fast,g1,g1-marginal,popular,random,milp"
      split("sgd sgd-fast g1 g1-marginal popular random", al, " ")
      for (j = 1; j <= nx; j++) {
        x = xs[j]; line = x
        for (a = 1; a <= 6; a++) line = line sprintf(",%.6f", lat[x SUBSEP al[a]] / n[x SUBSEP al[a]])
        km = x SUBSEP "milp"
        line = line (n[km] && !bad[x] ? sprintf(",%.6f", lat[km] / n[km]) : ",")
        print line
      }
    }' "$raw" > "$out/latency-$preset.csv"
done
awk -F, 'NR > 1 && ($4 == "sgd" || $4 == "sgd-fast") {
    k = $1 "," $2; if (!(k in seen)) { seen[k] = 1; ks[++n] = k }
    t[k SUBSEP $4] += $7; c[k SUBSEP $4]++ }
  END { print "preset,storage_gb,sgd_s,sgd_fast_s,ratio"
    for (j = 1; j <= n; j++) { k = ks[j]; a = t[k SUBSEP "sgd"] / c[k SUBSEP "sgd"]; b = t[k SUBSEP "sgd-fast"] / c[k SUBSEP "sgd-fast"]
      printf "%s,%.6f,%.6f,%.3f\n", k, a, b, (b > 0 ? a / b : 0) } }' "$raw" > "$out/runtime.csv"
rm -rf "$work"
column -s, -t "$out/latency-switch-8.csv" "$out/latency-mixtral-8x7b.csv" "$out/runtime.csv" >&2 || true

if command -v gnuplot > /dev/null; then
  gnuplot -e "out='$out'" experiments/slimcaching.gp
else
  echo "slimcaching: gnuplot not found; tables written, figures skipped" >&2
fi
echo "slimcaching: tables and figures in $out" >&2

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
# optimality for every seed; milp_solved counts the seeds it solved ("0/n":
# not solved; these points are beyond GLPK in seconds).
# Small panel (latency-small.csv), sized so that GLPK proves optimality:
# 2 servers, 4 users, 2 layers × 6 experts top-2 (352 MB each, devices hold
# one), 50 tokens, storage 1–5 experts per server, MILP limit MILP_LIMIT
# (20 s); sgd_over_opt / g1_over_opt: latency over the optimum, mean over
# the solved seeds.
# Runtime (runtime.csv, figure panel 4): mean solve time of sgd and sgd-fast
# on the two presets and on mixtral-het, the mixtral-8x7b shape with
# per-layer expert sizes 352 MB + 40961·l bytes (layer-wise quantisation).
# With equal sizes the capacity DP of sgd has only (storage / expert size)
# units and both spend their time in the same per-layer tables, so sgd-fast
# can at best tie; with per-layer sizes the capacity DP runs at its
# 65,536-unit cap and the value-domain DP of sgd-fast is the faster one.
set -euo pipefail
out=$1
seeds=${2:-1}
BIN=${BIN:?BIN is set by experiments/run.sh}
milp_limit=${MILP_LIMIT:-20}
work="$out/work"
mkdir -p "$work"
raw="$out/raw.csv"
echo "preset,storage_gb,seed,algo,latency_ms,outcome,runtime_s" > "$raw"
all_algos="sgd sgd-fast g1 g1-marginal popular random milp"

# instance LABEL SEED -> $work/inst.json; sets opts (the MoE options)
instance() {
  case $1 in
    small)
      "$BIN" cache gen edge --servers 2 --users 4 --area 500 --radius 300 --backbones 1 --finetuned 1 \
        --seed "$2" -q -o "$work/edge.json" > /dev/null
      jq '.library.moe = {layers: 2, experts: 6, top_k: 2, expert_bytes: 352000000,
                          expert_flops: 352000000, hidden_bytes: 8192}' "$work/edge.json" > "$work/inst.json"
      opts=(--tokens 50 --time-limit "$milp_limit") ;;
    mixtral-het)
      "$BIN" cache gen edge --servers 5 --users 10 --area 500 --radius 300 --backbones 1 --finetuned 1 \
        --seed "$2" -q -o "$work/edge.json" > /dev/null
      jq '.library.moe = {layers: 32, experts: 8, top_k: 2, expert_bytes: [range(32) | 352000000 + . * 40961],
                          expert_flops: 352000000, hidden_bytes: 8192}' "$work/edge.json" > "$work/inst.json"
      opts=(--time-limit 3) ;;
    *)
      "$BIN" cache gen edge --servers 5 --users 10 --area 500 --radius 300 --backbones 1 --finetuned 1 \
        --seed "$2" -q -o "$work/inst.json" > /dev/null
      opts=(--preset "$1" --time-limit 3) ;;
  esac
}

sweep() { # LABEL DEVICE_BYTES "ALGOS" Q_GB...
  local label=$1 dev=$2 algos=$3 q s a
  shift 3
  for q in "$@"; do
    for s in $(seq 1 "$seeds"); do
      instance "$label" "$s"
      for a in $algos; do
        "$BIN" cache slim "$work/inst.json" "${opts[@]}" --server-bytes "${q}e9" --device-bytes "$dev" \
          --topics 2 --algo "$a" --enum 0 --threads 2 -q -o "$work/plan.json" > /dev/null
        jq -rs --arg p "$label,$q,$s,$a" \
          '"\($p),\(.[0].objective.value * 1000),\(.[0].outcome),\(.[1].timings_s.solve)"' \
          "$work/plan.json" "$work/plan.run.json" >> "$raw"
      done
    done
  done
}

echo "slimcaching: top-1 switch-8" >&2
sweep switch-8 20e6 "$all_algos" 0.02 0.05 0.1 0.2 0.4
echo "slimcaching: top-2 mixtral-8x7b" >&2
sweep mixtral-8x7b 2e9 "$all_algos" 5 10 20 30 40
echo "slimcaching: small panel against the MILP (limit ${milp_limit} s)" >&2
sweep small 0.352e9 "$all_algos" 0.352 0.704 1.056 1.408 1.76
echo "slimcaching: sgd vs sgd-fast runtime, per-layer expert sizes" >&2
sweep mixtral-het 2e9 "sgd sgd-fast" 5 10 20 40

for preset in switch-8 mixtral-8x7b small; do
  awk -F, -v pr="$preset" '
    NR > 1 && $1 == pr {
      if (!($2 in seen)) { seen[$2] = 1; xs[++nx] = $2 }
      k = $2 SUBSEP $4; n[k]++; lat[k] += $5; rt[k] += $7
      v[$2 SUBSEP $3 SUBSEP $4] = $5
      if ($4 == "milp") {
        if ($6 != "optimal") bad[$2] = 1
        else if ($5 > 0) {
          ok[$2]++
          rs[$2] += v[$2 SUBSEP $3 SUBSEP "sgd"] / $5; rg[$2] += v[$2 SUBSEP $3 SUBSEP "g1"] / $5
        }
      }
    }
    END {
      print "storage_gb,sgd,sgd-fast,g1,g1-marginal,popular,random,milp,milp_solved,sgd_over_opt,g1_over_opt"
      split("sgd sgd-fast g1 g1-marginal popular random", al, " ")
      for (j = 1; j <= nx; j++) {
        x = xs[j]; line = x
        for (a = 1; a <= 6; a++) line = line sprintf(",%.6f", lat[x SUBSEP al[a]] / n[x SUBSEP al[a]])
        km = x SUBSEP "milp"
        line = line (n[km] && !bad[x] ? sprintf(",%.6f", lat[km] / n[km]) : ",")
        line = line sprintf(",%d/%d", ok[x], n[km])
        line = line (ok[x] ? sprintf(",%.4f,%.4f", rs[x] / ok[x], rg[x] / ok[x]) : ",,")
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
for f in latency-switch-8 latency-mixtral-8x7b latency-small runtime; do
  echo "== $f" >&2
  column -s, -t "$out/$f.csv" >&2 || true
done

if command -v gnuplot > /dev/null; then
  gnuplot -e "out='$out'" experiments/slimcaching.gp 2>&1 | { grep -v "no valid points" || true; } >&2
else
  echo "slimcaching: gnuplot not found; tables written, figures skipped" >&2
fi
echo "slimcaching: tables and figures in $out" >&2

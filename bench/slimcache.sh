#!/usr/bin/env bash
# SlimCaching sgd / sgd-fast at the issue's size against the MILP; see bench/README.md "SlimCaching".
#
#   bench/slimcache.sh [BIN] [USERS] [TOKENS]   BIN defaults to build/cpu/fluidai;
#                                               USERS 20, TOKENS 50
#
# 1. `cache slim --algo sgd` (1 and 2 threads) and `--algo sgd-fast` (1
#    thread, eps 0.1) on a 32-layer x 64-expert top-6 MoE profile (expert
#    17.3 MB fp16 = DeepSeek-MoE-16B's 3·2048·1408 parameters, 2 FLOPs per
#    parameter, 4 KiB hidden state) cached on 20 edge servers of 1 GB each
#    (~57 of the 2048 experts) for USERS users: the instance is
#    `cache gen edge --servers 20 --users USERS --seed 3` with that profile set
#    as the library's "moe" section (jq), and a synthetic Zipf(1.0) trace of
#    TOKENS tokens per user and layer.  The 1- and 2-thread plans must be
#    byte-identical.  Then the same instance with per-layer expert sizes
#    17301504 + 40961·l bytes (layer-wise quantisation): the sizes' gcd is 1
#    byte, so sgd's capacity DP runs at its 65,536-unit cap while sgd-fast's
#    value DP does not depend on capacity.  With equal sizes the capacity DP
#    has only ~57 units and both spend nearly all their time in the same
#    per-layer tables, so sgd-fast can only tie there.
# 2. The MILP (GLPK, 60 s limit each) on a ladder of small instances (same
#    expert size, a quarter of the experts fit per server) until one does not
#    finish: per rung the MILP time, sgd's and sgd-fast's, the runtime ratio
#    and each one's latency over the optimum side by side.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/.."
BIN=${1:-build/cpu/fluidai}
USERS=${2:-20}
TOKENS=${3:-50}
[[ -x "$BIN" ]] || { make CUDA=0 build/cpu/fluidai >&2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
XB=17301504   # bytes of one expert (= its FLOPs per token)

moe() { # edge.json L E K -> stdout: the instance with that MoE profile
  jq --argjson L "$2" --argjson E "$3" --argjson k "$4" --argjson xb "$XB" \
    '.library.moe = {layers: $L, experts: $E, top_k: $k, expert_bytes: $xb, expert_flops: $xb,
                     hidden_bytes: 4096}' "$1"
}
slim() { # instance algo threads tag [extra...] -> "solve_s latency outcome"
  local in=$1 algo=$2 thr=$3 tag=$4
  shift 4
  "$BIN" cache slim "$in" --algo "$algo" --threads "$thr" --tokens "$TOKENS" --progress=none -q \
    -o "$tmp/$tag.json" "$@" > /dev/null
  jq -rs '"\(.[1].timings_s.solve) \(.[0].objective.value) \(.[0].outcome)"' \
    "$tmp/$tag.json" "$tmp/$tag.run.json"
}

"$BIN" cache gen edge --servers 20 --users "$USERS" --seed 3 -q -o "$tmp/edge.json" > /dev/null
moe "$tmp/edge.json" 32 64 6 > "$tmp/big.json"
echo "== 20 servers x $USERS users, 32 layers x 64 experts, top-6, 1 GB per server, $TOKENS tokens/user/layer"
read -r s1 v1 o1 < <(slim "$tmp/big.json" sgd 1 sgd1 --server-bytes 1e9)
read -r s2 v2 o2 < <(slim "$tmp/big.json" sgd 2 sgd2 --server-bytes 1e9)
read -r sf vf of < <(slim "$tmp/big.json" sgd-fast 1 fast1 --server-bytes 1e9)
cmp -s "$tmp/sgd1.json" "$tmp/sgd2.json" && same=yes || same=NO
printf '%-22s %10s %16s %10s\n' "run" "solve s" "latency s/token" "outcome"
printf '%-22s %10.2f %16.6f %10s\n' "sgd, 1 thread" "$s1" "$v1" "$o1"
printf '%-22s %10.2f %16.6f %10s\n' "sgd, 2 threads" "$s2" "$v2" "$o2"
printf '%-22s %10.2f %16.6f %10s\n' "sgd-fast, 1 thread" "$sf" "$vf" "$of"
python3 -c "print('sgd speed-up 1 -> 2 threads %.2fx; plans identical: $same; sgd-fast/sgd latency %.6f' % ($s1 / $s2, $vf / $v1))"
jq '.library.moe.expert_bytes = [range(32) | 17301504 + . * 40961]' "$tmp/big.json" > "$tmp/het.json"
read -r hs vs os < <(slim "$tmp/het.json" sgd 1 hsgd --server-bytes 1e9)
read -r hf vh oh < <(slim "$tmp/het.json" sgd-fast 1 hfast --server-bytes 1e9)
echo "-- per-layer sizes 17301504 + 40961*l bytes (capacity DP at 65,536 units)"
printf '%-22s %10.2f %16.6f %10s\n' "sgd, 1 thread" "$hs" "$vs" "$os"
printf '%-22s %10.2f %16.6f %10s\n' "sgd-fast, 1 thread" "$hf" "$vh" "$oh"
python3 -c "print('sgd-fast speed-up over sgd %.2fx; sgd-fast/sgd latency %.6f' % ($hs / $hf, $vh / $vs))"

echo "== MILP ladder (60 s limit; a quarter of the experts fit per server): sgd, sgd-fast vs MILP"
printf '%-34s %8s %10s %8s %9s %9s %9s %9s\n' "instance" "MILP s" "outcome" "sgd s" "fast s" "MILP/sgd" \
  "sgd/opt" "fast/opt"
for rung in "3 6 2 8 2" "4 8 4 8 2" "4 8 4 12 2" "5 10 4 12 2" "5 10 4 16 2" "6 12 4 16 2" \
  "6 12 8 16 2"; do
  read -r M K L E k <<< "$rung"
  "$BIN" cache gen edge --servers "$M" --users "$K" --area 600 --seed 1 -q -o "$tmp/e.json" > /dev/null
  moe "$tmp/e.json" "$L" "$E" "$k" > "$tmp/r.json"
  q=$((L * E * XB / 4))
  read -r tm vm om < <(slim "$tmp/r.json" milp 1 m --server-bytes "$q" --time-limit 60)
  read -r tg vg og < <(slim "$tmp/r.json" sgd 1 g --server-bytes "$q")
  read -r tf vf2 of2 < <(slim "$tmp/r.json" sgd-fast 1 f --server-bytes "$q")
  python3 -c "print('%-34s %8.2f %10s %8.4f %9.4f %9.0f %9.4f %9.4f' % ('$M srv x $K users x $L x $E top-$k', $tm, '$om', $tg, $tf, $tm / max($tg, 1e-6), $vg / $vm, $vf2 / $vm))"
  [ "$om" = optimal ] || break
done
echo "(latency is minimised: x/opt >= 1 is the heuristic's latency over the optimum; on the last rung,"
echo " if the MILP stopped at 60 s, it is against GLPK's incumbent)"

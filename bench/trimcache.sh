#!/usr/bin/env bash
# TrimCaching-Gen at constellation scale against the MILP; see bench/README.md "TrimCaching".
#
#   bench/trimcache.sh [BIN] [USERS] [SNAPSHOTS]   BIN defaults to build/cpu/fluidai;
#                                                  USERS 10000, SNAPSHOTS 96
#
# 1. `cache trim --algo gen` on Starlink shell 1 (1584 satellites, every one a
#    1 GB cache) × 300 models (6 backbones × 50 fine-tuned, §1.6 sizes) ×
#    USERS users at random positions within ±55° latitude × SNAPSHOTS
#    snapshots 60 s apart, cpu backend with 1 and 2 threads: total solve time
#    and the time in backend gains (.run.json timings_s.gains; speed-up goal
#    >= 1.7×).  The two plans must be byte-identical.
# 2. The MILP (GLPK) on a ladder of edge instances, 60 s limit each, until
#    one does not finish: per rung the MILP time, gen's time, the runtime
#    ratio and gen's gap to the optimum side by side.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/.."
BIN=${1:-build/cpu/fluidai}
USERS=${2:-10000}
SNAPS=${3:-96}
[[ -x "$BIN" ]] || { make CUDA=0 build/cpu/fluidai >&2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

awk -v K="$USERS" -v T="$SNAPS" 'BEGIN { srand(7)
  printf "{ \"name\": \"bench-trimcache\", \"epoch\": \"2026-03-01T12:00:00Z\",\n"
  printf "  \"duration_s\": %d, \"step_s\": 60, \"seed\": 7,\n", 60 * (T - 1)
  printf "  \"constellation\": { \"preset\": \"starlink-gen1-shell1\" },\n"
  printf "  \"ground_stations\": { \"preset\": \"starlink-pops\" },\n"
  printf "  \"users\": { \"min_elevation_deg\": 25, \"list\": ["
  for (k = 0; k < K; k++)
    printf "%s\n    {\"name\": \"u%d\", \"latitude_deg\": %.3f, \"longitude_deg\": %.3f}",
           (k ? "," : ""), k, -55 + 110 * rand(), -180 + 360 * rand()
  print " ] } }" }' > "$tmp/scen.json"
"$BIN" cache gen satellite --scenario "$tmp/scen.json" --capacity-bytes 1e9 --backbones 6 \
  --finetuned 50 --seed 7 -q -o "$tmp/inst.json" > /dev/null

gen() { # threads -> "solve_s gains_s hit_ratio links maxrss_kb"
  /usr/bin/time -f "%M" -o "$tmp/rss$1" "$BIN" cache trim "$tmp/inst.json" --algo gen \
    --backend cpu --threads "$1" --progress=none -q -o "$tmp/gen$1.json" > /dev/null
  jq -rs --arg rss "$(cat "$tmp/rss$1")" \
    '"\(.[1].timings_s.solve) \(.[1].timings_s.gains) \(.[0].objective.value) \(.[0].inputs.instance.links) \($rss)"' \
    "$tmp/gen$1.json" "$tmp/gen$1.run.json"
}
echo "== gen: 1584 satellites x 300 models x $USERS users x $SNAPS snapshots (1 GB caches)"
read -r s1 g1 h1 links rss1 < <(gen 1)
read -r s2 g2 h2 links2 rss2 < <(gen 2)
cmp -s "$tmp/gen1.json" "$tmp/gen2.json" && same=yes || same=NO
printf '%-22s %10s %10s %10s %10s\n' "run" "solve s" "gains s" "hit ratio" "RSS MiB"
printf '%-22s %10.2f %10.2f %10.6f %10d\n' "gen, 1 thread" "$s1" "$g1" "$h1" $((rss1 / 1024))
printf '%-22s %10.2f %10.2f %10.6f %10d\n' "gen, 2 threads" "$s2" "$g2" "$h2" $((rss2 / 1024))
python3 -c "print('links %d; gains speed-up 1 -> 2 threads %.2fx (goal >= 1.7x), solve %.2fx; plans identical: $same' % ($links, $g1 / $g2, $s1 / $s2))"

echo "== MILP ladder (edge, tbar U[2,6] s, 0.3 GB per server; 60 s limit): gen vs MILP"
printf '%-28s %9s %10s %9s %10s %10s %9s\n' "instance" "MILP s" "outcome" "gen s" "MILP/gen" "gen/opt" "gap"
for rung in "4 12 2 6" "5 15 2 7" "6 16 3 5" "6 20 3 6" "8 30 3 8" "10 40 3 10" "12 50 4 10" "14 60 4 12" "16 80 5 12"; do
  read -r M K B F <<< "$rung"
  "$BIN" cache gen edge --servers "$M" --users "$K" --backbones "$B" --finetuned "$F" --tbar 2,6 \
    --capacity-bytes 0.3e9 --seed 1 -q -o "$tmp/e.json" > /dev/null
  "$BIN" cache trim "$tmp/e.json" --algo milp --time-limit 60 --progress=none -q -o "$tmp/m.json" > /dev/null
  "$BIN" cache trim "$tmp/e.json" --algo gen --threads 1 --progress=none -q -o "$tmp/g.json" > /dev/null
  jq -rs --arg lab "$M srv x $K users x $((B * F)) models" '
    (.[0].objective.value) as $opt | (.[2].objective.value) as $g |
    (.[1].timings_s.solve) as $tm | (.[3].timings_s.solve) as $tg |
    "\($lab)|\($tm)|\(.[0].outcome)|\($tg)|\($tm / ([$tg, 1e-6] | max))|\($g / $opt)|\(1 - $g / $opt)"' \
    "$tmp/m.json" "$tmp/m.run.json" "$tmp/g.json" "$tmp/g.run.json" |
    awk -F'|' '{ printf "%-28s %9.2f %10s %9.4f %10.0f %10.4f %9.4f\n", $1, $2, $3, $4, $5, $6, $7 }'
  [ "$(jq -r .outcome "$tmp/m.json")" = optimal ] || break
done
echo "(the last rung is the first the MILP does not finish in 60 s; gen/opt there is against GLPK's incumbent)"

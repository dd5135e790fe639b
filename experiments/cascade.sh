#!/usr/bin/env bash
# Fluid inference (PAPERS §8.2): accuracy-latency front vs three baselines; migration near window ends
# Usage: experiments/run.sh cascade   (writes under experiments/out/cascade/; BIN set by run.sh)
#
# 1. Starlink shell 1 (embedded default), 261 gateway sites, 600 s at 5 s, 84 users:
#    the front with migration, the front without it, and the three baselines
#    (all on the serving satellite without early exit, all on the ground via a
#    bent pipe, head on the device + rest on the satellite without migration).
# 2. Iridium (sparse: the serving satellite is often the only one in view, so
#    requests arrive close to its set time), 1200 s at 1 s, 216 users: the
#    share of each request completed against the serving satellite's remaining
#    visibility, for the plan chosen under a 1.5 s budget (which may migrate)
#    and for the baselines (which may not).
# Satellites run at 7.28 GFLOPS (Space-XNet's SBC-2A72 at 70 %) and devices at
# 2 GFLOPS, so a ResNet-like request takes about a second: long enough for the
# end of a window to matter.
set -euo pipefail
out=$1
BIN=${BIN:?BIN is set by experiments/run.sh}
common=(--sat-flops 7.28e9 --device-flops 2e9 --progress=none -q)

echo "cascade: Starlink front with and without migration" >&2
"$BIN" place cascade --stations starlink-gateways --duration 600 --step 5 "${common[@]}" \
  --format csv -o "$out/starlink-plan.json" > "$out/starlink.csv"
"$BIN" place cascade --stations starlink-gateways --duration 600 --step 5 "${common[@]}" \
  --no-migration --format csv -o "$out/starlink-nomig-plan.json" > "$out/starlink-nomig.csv"

echo "cascade: Iridium, served share against the serving window" >&2
cat > "$out/iridium-scenario.json" <<JSON
{ "name": "iridium-gateways", "epoch": "2026-01-01T00:00:00Z", "duration_s": 1200, "step_s": 1,
  "seed": 1, "constellation": { "preset": "iridium" },
  "ground_stations": { "preset": "starlink-gateways", "min_elevation_deg": 10 },
  "isl": { "rate_bps": 10e9 } }
JSON
"$BIN" place cascade "$out/iridium-scenario.json" --users-grid -60:60:15:-180:165:15 \
  --user-min-elevation 10 --max-latency 1.5 "${common[@]}" --format csv \
  -o "$out/iridium-plan.json" --points-csv "$out/iridium-points.csv" > "$out/iridium.csv"
"$BIN" place cascade "$out/iridium-scenario.json" --users-grid -60:60:15:-180:165:15 \
  --user-min-elevation 10 --max-latency 1.5 --no-migration "${common[@]}" --format csv \
  -o "$out/iridium-nomig-plan.json" > "$out/iridium-nomig.csv"

# Served share by remaining serving window, 0.25 s bins up to 4 s.
awk -F, 'NR > 1 && $5 != "" && $5 != "inf" {
  b = int($5 / 0.25); if (b < 16) { n[b]++; c[b] += $6; s[b] += $7; g[b] += $8; f[b] += $9 } }
  END { print "window_lo_s,window_hi_s,requests,chosen,all_satellite,all_ground,fixed_split"
        for (b = 0; b < 16; b++) if (n[b])
          printf "%.2f,%.2f,%d,%.4f,%.4f,%.4f,%.4f\n", b * 0.25, (b + 1) * 0.25, n[b],
                 c[b] / n[b], s[b] / n[b], g[b] / n[b], f[b] / n[b] }' \
  "$out/iridium-points.csv" > "$out/iridium-window.csv"
rm -f "$out/iridium-points.csv"

# Does the front dominate each baseline?  (latency <= and delivered accuracy >=)
{
  printf "%-10s %-14s %-22s %10s %10s %8s %s\n" scenario baseline placement latency_s delivered served dominated
  for s in starlink iridium; do
    python3 - "$out/$s-plan.json" "$s" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for name, b in sorted(d["baselines"].items()):
    lat = b["latency_s"]
    print("%-10s %-14s %-22s %10s %10.4f %8.4f %s" % (sys.argv[2], name, b["placement"],
          "-" if lat is None else "%.4f" % lat, b["delivered_accuracy"], b["served"],
          "yes" if b["dominated_by_front"] else "NO"))
c = d["decisions"]
print("%-10s %-14s %-22s %10.4f %10.4f %8.4f migrated=%.5f" % (sys.argv[2], "chosen", c["placement"],
      c["latency_s"], c["delivered_accuracy"], c["served"], c["migrated"] or 0))
PY
  done
} | tee "$out/summary.txt"

gnuplot -e "out='$out'" experiments/cascade.gp
echo "cascade: wrote $out/{starlink,iridium}.csv, iridium-window.csv, summary.txt, cascade_*.png/svg" >&2

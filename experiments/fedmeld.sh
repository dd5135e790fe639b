#!/usr/bin/env bash
# FedMeld (PAPERS §4.3, §13): test accuracy vs hours of constellation time for FedMeld, its ablations, GS and ISL FL
# Usage: experiments/run.sh fedmeld   (writes under experiments/out/fedmeld/; BIN set by run.sh)
#
# 1. Pilot: `fedmeld sim --pilot` estimates L, sigma2, zeta2, G2, F_gap (F0 - F*) on the
#    simulator's own non-IID split (constants.json).
# 2. Planner: `fedmeld plan --constants constants.json -o plan.json` (tau*, alpha*, the
#    dispersal schedule and the baselines' timing from the orbits).  If the planner is not
#    in this build, the simulator's default timing is used and the script says so.
# 3. Simulator: 8 areas x 5 clients, 3 labels per area, on Fashion-MNIST when the Debian
#    package dataset-fashion-mnist is installed, else on synthetic data; the MLP
#    784-H-H-10 (H = FMSIM_HIDDEN, default 64 so that it runs in minutes on 2 cores; 200 is
#    the paper-sized MLP), batch FMSIM_BATCH (16), lr 0.05.  Every scheme trains until
#    the horizon: a scheme with longer rounds gets fewer of them.
# Outputs: fedmeld_curve.csv (scheme, round, time, accuracy, loss, cumulative bits),
# fedmeld_comm.csv (per scheme: rounds, final accuracy, bits over access, feeder and ISL
# links), fedmeld_accuracy.png/svg.  Expected (§4.3, §13): FedMeld above GS-assisted FL
# at equal time, no feeder or ISL bits for FedMeld, the planned (tau*, alpha*) at or above
# the fixed choices.
set -euo pipefail
out=$1
BIN=${BIN:?BIN is set by experiments/run.sh}
HID=${FMSIM_HIDDEN:-64}
BATCH=${FMSIM_BATCH:-16}
HOURS=${FMSIM_HOURS:-6}
EXTRA=${FMSIM_ARGS:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if "$BIN" fedmeld sim --help > /dev/null 2>&1 && [ -d /usr/share/datasets/fashion-mnist ]; then
  data=fashion-mnist
else
  data=synthetic
  echo "fedmeld: Fashion-MNIST not installed (apt-get install dataset-fashion-mnist); synthetic data" >&2
fi
common=(--data "$data" --model mlp --hidden "$HID" --batch "$BATCH" --lr 0.05)

echo "fedmeld: pilot run" >&2
"$BIN" fedmeld sim --pilot "${common[@]}" -q -o "$out/constants.json"

plan_args=()
if "$BIN" fedmeld plan --constants "$out/constants.json" --horizon-hours "$HOURS" \
     -o "$tmp/plan.json" > "$tmp/plan.log" 2>&1 \
   || "$BIN" fedmeld plan --constants "$out/constants.json" -o "$tmp/plan.json" > "$tmp/plan.log" 2>&1; then
  cp "$tmp/plan.json" "$out/plan.json"
  plan_args=(--plan "$out/plan.json")
  echo "fedmeld: timing from fedmeld plan ($out/plan.json)" >&2
else
  echo "fedmeld: \`fluidai fedmeld plan\` is not available in this build ($(tail -1 "$tmp/plan.log"));" \
       "using the simulator's default timing, horizon $HOURS h" >&2
  plan_args=(--horizon-hours "$HOURS")
fi

# shellcheck disable=SC2086
"$BIN" fedmeld sim "${plan_args[@]}" "${common[@]}" --test-samples 2000 --eval-points 30 \
  --progress=lines $EXTRA -o "$tmp/run" | tee "$out/fedmeld_summary.txt"
cp "$tmp/run/curve.csv" "$out/fedmeld_curve.csv"
cp "$tmp/run/result.json" "$out/fedmeld_result.json"
jq -r '["scheme","kind","tau","alpha","delta","round_s","rounds","final_accuracy",
        "final_area_accuracy","access_bits","feeder_bits","isl_bits"],
       (.metrics.schemes[] | [.name, .kind, .tau, .alpha, .delta, .round_s, .rounds_done,
        .final_accuracy, .final_area_accuracy, .access_bits, .feeder_bits, .isl_bits]) | @csv' \
  "$out/fedmeld_result.json" | tr -d '"' > "$out/fedmeld_comm.csv"
column -s, -t < "$out/fedmeld_comm.csv" >&2 || cat "$out/fedmeld_comm.csv" >&2

gnuplot -e "out='$out'; data='$data'" experiments/fedmeld.gp
echo "fedmeld: wrote $out/fedmeld_curve.csv, fedmeld_comm.csv, fedmeld_accuracy.png/svg" >&2
